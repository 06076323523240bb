#!/bin/sh
# cli_import.sh - `ffvae import` and `ffvae info` end to end: the real
# Fashion-MNIST package, the IDX and image fixtures, and every bad input
# (non-zero exit, a message naming the file, no output or temp file left).
. "$SRCDIR/tests/lib.sh"

PY=/usr/bin/python3
CHECK_H5PY="$SRCDIR/tests/check_h5py.py"
OUT="$TMP/fails" # failure cases write here; it must stay empty
mkdir -p "$OUT"

# The Python checks need h5py; the CI installs python3-h5py, so its absence
# is a failure, not a skip.
if ! "$PY" -c 'import h5py, numpy' 2>/dev/null; then
    fail "$PY cannot import h5py and numpy (apt-get install python3-h5py python3-numpy)"
fi

# expect_exit CODE DESCRIPTION PATTERN CMD... : exit status CODE, stderr matching PATTERN.
expect_exit() {
    code=$1; desc=$2; pattern=$3; shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"
    status=$?
    if [ "$status" -ne "$code" ]; then
        fail "$desc: exit $status, expected $code: $*"; sed 's/^/    /' "$TMP/err" >&2
    elif ! grep -Eq -- "$pattern" "$TMP/err"; then
        fail "$desc: stderr does not match /$pattern/:"; sed 's/^/    /' "$TMP/err" >&2
    else ok; fi
}

# nothing_left DESCRIPTION : the failure cases' output directory is still empty.
nothing_left() {
    left=$(ls -A "$OUT")
    if [ -n "$left" ]; then
        fail "$1: left files behind: $left"; rm -f "$OUT"/* "$OUT"/.[!.]*
    else ok; fi
}

# info_line FILE KEY : the value printed by `ffvae info` after "KEY:".
info_line() {
    "$FFVAE" info "$1" 2>&1 | sed -n "s/^$2: *//p"
}

# ---- the real Fashion-MNIST package ----------------------------------------
if [ ! -f "$FMNIST_DIR/train-images-idx3-ubyte.gz" ]; then
    fail "$FMNIST_DIR has no Fashion-MNIST files (apt-get install dataset-fashion-mnist)"
fi
F="$TMP/fashion.h5"
expect_ok "import fashion-mnist" "$FFVAE" import fashion-mnist -o "$F"
expect_eq "import summary" 1 "$(grep -c '60000 train + 10000 test images of 28x28x1' "$TMP/out")"
expect_eq "info name" "fashion-mnist" "$(info_line "$F" name)"
expect_eq "info source" "$FMNIST_DIR" "$(info_line "$F" source)"
expect_eq "info train" "60000 images of 28x28x1" "$(info_line "$F" train)"
expect_eq "info test" "10000 images of 28x28x1" "$(info_line "$F" test)"
expect_eq "info label 9" "9 6000 1000 Ankle boot" \
    "$("$FFVAE" info "$F" | awk '$1 == 9 {print $1, $2, $3, $4, $5}')"
expect_ok "h5py reads the full import" "$PY" "$CHECK_H5PY" "$F" "$FMNIST_DIR" fashion-mnist \
    60000 10000 9 9

# A small slice, the explicit DIR form, and overwriting.
S="$TMP/slice.h5"
expect_ok "import --limit 2000" "$FFVAE" import fashion-mnist "$FMNIST_DIR" --limit 2000 -o "$S"
expect_eq "slice train" "2000 images of 28x28x1" "$(info_line "$S" train)"
expect_eq "slice test" "2000 images of 28x28x1" "$(info_line "$S" test)"
expect_ok "h5py reads the slice" "$PY" "$CHECK_H5PY" "$S" "$FMNIST_DIR" fashion-mnist \
    2000 2000 9 9
expect_exit 1 "existing output refused" "slice.h5: already exists" \
    "$FFVAE" import fashion-mnist --limit 10 -o "$S"
expect_eq "refused import left the file alone" "2000 images of 28x28x1" "$(info_line "$S" train)"
expect_ok "--force replaces" "$FFVAE" import fashion-mnist --limit 10 -o "$S" --force
expect_eq "replaced file" "10 images of 28x28x1" "$(info_line "$S" train)"
expect_eq "no temp files next to outputs" "" "$(ls "$TMP" | grep '\.tmp\.')"

# ---- MNIST-style IDX fixtures (gzipped train, plain test files) ------------
M="$TMP/mnist.h5"
expect_ok "import mnist fixture" "$FFVAE" import mnist "$FIXTURES/mnist" -o "$M"
expect_eq "mnist train" "6 images of 5x4x1" "$(info_line "$M" train)"
expect_eq "mnist test" "3 images of 5x4x1" "$(info_line "$M" test)"
expect_ok "h5py reads the mnist fixture" "$PY" "$CHECK_H5PY" "$M" "$FIXTURES/mnist" mnist 6 3 0 0

# Each broken IDX file, swapped into a copy of the valid set.
broken_idx() { # broken_idx FIXTURE TARGET_NAME PATTERN
    rm -rf "$TMP/idx"
    cp -r "$FIXTURES/mnist" "$TMP/idx"
    rm -f "$TMP/idx/$2" "$TMP/idx/${2%.gz}"
    cp "$FIXTURES/idx/$1" "$TMP/idx/$2"
    expect_exit 1 "mnist with $1" "$TMP/idx/$2: $3" \
        "$FFVAE" import mnist "$TMP/idx" -o "$OUT/x.h5"
    nothing_left "mnist with $1"
}
broken_idx truncated-images-idx3-ubyte.gz train-images-idx3-ubyte.gz "corrupt or truncated"
broken_idx short-images-idx3-ubyte.gz train-images-idx3-ubyte.gz "truncated: the header declares 6"
broken_idx badmagic-images-idx3-ubyte t10k-images-idx3-ubyte "bad magic number"
broken_idx twodim-images-idx2-ubyte t10k-images-idx3-ubyte "expected 3 dimensions"
broken_idx five-labels-idx1-ubyte.gz train-labels-idx1-ubyte.gz "5 labels for the 6 images"
rm -rf "$TMP/idx"
cp -r "$FIXTURES/mnist" "$TMP/idx"
rm -f "$TMP/idx/t10k-labels-idx1-ubyte"
expect_exit 1 "mnist with a missing file" "$TMP/idx: missing t10k-labels-idx1-ubyte" \
    "$FFVAE" import mnist "$TMP/idx" -o "$OUT/x.h5"
nothing_left "mnist with a missing file"
expect_exit 1 "mnist from a missing folder" "no/such/dir: missing train-images" \
    "$FFVAE" import mnist "$TMP/no/such/dir" -o "$OUT/x.h5"
nothing_left "mnist from a missing folder"

# ---- image folders ---------------------------------------------------------
I="$TMP/rgb.h5"
expect_ok "import images RGB" "$FFVAE" import images "$FIXTURES/images" --size 4 \
    --test-fraction 0 -o "$I"
expect_eq "images name" "images" "$(info_line "$I" name)"
expect_eq "images train" "6 images of 4x4x3" "$(info_line "$I" train)"
expect_eq "images test" "0 images of 4x4x3" "$(info_line "$I" test)"
expect_eq "images label names" "0 3 0 blue|1 3 0 red|" \
    "$("$FFVAE" info "$I" | awk '$1 ~ /^[0-9]+$/ {printf "%s %s %s %s|", $1, $2, $3, $4}')"
G="$TMP/gray.h5"
expect_ok "import images --gray" "$FFVAE" import images "$FIXTURES/images/" --size 4 --gray \
    --test-fraction 0 -o "$G"
expect_eq "gray train" "6 images of 4x4x1" "$(info_line "$G" train)"
# Sorted files: blue/d.tga blue/e.png (solid blue) blue/f.jpeg red/a.png (red once
# centre-cropped) red/b.jpg red/c.bmp. stb's grey is (77 R + 150 G + 29 B) / 256.
expect_ok "image pixels, labels and crop" "$PY" - "$I" "$G" <<'EOF'
import sys, h5py, numpy as np
rgb, gray = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
im, g = rgb["/train/images"][...], gray["/train/images"][...]
assert im.shape == (6, 4, 4, 3) and im.dtype == np.uint8, im.shape
assert g.shape == (6, 4, 4, 1), g.shape
assert list(rgb["/train/labels"][...]) == [0, 0, 0, 1, 1, 1]
# Version 2 strings are fixed-length, which h5py reads as bytes.
assert rgb["/labels"].attrs["names"] == b"blue\nred"
assert rgb.attrs["name"] == b"images" and rgb.attrs["format"] == b"ffvae-dataset"
assert (im[1] == [0, 0, 255]).all(), im[1]
assert (abs(im[3].astype(int) - [255, 0, 0]) <= 1).all(), im[3]  # green bands cropped off
assert (abs(g[1].astype(int) - 28) <= 1).all(), g[1]
assert (abs(g[3].astype(int) - 76) <= 1).all(), g[3]
EOF

# The split depends on the seed only; the default test fraction is 0.1.
expect_ok "split seed 5 (a)" "$FFVAE" import images "$FIXTURES/images" --size 2 \
    --test-fraction 0.5 --seed 5 -o "$TMP/s5a.h5"
expect_ok "split seed 5 (b)" "$FFVAE" import images "$FIXTURES/images" --size 2 \
    --test-fraction 0.5 --seed 5 -o "$TMP/s5b.h5"
expect_eq "split sizes" "3 images of 2x2x3" "$(info_line "$TMP/s5a.h5" test)"
expect_eq "same seed, same split" "$("$FFVAE" info "$TMP/s5a.h5" | tail -n +3)" \
    "$("$FFVAE" info "$TMP/s5b.h5" | tail -n +3)"
expect_ok "default split" "$FFVAE" import images "$FIXTURES/images" --size 2 -o "$TMP/d.h5"
expect_eq "default test fraction" "1 images of 2x2x3" "$(info_line "$TMP/d.h5" test)"
expect_ok "--limit on images" "$FFVAE" import images "$FIXTURES/images" --size 2 --limit 4 \
    --test-fraction 0 -o "$TMP/l.h5"
expect_eq "limited images" "4 images of 2x2x3" "$(info_line "$TMP/l.h5" train)"

# Files directly in DIR are unlabelled.
mkdir -p "$TMP/flat"
cp "$FIXTURES/images/red/"* "$TMP/flat/"
expect_ok "import flat folder" "$FFVAE" import images "$TMP/flat" --size 3 --test-fraction 0 \
    -o "$TMP/flat.h5"
expect_eq "flat name" "flat" "$(info_line "$TMP/flat.h5" name)"
expect_eq "flat unlabelled" "-1 3 0 (unlabelled)" \
    "$("$FFVAE" info "$TMP/flat.h5" | awk '$1 == -1 {print $1, $2, $3, $4}')"

# A broken image, an empty folder, a folder mixing both layouts.
mkdir -p "$TMP/bad/x"
cp "$FIXTURES/images/red/a.png" "$FIXTURES/broken.png" "$TMP/bad/x/"
expect_exit 1 "broken image" "$TMP/bad/x/broken.png: cannot decode image" \
    "$FFVAE" import images "$TMP/bad" --size 4 -o "$OUT/x.h5"
nothing_left "broken image"
mkdir -p "$TMP/empty/sub"
expect_exit 1 "empty folder" "empty: no images found" \
    "$FFVAE" import images "$TMP/empty" --size 4 -o "$OUT/x.h5"
nothing_left "empty folder"
cp -r "$FIXTURES/images" "$TMP/mixed"
cp "$FIXTURES/images/red/a.png" "$TMP/mixed/loose.png"
expect_exit 1 "mixed folder" "mixed: holds both image files and subfolders" \
    "$FFVAE" import images "$TMP/mixed" --size 4 -o "$OUT/x.h5"
nothing_left "mixed folder"

# ---- destinations ------------------------------------------------------------
expect_exit 1 "missing output directory" "no/dir/x.h5: output directory .* does not exist" \
    "$FFVAE" import mnist "$FIXTURES/mnist" -o "$OUT/no/dir/x.h5"
expect_exit 1 "output is a directory" "is a directory" \
    "$FFVAE" import mnist "$FIXTURES/mnist" -o "$OUT"
nothing_left "bad destinations"
if [ "$(id -u)" -ne 0 ]; then # root may write anywhere
    mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"
    expect_exit 1 "unwritable output directory" "not writable" \
        "$FFVAE" import mnist "$FIXTURES/mnist" -o "$TMP/ro/x.h5"
    expect_eq "unwritable directory stays empty" "" "$(ls -A "$TMP/ro")"
    chmod 755 "$TMP/ro"
fi
# A write that fails half way (file size limit, the signal ignored so that
# write() returns EFBIG) removes its temporary file.
expect_exit 1 "write failure" "x.h5" sh -c \
    'trap "" XFSZ; ulimit -f 8; exec "$0" import fashion-mnist --limit 500 -o "$1"' \
    "$FFVAE" "$OUT/x.h5"
nothing_left "write failure"

# ---- usage errors exit 2 -------------------------------------------------------
expect_exit 2 "unknown option" "unknown option '--bogus'" \
    "$FFVAE" import fashion-mnist --bogus -o "$OUT/x.h5"
expect_exit 2 "missing -o" "-o OUT.h5 is required" "$FFVAE" import fashion-mnist
expect_exit 2 "missing option value" "'--limit' needs a value" \
    "$FFVAE" import fashion-mnist -o "$OUT/x.h5" --limit
expect_exit 2 "bad --limit" "--limit: expected a whole number from 1 to" \
    "$FFVAE" import fashion-mnist --limit 0 -o "$OUT/x.h5"
expect_exit 2 "unknown source" "unknown source 'cifar'" "$FFVAE" import cifar -o "$OUT/x.h5"
expect_exit 2 "images without --size" "needs --size" \
    "$FFVAE" import images "$FIXTURES/images" -o "$OUT/x.h5"
expect_exit 2 "--size for IDX" "are for 'import images'" \
    "$FFVAE" import mnist "$FIXTURES/mnist" --size 4 -o "$OUT/x.h5"
expect_exit 2 "bad --test-fraction" "--test-fraction: expected a number in \[0, 1\)" \
    "$FFVAE" import images "$FIXTURES/images" --size 4 --test-fraction 1 -o "$OUT/x.h5"
expect_exit 2 "info without a file" "expected one FILE.h5" "$FFVAE" info
nothing_left "usage errors"
expect_ok "help import" "$FFVAE" help import
expect_eq "help import text" 1 "$(grep -c 'ffvae import images DIR -o OUT.h5 --size S' "$TMP/out")"

# ---- info on files that are not ours ------------------------------------------
expect_exit 1 "info on a missing file" "nothing.h5: no such file" "$FFVAE" info "$TMP/nothing.h5"
printf 'plain text\n' >"$TMP/plain.h5"
expect_exit 1 "info on a text file" "plain.h5: not an HDF5 file" "$FFVAE" info "$TMP/plain.h5"
"$PY" -c 'import sys, h5py
with h5py.File(sys.argv[1], "w") as f: f["x"] = [1, 2, 3]
with h5py.File(sys.argv[2], "w") as f: f.attrs["format"] = "something-else"' \
    "$TMP/foreign.h5" "$TMP/other.h5" || fail "h5py could not write the foreign files"
expect_exit 1 "info on a foreign HDF5 file" \
    "foreign.h5: not an ffvae dataset or checkpoint \(no 'format' attribute on /\)" \
    "$FFVAE" info "$TMP/foreign.h5"
expect_exit 1 "info on another format" "other.h5: not an ffvae dataset or checkpoint \(format is 'something-else'\)" \
    "$FFVAE" info "$TMP/other.h5"

finish
