#!/bin/sh
# cli_use.sh - the commands that use a trained model (sample, interp, recon,
# eval, info) on a tiny model trained on a real Fashion-MNIST slice: PNG
# sizes, eval's numbers and spectra, and every kind of bad input.
. "$SRCDIR/tests/lib.sh"
PY=/usr/bin/python3 # has numpy/h5py; the first python3 on PATH may not
DATA="$TMP/fmnist-2000.h5"
CKPT="$TMP/tiny/checkpoint.h5"
export OPENBLAS_NUM_THREADS=2

# png_size FILE: "WIDTH HEIGHT" from the PNG's IHDR chunk.
png_size() {
    "$PY" -c 'import struct, sys
b = open(sys.argv[1], "rb").read(24)
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", "not a PNG"
print("%d %d" % struct.unpack(">II", b[16:24]))' "$1"
}
# no_leftovers DIR: nothing in DIR but what was there before (no output, no temporary).
no_leftovers() {
    expect_eq "no file left behind in $1" "$2" "$(ls "$1" | tr '\n' ' ')"
}

expect_ok "import a 2000-image slice" "$FFVAE" import fashion-mnist "$FMNIST_DIR" -o "$DATA" --limit 2000
expect_ok "train the tiny model" "$FFVAE" train -m "$FIXTURES/tiny-fmnist.ini" -d "$DATA" \
    -o "$TMP/tiny" --steps 60 --seed 1 --threads 2

# --- info shows the model, the step, the parameter count and the dataset ---
expect_ok "info" "$FFVAE" info "$CKPT"
grep -q "^model *tiny-fmnist" "$TMP/out" && ok || fail "info lacks the model: $(cat "$TMP/out")"
grep -q "^step *60 of 60" "$TMP/out" && ok || fail "info lacks the step"
grep -q "^parameters *[0-9][0-9]*$" "$TMP/out" && ok || fail "info lacks the parameter count"
grep -q "dataset 'fashion-mnist'" "$TMP/out" && ok || fail "info lacks the dataset"

# --- sample: grid size = cols (S scale + 1) + 1 ---
mkdir -p "$TMP/png"
expect_ok "sample" "$FFVAE" sample "$CKPT" -n 16 -o "$TMP/png/s28.png"
expect_eq "sample 16 at 28: 4x4 cells" "117 117" "$(png_size "$TMP/png/s28.png")"
expect_ok "sample --size 56" "$FFVAE" sample "$CKPT" -n 6 --size 56 -o "$TMP/png/s56.png" --seed 3
expect_eq "sample 6 at 56: 3 cols, 2 rows" "172 115" "$(png_size "$TMP/png/s56.png")"
expect_ok "sample --scale 2 --cols 5" "$FFVAE" sample "$CKPT" -n 5 --scale 2 --cols 5 -o "$TMP/png/s2.png"
expect_eq "sample 5 at 28, scale 2" "286 58" "$(png_size "$TMP/png/s2.png")"
expect_ok "sample at temperature 0" "$FFVAE" sample "$CKPT" -n 2 --temperature 0 -o "$TMP/png/t0.png"
expect_ok "same seed again" "$FFVAE" sample "$CKPT" -n 6 --size 56 -o "$TMP/png/s56b.png" --seed 3
cmp -s "$TMP/png/s56.png" "$TMP/png/s56b.png" && ok || fail "same seed gives a different picture"
expect_ok "another seed" "$FFVAE" sample "$CKPT" -n 6 --size 56 -o "$TMP/png/s56c.png" --seed 4
cmp -s "$TMP/png/s56.png" "$TMP/png/s56c.png" && fail "another seed gives the same picture" || ok

# --- interp: F frames plus the two originals per row; --random has no originals ---
expect_ok "interp, lerp" "$FFVAE" interp "$CKPT" -d "$DATA" --pair 0,1 --pair 2,3 --frames 6 \
    -o "$TMP/png/lerp.png"
expect_eq "interp 2 pairs x (6 + 2)" "233 59" "$(png_size "$TMP/png/lerp.png")"
expect_ok "interp, slerp, size 56" "$FFVAE" interp "$CKPT" -d "$DATA" --pair 0,1 --pair 5,4 \
    --slerp --size 56 -o "$TMP/png/slerp.png"
expect_eq "slerp 2 pairs x (10 + 2) at 56" "685 115" "$(png_size "$TMP/png/slerp.png")"
cmp -s "$TMP/png/lerp.png" "$TMP/png/slerp.png" && fail "slerp equals lerp" || ok
expect_ok "interp --random" "$FFVAE" interp "$CKPT" --random --rows 3 --frames 5 --scale 2 \
    -o "$TMP/png/random.png"
expect_eq "random 3 rows x 5" "286 172" "$(png_size "$TMP/png/random.png")"

# --- recon: pairs (original, reconstruction), 8 pairs a row ---
expect_ok "recon" "$FFVAE" recon "$CKPT" -d "$DATA" -n 10 -o "$TMP/png/recon.png"
expect_eq "recon 10 pairs: 16 cols, 2 rows" "465 59" "$(png_size "$TMP/png/recon.png")"
expect_ok "recon --scale 3" "$FFVAE" recon "$CKPT" -d "$DATA" -n 3 --scale 3 -o "$TMP/png/recon3.png"
expect_eq "recon 3 pairs at scale 3" "511 86" "$(png_size "$TMP/png/recon3.png")"

# --- eval ---
expect_ok "eval --json" "$FFVAE" eval "$CKPT" -d "$DATA" --json
cp "$TMP/out" "$TMP/eval.json"
echo "tiny model, 60 steps: $(cat "$TMP/eval.json")"
if "$PY" - "$TMP/eval.json" <<'PYEOF'; then ok; else fail "eval --json out of range: $(cat "$TMP/eval.json")"; fi
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("nelbo", "mse", "psnr", "ssim", "hf_ratio_recon", "hf_ratio_samples"):
    assert isinstance(r[k], float), k
assert r["images"] == 2000
assert r["nelbo"] > 0 and abs(r["nelbo"] - r["recon"] - r["kl"]) < 1e-3 * r["nelbo"]
assert 0 < r["mse"] < 1 and r["psnr"] > 5, r
assert 0 < r["ssim"] <= 1, r
assert r["hf_ratio_recon"] > 0 and r["hf_ratio_samples"] > 0, r
PYEOF
SPECTRA="$TMP/tiny/spectra.csv"
[ -f "$SPECTRA" ] && ok || fail "eval wrote no spectra.csv next to the checkpoint"
expect_eq "spectra.csv header" "bin,frequency,data,reconstructions,samples,error,relative_error" "$(head -1 "$SPECTRA")"
expect_eq "15 bins for 28x28" 15 "$(tail -n +2 "$SPECTRA" | wc -l | tr -d ' ')"
expect_eq "last bin centre" "14,0.483333" "$(tail -1 "$SPECTRA" | cut -d, -f1-2)"
expect_ok "eval (text), train split, limit" "$FFVAE" eval "$CKPT" -d "$DATA" --split train \
    --limit 100 --spectra "$TMP/sp-train.csv"
grep -q "^images *100 of 28x28x1" "$TMP/out" && ok || fail "eval --limit: $(cat "$TMP/out")"
grep -q "^PSNR *[0-9.]* dB" "$TMP/out" && ok || fail "eval text lacks PSNR"
[ -f "$TMP/sp-train.csv" ] && ok || fail "--spectra FILE not written"
expect_ok "eval again, same seed" "$FFVAE" eval "$CKPT" -d "$DATA" --json
expect_eq "eval is repeatable" "$(cat "$TMP/eval.json")" "$(cat "$TMP/out")"

# --- a dense decoder renders only at its own size ---
expect_ok "train a dense model briefly" "$FFVAE" train -m "$SRCDIR/models/fmnist-dense.ini" \
    -d "$DATA" -o "$TMP/dense" --steps 3 --threads 2
expect_ok "dense sample at its own size" "$FFVAE" sample "$TMP/dense/checkpoint.h5" -n 4 \
    -o "$TMP/png/dense.png"
expect_fail "dense sample --size 56" "dense decoder renders only at its own size 28x28" \
    "$FFVAE" sample "$TMP/dense/checkpoint.h5" -n 4 --size 56 -o "$TMP/png/dense56.png"

# --- data/sample_rows.py: a row per sample file, the smaller enlarged to the larger ---
expect_ok "samples at 56 (.h5)" "$FFVAE" sample "$CKPT" -n 3 --size 56 -o "$TMP/rows56.h5"
expect_ok "dense samples at 28 (.h5)" "$FFVAE" sample "$TMP/dense/checkpoint.h5" -n 3 -o "$TMP/rows28.h5"
expect_ok "sample_rows.py" "$PY" "$SRCDIR/data/sample_rows.py" "$TMP/rows56.h5" "$TMP/rows28.h5" \
    --count 3 -o "$TMP/rows.png"
# 3 cells of 56 and 4 gaps of 4 across; 2 rows of 56 and 3 gaps down
expect_eq "rows figure size" "184 124" "$(png_size "$TMP/rows.png")"
cat >"$TMP/rows.py" <<'EOF2'
import sys, h5py
sys.path.insert(0, sys.argv[4])
from png import read_png
fig = read_png(sys.argv[1])
big = h5py.File(sys.argv[2], "r")["test/images"][:, :, :, 0]
small = h5py.File(sys.argv[3], "r")["test/images"][:, :, :, 0]
for k in range(3):
    x = 4 + k * 60
    assert (fig[4:60, x:x + 56] == big[k]).all(), "row 1 cell %d" % k
    assert (fig[64:120, x:x + 56] == small[k].repeat(2, 0).repeat(2, 1)).all(), "row 2 cell %d" % k
assert (fig[0:4] == 128).all() and (fig[60:64] == 128).all()
print("ok")
EOF2
expect_eq "rows figure holds the samples, the small ones pixel-replicated" ok \
    "$("$PY" "$TMP/rows.py" "$TMP/rows.png" "$TMP/rows56.h5" "$TMP/rows28.h5" "$SRCDIR/data" 2>&1)"
expect_ok "samples at 40 (.h5)" "$FFVAE" sample "$CKPT" -n 3 --size 40 -o "$TMP/rows40.h5"
expect_fail "sample_rows.py: sizes that do not divide" "size 40 does not divide the largest, 56" \
    "$PY" "$SRCDIR/data/sample_rows.py" "$TMP/rows56.h5" "$TMP/rows40.h5" --count 3 -o "$TMP/rows-x.png"
expect_fail "sample_rows.py: too few images" "4 square images needed" \
    "$PY" "$SRCDIR/data/sample_rows.py" "$TMP/rows56.h5" --count 4 -o "$TMP/rows-x.png"
expect_fail "dense interp --size 56" "dense decoder" "$FFVAE" interp "$TMP/dense/checkpoint.h5" \
    --random -o "$TMP/png/dense56.png" --size 56

# --- bad input: a clear error, non-zero exit, no output left behind ---
mkdir -p "$TMP/bad"
BEFORE=""
printf 'not HDF5 at all\n' >"$TMP/notes.h5"
expect_ok "an RGB dataset" "$FFVAE" import images "$FIXTURES/images" -o "$TMP/rgb28.h5" --size 28
expect_ok "a 32x32 dataset" "$FFVAE" import images "$FIXTURES/images" -o "$TMP/grey32.h5" --size 32 --gray
O="$TMP/bad/out.png"
for cmd in "sample -n 4 -o $O" "interp --random -o $O" "recon -d $DATA -n 2 -o $O" \
    "eval -d $DATA --spectra $TMP/bad/s.csv"; do
    name=${cmd%% *}
    # shellcheck disable=SC2086 # word splitting of $cmd is intended
    expect_fail "$name: a dataset is not a checkpoint" "not an ffvae checkpoint" "$FFVAE" $cmd "$DATA"
    # shellcheck disable=SC2086
    expect_fail "$name: a text file is not a checkpoint" "notes.h5" "$FFVAE" $cmd "$TMP/notes.h5"
    # shellcheck disable=SC2086
    expect_fail "$name: missing checkpoint" "no-such.h5" "$FFVAE" $cmd "$TMP/no-such.h5"
done
for ds in rgb28 grey32; do
    expect_fail "recon: $ds does not fit" "model expects 28x28x1 images, but .*$ds.h5 holds" \
        "$FFVAE" recon "$CKPT" -d "$TMP/$ds.h5" -n 1 -o "$O"
    expect_fail "interp: $ds does not fit" "model expects 28x28x1" \
        "$FFVAE" interp "$CKPT" -d "$TMP/$ds.h5" --pair 0,0 -o "$O"
    expect_fail "eval: $ds does not fit" "model expects 28x28x1" \
        "$FFVAE" eval "$CKPT" -d "$TMP/$ds.h5" --spectra "$TMP/bad/s.csv"
done
expect_fail "interp: index out of range" "index 2000 out of range .*2000 test images" \
    "$FFVAE" interp "$CKPT" -d "$DATA" --pair 3,2000 -o "$O"
expect_fail "interp: no data and no --random" "-d DATA.h5 is required \(or --random\)" "$FFVAE" interp "$CKPT" --pair 0,1 -o "$O"
expect_fail "interp: bad pair" "expected I,J" "$FFVAE" interp "$CKPT" -d "$DATA" --pair 3 -o "$O"
expect_fail "interp: negative index" "expected I,J" "$FFVAE" interp "$CKPT" -d "$DATA" --pair -1,2 -o "$O"
expect_fail "recon: more images than the split" "-n 2001: out of range" \
    "$FFVAE" recon "$CKPT" -d "$DATA" -n 2001 -o "$O"
expect_fail "sample: size 0" "--size: expected a whole number from 1 to 8192" \
    "$FFVAE" sample "$CKPT" -n 1 --size 0 -o "$O"
expect_fail "sample: size above the maximum" "--size: .* 8192, got '8193'" \
    "$FFVAE" sample "$CKPT" -n 1 --size 8193 -o "$O"
expect_fail "interp: size above the maximum" "--size" \
    "$FFVAE" interp "$CKPT" --random --size 100000 -o "$O"
expect_fail "sample: grid too large" "too large" "$FFVAE" sample "$CKPT" -n 64 --size 8192 -o "$O"
expect_fail "sample: -n 0" "--count" "$FFVAE" sample "$CKPT" -n 0 -o "$O"
expect_fail "sample: bad temperature" "--temperature" "$FFVAE" sample "$CKPT" -n 1 --temperature -1 -o "$O"
expect_fail "eval: bad split" "--split: expected test or train" "$FFVAE" eval "$CKPT" -d "$DATA" --split val
# Allocation failure is reported, not a crash: under a 1.2 GB address-space
# limit, 6 images of 8192x8192 (1.5 GB of floats) cannot be allocated.
# (Sanitizer builds reserve terabytes of shadow memory and cannot run under
# such a limit: the check is skipped there, as `ffvae version` shows.)
if (ulimit -v 1200000 && "$FFVAE" version) >/dev/null 2>&1; then
    expect_fail "sample: allocation failure" "cannot allocate" \
        sh -c "ulimit -v 1200000 && exec '$FFVAE' sample '$CKPT' -n 6 --cols 3 --size 8192 -o '$O'"
else
    echo "skipped the allocation-failure check (cannot run under ulimit -v)"
fi
no_leftovers "$TMP/bad" "$BEFORE"
# Unwritable outputs fail before any work and leave nothing.
expect_fail "sample: missing directory" "no-dir/x.png: output directory .* does not exist" \
    "$FFVAE" sample "$CKPT" -n 1 -o "$TMP/no-dir/x.png"
expect_fail "recon: output is a directory" "is a directory" \
    "$FFVAE" recon "$CKPT" -d "$DATA" -n 1 -o "$TMP/bad"
expect_fail "interp: missing directory" "does not exist" \
    "$FFVAE" interp "$CKPT" -d "$DATA" --pair 0,1 -o "$TMP/no-dir/x.png"
expect_fail "eval: spectra cannot be written" "does not exist" \
    "$FFVAE" eval "$CKPT" -d "$DATA" --spectra "$TMP/no-dir/s.csv"
[ -s "$TMP/out" ] && fail "eval printed results although it failed: $(cat "$TMP/out")" || ok
[ -e "$TMP/no-dir" ] && fail "a failed command created $TMP/no-dir" || ok
# A failed command leaves an existing output alone.
cp "$TMP/png/s28.png" "$TMP/keep.png"
expect_fail "sample: failure keeps the old file" "8193" "$FFVAE" sample "$CKPT" -n 1 --size 8193 -o "$TMP/keep.png"
cmp -s "$TMP/png/s28.png" "$TMP/keep.png" && ok || fail "a failed sample changed the existing file"
expect_fail "sample: dense failure keeps the old file" "dense decoder" \
    "$FFVAE" sample "$TMP/dense/checkpoint.h5" -n 1 --size 56 -o "$TMP/keep.png"
cmp -s "$TMP/png/s28.png" "$TMP/keep.png" && ok || fail "a failed sample changed the existing file"
no_leftovers "$TMP/png" "dense.png lerp.png random.png recon.png recon3.png s2.png s28.png s56.png s56b.png s56c.png slerp.png t0.png "
finish
