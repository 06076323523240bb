#!/bin/sh
# cli_fonts.sh - `ffvae import fonts` on real fonts: the six faces of Debian's
# fonts-dejavu-core (which CI installs). Counts, the split by face, faces and
# labels read back with h5py, determinism, edge content, and bad fonts.
. "$SRCDIR/tests/lib.sh"

PY=/usr/bin/python3
CORE=$(dpkg -L fonts-dejavu-core 2>/dev/null | grep '\.ttf$')
if [ -z "$CORE" ]; then
    echo "cli_fonts: needs fonts-dejavu-core (apt-get install fonts-dejavu-core); skipped"
    exit 77
fi
FONTS="$TMP/fonts"
mkdir -p "$FONTS/sans" "$FONTS/serif"
for f in $CORE; do
    case $f in
    *Serif*) ln -s "$f" "$FONTS/serif/" ;;
    *) ln -s "$f" "$FONTS/sans/" ;;
    esac
done
echo "not a font" >"$FONTS/README.txt"

# ---- counts: 6 faces x 62 characters, 2 faces (of 6, fraction 1/3) in test --
expect_ok "import fonts" "$FFVAE" import fonts "$FONTS" -o "$TMP/g.h5" --test-fraction 0.34 --seed 3
expect_eq "faces line" "6 faces, 2 in the test split" "$(grep '^6 faces' "$TMP/out")"
expect_eq "glyph counts" "glyphs: 372 kept; dropped: 0 missing from their face, 0 blank, 0 too large for the square, 0 identical to a kept glyph of the same character" \
    "$(grep '^glyphs:' "$TMP/out")"
expect_eq "the README is counted, not read" \
    "skipped 1 entry in $FONTS: 1 not a font (by extension)" "$(grep '^skipped' "$TMP/out")"

# ---- read back with h5py: split disjoint by face, faces and labels agree ---
cat >"$TMP/check.py" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
names = f["/faces/names"][()].decode().split("\n")
files = f["/faces/files"][()].decode().split("\n")
labels = f["/labels"].attrs["names"].decode().split("\n")
tr, te = f["/train/faces"][:], f["/test/faces"][:]
assert len(names) == len(files) == 6, (names, files)
assert labels == list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), labels
assert set(tr).isdisjoint(set(te)), "a face on both sides"
assert set(tr) | set(te) == set(range(6))
assert len(set(te)) == 2, set(te)
for split in ("train", "test"):
    fa, lb = f[f"/{split}/faces"][:], f[f"/{split}/labels"][:]
    im = f[f"/{split}/images"]
    assert im.shape[1:] == (64, 64, 1) and im.shape[0] == len(fa) == len(lb)
    for face in set(fa):  # every face gives each of the 62 characters once
        assert sorted(lb[fa == face]) == list(range(62)), (split, face)
    assert all(names[i].startswith("DejaVu") for i in set(fa))
    assert all(files[i].endswith(".ttf") for i in set(fa))
print("ok")
EOF
expect_eq "h5py reads faces and labels" ok "$($PY "$TMP/check.py" "$TMP/g.h5" 2>&1)"

# ---- ffvae reads the faces back, and refuses a face index out of range -------
expect_ok "info" "$FFVAE" info "$TMP/g.h5"
expect_eq "info counts the faces" "faces:   6 (the images' sources: /faces, /train/faces, /test/faces)" \
    "$(grep '^faces:' "$TMP/out")"
cp "$TMP/g.h5" "$TMP/badface.h5"
$PY -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f['/test/faces'][3] = 99" "$TMP/badface.h5"
expect_fail "a face index out of range" "/test/faces: face 99 at index 3 is out of range \(6 faces\)" \
    "$FFVAE" info "$TMP/badface.h5"

# ---- deterministic for a seed; another seed moves faces between splits ------
expect_ok "import again" "$FFVAE" import fonts "$FONTS" -o "$TMP/g2.h5" --test-fraction 0.34 --seed 3
expect_ok "import, seed 4" "$FFVAE" import fonts "$FONTS" -o "$TMP/g4.h5" --test-fraction 0.34 --seed 4
cat >"$TMP/same.py" <<'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
same = all(np.array_equal(a[k][()], b[k][()]) for k in
           ("/train/images", "/train/labels", "/train/faces", "/test/images", "/test/faces",
            "/faces/names", "/faces/files"))
print("same" if same else "different")
EOF
expect_eq "same seed, same dataset" same "$($PY "$TMP/same.py" "$TMP/g.h5" "$TMP/g2.h5" 2>&1)"
expect_eq "another seed, another split" different "$($PY "$TMP/same.py" "$TMP/g.h5" "$TMP/g4.h5" 2>&1)"

# ---- edge content: the share of (non-DC) power above half Nyquist ---------
# Sharp glyphs measure 0.039; the floor 0.025 is one that a Gaussian blur of
# sigma 0.5 pixel (0.018) already falls below, so it checks the rendering is
# crisp, not just non-empty.
cat >"$TMP/hf.py" <<'EOF'
import sys, h5py, numpy as np
from scipy.ndimage import gaussian_filter
def hf_share(x):
    x = x - x.mean(axis=(1, 2), keepdims=True)
    P = (np.abs(np.fft.fft2(x)) ** 2).mean(0)
    r = np.hypot(np.fft.fftfreq(P.shape[1])[None, :], np.fft.fftfreq(P.shape[0])[:, None])
    return P[r > 0.25].sum() / P.sum()
x = h5py.File(sys.argv[1], "r")["/train/images"][:][..., 0] / 255.0
sharp = hf_share(x)
blurred = hf_share(np.stack([gaussian_filter(i, 0.5) for i in x]))
print("crisp" if sharp > 0.025 > blurred else f"sharp {sharp:.4f} blurred {blurred:.4f}")
EOF
expect_eq "glyph HF power above the floor" crisp "$($PY "$TMP/hf.py" "$TMP/g.h5" 2>&1)"

# ---- data/glyph_sheet.py: one face's 62 glyphs tiled 8 per row, for `fit` ----
expect_ok "glyph_sheet.py --list" "$PY" "$SRCDIR/data/glyph_sheet.py" "$TMP/g.h5" --list
expect_eq "--list: every face, 62 glyphs each" "6 62" \
    "$(wc -l <"$TMP/out") $(cut -f3 "$TMP/out" | sort -u)"
FACE=$(grep -m1 "	test	" "$TMP/out" | cut -f4)
expect_ok "glyph sheet of $FACE" "$PY" "$SRCDIR/data/glyph_sheet.py" "$TMP/g.h5" --face "$FACE" \
    -o "$TMP/sheet.png"
cat >"$TMP/sheet.py" <<'EOF'
import sys, h5py, numpy as np
sys.path.insert(0, sys.argv[3])
from png import read_png
sheet = read_png(sys.argv[1])
f = h5py.File(sys.argv[2], "r")
index = f["/faces/names"][()].decode().split("\n").index(sys.argv[4])
rows = np.flatnonzero(f["/test/faces"][:] == index)
labels = f["/test/labels"][:][rows]
images = f["/test/images"][:][rows, :, :, 0]
assert sheet.shape == (512, 512), sheet.shape
for k in range(62):  # label k at row k // 8, column k % 8
    r, c = divmod(k, 8)
    assert (sheet[64 * r:64 * r + 64, 64 * c:64 * c + 64] == images[labels == k][0]).all(), k
assert not sheet[448:, 384:].any()  # the two cells after the last glyph stay black
print("ok")
EOF
expect_eq "the sheet holds the face's glyphs in label order" ok \
    "$($PY "$TMP/sheet.py" "$TMP/sheet.png" "$TMP/g.h5" "$SRCDIR/data" "$FACE" 2>&1)"
expect_ok "fit reads the sheet" "$FFVAE" fit "$TMP/sheet.png" --size 32 --steps 2 --threads 2 \
    -m "$FIXTURES/fit-tiny-none.ini" -o "$TMP/sheet-fit"
expect_fail "a face not in the file" "no face 'No Such Face'" \
    "$PY" "$SRCDIR/data/glyph_sheet.py" "$TMP/g.h5" --face "No Such Face" -o "$TMP/x.png"

# ---- bad fonts are skipped and counted; a face shipped twice is dropped ----
BAD="$TMP/bad"
mkdir -p "$BAD"
ln -s "$(echo "$CORE" | grep '/DejaVuSans.ttf$')" "$BAD/a.ttf"
cp "$(echo "$CORE" | grep '/DejaVuSans.ttf$')" "$BAD/b-copy.ttf"
yes "not a font" | head -c 5000 >"$BAD/c-garbage.ttf"
: >"$BAD/d-empty.otf"
# The same face with a taller ascent in its hhea table (every render moves,
# the name does not): like another format or package of a kept face, dropped
# by name.
$PY - "$BAD/a.ttf" "$BAD/e-changed.ttf" <<'EOF'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack(">H", data[4:6])[0]
for i in range(n):
    tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
    if tag == b"hhea":
        ascent = struct.unpack(">h", data[offset + 4:offset + 6])[0]
        data[offset + 4:offset + 6] = struct.pack(">h", ascent + 300)
open(sys.argv[2], "wb").write(data)
EOF
expect_ok "import bad fonts" "$FFVAE" import fonts "$BAD" -o "$TMP/bad.h5" --test-fraction 0
expect_eq "bad fonts counted, the copy and the changed face duplicates" \
    "faces: 3 found in 5 files, 1 kept; dropped: 1 duplicates (every glyph identical to a kept one), 1 with a kept face's name, 0 with no glyph of the set, 0 unreadable faces, 2 unreadable files" \
    "$(grep '^faces:' "$TMP/out")"
expect_eq "only the first copy's glyphs kept" 62 "$(grep -o '^glyphs: [0-9]*' "$TMP/out" | cut -d' ' -f2)"
expect_eq "garbage and empty files named" 2 "$(grep -c 'skipped$' "$TMP/err")"

# ---- usage errors leave nothing behind ---------------------------------------
expect_fail "bad --chars" "--chars 'z-a'" "$FFVAE" import fonts "$FONTS" -o "$TMP/x.h5" --chars z-a
mkdir -p "$TMP/empty"
expect_fail "a folder without fonts" "no font files found" "$FFVAE" import fonts "$TMP/empty" -o "$TMP/x.h5"
expect_fail "--gray is for images" "--gray and --max-pixels are for 'import images'" \
    "$FFVAE" import fonts "$FONTS" -o "$TMP/x.h5" --gray
expect_fail "--chars is for fonts" "--chars is for 'import fonts'" \
    "$FFVAE" import images "$FONTS" -o "$TMP/x.h5" --size 8 --chars abc
expect_eq "no output left behind" "" "$(ls "$TMP" | grep '^x\.h5')"
finish
