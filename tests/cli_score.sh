#!/bin/sh
# cli_score.sh - `ffvae classifier`, `ffvae score` and `ffvae sample -o X.h5`
# on a real Fashion-MNIST slice: every number score prints against an
# independent numpy/scipy computation from the files (the classifier's
# features recomputed with h5py as the README says); blur and noise move the
# numbers the way they must; bad input is refused with a message naming it.
. "$SRCDIR/tests/lib.sh"
PY=/usr/bin/python3
DATA="$TMP/fmnist.h5"
CLS="$TMP/cls.h5"
expect_ok "import a slice" "$FFVAE" import fashion-mnist "$FMNIST_DIR" -o "$DATA" --limit 3000

# The classifier: trained on the slice, its test accuracy printed and stored.
expect_ok "train a classifier" "$FFVAE" classifier -d "$DATA" -o "$CLS" --epochs 4 --seed 3 \
    --threads 2 --json
acc=$(sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p' "$TMP/out")
$PY -c "import sys; sys.exit(0 if float('$acc') >= 0.75 else 1)" && ok \
    || fail "test accuracy $acc on 3000 images, 4 epochs: expected at least 0.75"
# Deterministic for a seed: the same seed gives the same weights, another seed others.
expect_ok "the same classifier again" "$FFVAE" classifier -d "$DATA" -o "$TMP/cls2.h5" \
    --epochs 4 --seed 3 --threads 2
expect_ok "another seed" "$FFVAE" classifier -d "$DATA" -o "$TMP/cls3.h5" --epochs 1 --seed 4 \
    --threads 1
$PY - "$CLS" "$TMP/cls2.h5" "$TMP/cls3.h5" <<'PY' && ok || fail "classifier is not deterministic for a seed"
import sys, h5py, numpy as np
a, b, c = (h5py.File(p) for p in sys.argv[1:])
same = all(np.array_equal(a["params"][k][:], b["params"][k][:]) for k in a["params"])
differ = not np.array_equal(a["params/fc1.W"][:], c["params/fc1.W"][:])
# ffvae writes fixed-length strings, which h5py returns as bytes
assert a.attrs["feature_layer"] == b"fc2" and a.attrs["dataset"] == b"fashion-mnist"
sys.exit(0 if same and differ else 1)
PY

# Blurred and noisy copies of the test images, written as sample files.
$PY - "$DATA" "$TMP" <<'PY' && ok || fail "could not write the blurred images"
import sys, h5py, numpy as np, scipy.ndimage
data, tmp = sys.argv[1:]
x = h5py.File(data)["test/images"][:].astype(np.float64) / 255
def write(name, imgs):
    with h5py.File(f"{tmp}/{name}.h5", "w") as f:
        f.attrs["format"], f.attrs["version"] = "ffvae-dataset", 1
        f.attrs["name"], f.attrs["source"] = "fashion-mnist", "cli_score.sh"
        f["test/images"] = np.clip(np.rint(imgs * 255), 0, 255).astype(np.uint8)
        f["test/labels"] = np.full(len(imgs), -1, np.int32)
for s in (0.5, 1, 2):
    write(f"blur{s}", scipy.ndimage.gaussian_filter(x, sigma=(0, s, s, 0)))
rng = np.random.default_rng(1)
write("noise", x + 0.1 * rng.normal(size=x.shape))
write("wrongshape", np.zeros((100, 32, 32, 1)))
PY

score() { "$FFVAE" score "$DATA:test" "$@" -c "$CLS" --json --paired; }
for v in blur0.5 blur1 blur2 noise; do
    expect_ok "score $v" score "$TMP/$v.h5"
    cp "$TMP/out" "$TMP/$v.json"
done
expect_ok "score 1000 images" score "$TMP/blur1.h5" --limit 1000
cp "$TMP/out" "$TMP/blur1-1000.json"
expect_ok "score the test split against itself" score "$DATA:test"
cp "$TMP/out" "$TMP/self.json"

# Every number against numpy/scipy, with the features recomputed from the
# classifier file as the README describes.
$PY - "$DATA" "$CLS" "$TMP" <<'PY' && ok || fail "score disagrees with numpy/scipy (above)"
import json, sys, h5py, numpy as np, scipy.linalg, scipy.signal
data, cls, tmp = sys.argv[1:]
with h5py.File(cls) as f:
    p = {k: f["params"][k][:].astype(np.float64) for k in f["params"]}
def features(u8):
    x = u8.reshape(len(u8), -1) / 255.0
    return np.maximum(x @ p["fc1.W"] + p["fc1.b"], 0) @ p["fc2.W"] + p["fc2.b"]
def fid(a, b):
    ma, mb, sa, sb = a.mean(0), b.mean(0), np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    s = scipy.linalg.sqrtm(sa @ sb, disp=False)[0].real
    return ((ma - mb) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * np.trace(s)
def mmd2(a, b):
    d = a.shape[1]; k = lambda u, v: (u @ v.T / d + 1) ** 3
    kaa, kbb, kab = k(a, a), k(b, b), k(a, b); n, m = len(a), len(b)
    return ((kaa.sum() - np.trace(kaa)) / (n * (n - 1)) + (kbb.sum() - np.trace(kbb)) / (m * (m - 1))
            - 2 * kab.mean())
def pr(real, fake, k=3):
    dist = lambda u, v: np.sqrt(np.maximum((u * u).sum(1)[:, None] + (v * v).sum(1)[None] - 2 * u @ v.T, 0))
    rr = np.sort(dist(real, real), 1)[:, k]; rf = np.sort(dist(fake, fake), 1)[:, k]
    d = dist(fake, real)
    return (d <= rr[None]).any(1).mean(), (d.T <= rf[None]).any(1).mean()
def radial(imgs):  # spectrum.h: mean removed, |DFT|^2, rings of width 0.5/15, corners dropped
    x = imgs[..., 0] - imgs[..., 0].mean((1, 2), keepdims=True)
    pw = (np.abs(np.fft.fft2(x)) ** 2).mean(0)
    H, W = pw.shape; nb = min(H, W) // 2 + 1; w = 0.5 / nb
    fy, fx = np.meshgrid(np.fft.fftfreq(H), np.fft.fftfreq(W), indexing="ij")
    r = np.sqrt(fx ** 2 + fy ** 2); b = np.minimum((r / w).astype(int), nb - 1)
    keep = r <= 0.5
    return np.array([pw[keep & (b == i)].mean() for i in range(nb)]), nb, w
def hf(model, ref):
    rm, nb, w = radial(model); rd, _, _ = radial(ref)
    hi = (np.arange(nb) + 0.5) * w > 0.25
    return rm[hi].sum() / rd[hi].sum()
def lapvar(imgs):
    k = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float)
    return np.mean([scipy.signal.correlate2d(i[..., 0], k, mode="valid").var() for i in imgs])
a_u8 = h5py.File(data)["test/images"][:]
a = a_u8 / 255.0
fa = features(a_u8)
bad = 0
def close(what, got, want, rel, absolute=0.0):
    global bad
    if not abs(got - want) <= rel * abs(want) + absolute:
        print(f"{what}: ffvae {got}, numpy {want}", file=sys.stderr); bad += 1
for v in ["blur0.5", "blur1", "blur2", "noise"]:
    r = json.load(open(f"{tmp}/{v}.json"))
    b_u8 = h5py.File(f"{tmp}/{v}.h5")["test/images"][:]; b = b_u8 / 255.0
    fb = features(b_u8)
    close(f"{v} FID", r["fid"], fid(fa, fb), 1e-3)
    if v == "blur1":  # scored --limit 1000 too: KID's subsets of 1000 are then the whole sets
        r1 = json.load(open(f"{tmp}/blur1-1000.json"))
        close("blur1 KID (1000 images)", r1["kid"], mmd2(fa[:1000], fb[:1000]), 1e-3)
        close("blur1 KID sd (1000 images)", r1["kid_sd"], 0, 0, 1e-12)
    pp, rr = pr(fa, fb)
    close(f"{v} precision", r["precision"], pp, 0, 2e-3)
    close(f"{v} recall", r["recall"], rr, 0, 2e-3)
    close(f"{v} HF ratio", r["hf_ratio"], hf(b, a), 1e-6)
    close(f"{v} HF error ratio", r["hf_error_ratio"], hf(b - a, a), 1e-6)
    close(f"{v} Laplacian ratio", r["laplacian_ratio"], lapvar(b) / lapvar(a), 1e-6)
    lfd = np.mean([np.log(np.mean(np.abs(np.fft.fft2(255 * (j - i)[..., 0])) ** 2) + 1)
                   for i, j in zip(a, b)])
    close(f"{v} LFD", r["lfd"], lfd, 1e-6)
sys.exit(1 if bad else 0)
PY

# Blur and noise move the numbers as they must.
$PY - "$TMP" <<'PY' && ok || fail "blur / noise do not move the numbers as expected (above)"
import json, sys
t = sys.argv[1]
r = {v: json.load(open(f"{t}/{v}.json")) for v in ["self", "blur0.5", "blur1", "blur2", "noise"]}
bad = []
fids = [r[v]["fid"] for v in ["self", "blur0.5", "blur1", "blur2"]]
if not (abs(fids[0]) < 1e-6 and fids[0] < fids[1] < fids[2] < fids[3]):
    bad.append(f"FID not rising with blur: {fids}")
hfs = [r[v]["hf_ratio"] for v in ["self", "blur0.5", "blur1", "blur2"]]
if not (abs(hfs[0] - 1) < 1e-9 and hfs[0] > hfs[1] > hfs[2] > hfs[3]):
    bad.append(f"HF ratio not falling with blur: {hfs}")
lap = [r[v]["laplacian_ratio"] for v in ["blur0.5", "blur1", "blur2"]]
if not (1 > lap[0] > lap[1] > lap[2]):
    bad.append(f"Laplacian variance not falling with blur: {lap}")
n = r["noise"]
# noise raises both: more power above half Nyquist than the data (blur: less),
# and that power is error, more of it than the mildest blur's
if not (n["hf_ratio"] > 1.1 and n["hf_error_ratio"] > 0.2 and
        n["hf_error_ratio"] > r["blur0.5"]["hf_error_ratio"] > 0):
    bad.append(f"noise: hf_ratio {n['hf_ratio']}, hf_error_ratio {n['hf_error_ratio']}")
s = r["self"]
if not (s["precision"] == 1 and s["recall"] == 1 and s["hf_error_ratio"] == 0 and s["lfd"] == 0):
    bad.append(f"the set against itself: {s}")
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# A model's samples as an .h5 sample file: score reads it, h5py too.
expect_ok "train a tiny model" "$FFVAE" train -m "$FIXTURES/tiny-fmnist.ini" -d "$DATA" \
    -o "$TMP/run" --steps 20 --threads 2
expect_ok "sample to .h5" "$FFVAE" sample "$TMP/run/checkpoint.h5" -n 300 -o "$TMP/samples.h5"
$PY - "$TMP/samples.h5" <<'PY' && ok || fail "the sample file is not a test-only dataset file"
import sys, h5py
f = h5py.File(sys.argv[1])
ok = (f.attrs["format"] == b"ffvae-dataset" and f.attrs["name"] == b"fashion-mnist" and
      f["test/images"].shape == (300, 28, 28, 1) and f["test/images"].dtype == "uint8" and
      (f["test/labels"][:] == -1).all() and "train" not in f)
sys.exit(0 if ok else 1)
PY
expect_ok "score samples" "$FFVAE" score "$DATA" "$TMP/samples.h5" -c "$CLS"
grep -q "^FID " "$TMP/out" && grep -q "^precision " "$TMP/out" && ok || fail "score printed no FID"

$PY - "$DATA" "$TMP/other.h5" <<'PY' && ok || fail "could not write another dataset"
import sys, shutil, h5py, numpy as np
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    f.attrs["name"] = np.bytes_("mnist")  # fixed-length, as version 2 files hold
PY
# eval: with -c, the classifier numbers; without, a note on how to make one
# (and every other number still printed); classifiers/NAME.h5 found by default.
expect_ok "eval with a classifier" "$FFVAE" eval "$TMP/run/checkpoint.h5" -d "$DATA" -c "$CLS" \
    --json --limit 500
$PY - "$TMP/out" <<'PY' && ok || fail "eval -c lacks the classifier numbers: $(cat "$TMP/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["fid_samples"] > 0 and r["fid_recon"] > 0 and r["kid_sd_samples"] > 0, r
assert 0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1, r
assert r["hf_error_ratio"] > 0 and r["laplacian_ratio_recon"] > 0 and r["lfd"] > 0, r
PY
mkdir -p "$TMP/cwd"
(cd "$TMP/cwd" && "$FFVAE" eval "$TMP/run/checkpoint.h5" -d "$DATA" --limit 500) >"$TMP/out" 2>"$TMP/err" \
    && ok || fail "eval without a classifier failed: $(cat "$TMP/err")"
grep -q "make it with: ffvae classifier -d $DATA -o classifiers/fashion-mnist.h5" "$TMP/err" && ok \
    || fail "eval without a classifier does not say how to make one: $(cat "$TMP/err")"
grep -q "^HF error" "$TMP/out" && ! grep -q "^FID" "$TMP/out" && ok \
    || fail "eval without a classifier: $(cat "$TMP/out")"
mkdir -p "$TMP/cwd/classifiers" && cp "$CLS" "$TMP/cwd/classifiers/fashion-mnist.h5"
(cd "$TMP/cwd" && "$FFVAE" eval "$TMP/run/checkpoint.h5" -d "$DATA" --limit 500) >"$TMP/out" 2>"$TMP/err" \
    && grep -q "^FID " "$TMP/out" && ok || fail "eval did not use classifiers/fashion-mnist.h5: $(cat "$TMP/out" "$TMP/err")"
expect_ok "eval with too few images for FID" "$FFVAE" eval "$TMP/run/checkpoint.h5" -d "$DATA" \
    -c "$CLS" --limit 100 --json
grep -q '"fid_samples": null' "$TMP/out" && grep -q "100 images are too few for FID" "$TMP/err" && ok \
    || fail "eval --limit 100: $(cat "$TMP/out" "$TMP/err")"
expect_fail "eval with a classifier of another dataset" "a classifier of 'fashion-mnist'.*'mnist'" \
    "$FFVAE" eval "$TMP/run/checkpoint.h5" -d "$TMP/other.h5" -c "$CLS"

# Bad input.
expect_fail "a sample file of another shape" \
    "cls.h5: a classifier of 'fashion-mnist' \(28x28x1 images\) cannot score .*wrongshape.h5: 'fashion-mnist', 32x32x1" \
    "$FFVAE" score "$DATA" "$TMP/wrongshape.h5" -c "$CLS"
expect_fail "a classifier of another dataset" \
    "a classifier of 'fashion-mnist' \(28x28x1 images\) cannot score .*other.h5: 'mnist', 28x28x1" \
    "$FFVAE" score "$TMP/other.h5" "$DATA" -c "$CLS"
expect_ok "import the 5x4 MNIST fixture" "$FFVAE" import mnist "$FIXTURES/mnist" -o "$TMP/mn.h5"
expect_fail "a classifier of another image shape" "'mnist', 5x4x1 images" \
    "$FFVAE" score "$TMP/mn.h5" "$TMP/mn.h5" -c "$CLS"
expect_fail "fewer images than features" "100 images are too few for FID in 128 feature dimensions" \
    "$FFVAE" score "$DATA" "$TMP/blur1.h5" -c "$CLS" --limit 100
grep -qi "nan" "$TMP/out" && fail "printed NaN: $(cat "$TMP/out")" || ok
expect_fail "a dataset as classifier" "not an ffvae classifier" \
    "$FFVAE" score "$DATA" "$DATA" -c "$DATA"
expect_fail "an unknown split" "unknown split 'val'" \
    "$FFVAE" score "$DATA:val" "$DATA" -c "$CLS"
expect_fail "paired sets of different sizes" "--paired needs as many images" \
    "$FFVAE" score "$DATA" "$TMP/samples.h5" -c "$CLS" --paired
$PY - "$DATA" "$TMP/unlabelled.h5" <<'PY' && ok || fail "could not write an unlabelled dataset"
import sys, shutil, h5py, numpy as np
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    f["train/labels"][5] = -1
PY
expect_fail "an unlabelled dataset" "unlabelled.h5: /train/labels: image 5 is unlabelled" \
    "$FFVAE" classifier -d "$TMP/unlabelled.h5" -o "$TMP/x.h5"
[ -e "$TMP/x.h5" ] && fail "a refused classifier wrote its output" || ok
finish
