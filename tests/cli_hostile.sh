#!/bin/sh
# cli_hostile.sh - the hostile inputs of issue 20 (tests/fixtures/hostile/,
# made by make_hostile.py there, and files generated here): each must end in
# a clean error naming the file, fast and in little memory, leaving no output
# or temporary file behind.
. "$SRCDIR/tests/lib.sh"

H="$SRCDIR/tests/fixtures/hostile"
OUT="$TMP/out.d" # failure cases write here; it must stay empty
mkdir -p "$OUT"

# The memory a command may use: a hostile header must not make it allocate.
# (Not under ASan, whose shadow memory does not fit such a limit.)
LIMIT_KB=1500000
(ulimit -v $LIMIT_KB && "$FFVAE" version) >/dev/null 2>&1 || LIMIT_KB=unlimited

# expect_refused DESCRIPTION PATTERN CMD... : exit 1 (not a signal), stderr
# matching PATTERN, within 20 s and LIMIT_KB of memory, and nothing written
# to $OUT.
expect_refused() {
    desc=$1; pattern=$2; shift 2
    (ulimit -v $LIMIT_KB; exec timeout 20 "$@") >"$TMP/stdout" 2>"$TMP/err"
    status=$?
    if [ "$status" -ne 1 ]; then
        fail "$desc: exit $status, expected 1: $*"; sed 's/^/    /' "$TMP/err" >&2
    elif ! grep -Eq -- "$pattern" "$TMP/err"; then
        fail "$desc: stderr does not match /$pattern/:"; sed 's/^/    /' "$TMP/err" >&2
    else ok; fi
    left=$(ls -A "$OUT")
    if [ -n "$left" ]; then
        fail "$desc: left files behind: $left"; rm -rf "$OUT"/* "$OUT"/.[!.]*
    fi
}

# ---- images: the header's size is checked before decoding -------------------
for f in huge-header.png huge-header.gif huge-rle.tga; do
    rm -rf "$TMP/img" && mkdir -p "$TMP/img/a"
    cp "$SRCDIR/tests/fixtures/images/red/a.png" "$H/$f" "$TMP/img/a/"
    # The GIF keeps its extension out of the importer's list, so name it .png.
    case $f in *.gif) mv "$TMP/img/a/$f" "$TMP/img/a/gif.png"; f=gif.png ;; esac
    expect_refused "import $f" "a/$f: image is 16000x16000 \(256000000 pixels\), more than the limit of 50000000 pixels" \
        "$FFVAE" import images "$TMP/img" --size 4 -o "$OUT/x.h5"
done
expect_refused "fit huge-header.png" "huge-header.png: image is 16000x16000 .* more than the limit" \
    "$FFVAE" fit "$H/huge-header.png" -m "$SRCDIR/tests/fixtures/fit-tiny-none.ini" \
    -o "$OUT/fit"
# --max-pixels lowers the limit (the fixtures are 10x10 and smaller)...
expect_refused "--max-pixels 50" "blue/d.tga: image is 10x10 \(100 pixels\), more than the limit of 50 pixels" \
    "$FFVAE" import images "$SRCDIR/tests/fixtures/images" --size 4 --max-pixels 50 -o "$OUT/x.h5"
# ...and bounds the resize's output as well as its input.
expect_refused "--max-pixels bounds the resize" "resizing the 10x10 crop to 16x16 exceeds the limit of 200 pixels" \
    "$FFVAE" import images "$SRCDIR/tests/fixtures/images" --size 16 --max-pixels 200 -o "$OUT/x.h5"
expect_ok "--max-pixels 120 admits them all" \
    "$FFVAE" import images "$SRCDIR/tests/fixtures/images" --size 4 --max-pixels 120 -o "$TMP/ok.h5"
expect_fail "--max-pixels is for images" "are for 'import images'" \
    "$FFVAE" import mnist "$SRCDIR/tests/fixtures/mnist" --max-pixels 100 -o "$OUT/x.h5"

# ---- IDX: the declared size against the file's, before allocating ----------
# huge-images-idx3-ubyte: 40 bytes declaring 2^31 - 1 images of 65536 x 65536;
# the .gz declares 2 GiB (over the memory limit) and holds 1 kB.
hostile_idx() { # hostile_idx FIXTURE TARGET_NAME PATTERN
    rm -rf "$TMP/idx"
    cp -r "$SRCDIR/tests/fixtures/mnist" "$TMP/idx"
    rm -f "$TMP/idx/$2" "$TMP/idx/${2%.gz}"
    cp "$H/$1" "$TMP/idx/$2"
    expect_refused "mnist with $1" "$TMP/idx/$2: $3" \
        "$FFVAE" import mnist "$TMP/idx" -o "$OUT/x.h5"
}
hostile_idx huge-images-idx3-ubyte t10k-images-idx3-ubyte \
    "truncated: the header declares 2147483647 items \(9223372032559808512 bytes\), the file holds 24 bytes"
hostile_idx huge-images-idx3-ubyte.gz train-images-idx3-ubyte.gz \
    "truncated: the header declares 32768 items \(2147483648 bytes\), the file holds 1024 bytes"
hostile_idx huge-labels-idx1-ubyte t10k-labels-idx1-ubyte \
    "truncated: the header declares 2147483647 items \(2147483647 bytes\), the file holds 8 bytes"

# ---- HDF5: each dataset's declared size against a limit -------------------
expect_ok "import the mnist fixture" "$FFVAE" import mnist "$SRCDIR/tests/fixtures/mnist" -o "$TMP/m.h5"
expect_refused "FFVAE_MAX_DATASET_BYTES" "m.h5: /train/images: declares 120 bytes, more than the limit of 100" \
    env FFVAE_MAX_DATASET_BYTES=100 "$FFVAE" info "$TMP/m.h5"
expect_ok "info within the limit" env FFVAE_MAX_DATASET_BYTES=120 "$FFVAE" info "$TMP/m.h5"

# ---- image folders: every skipped entry is counted, loops are named --------
rm -rf "$TMP/skip" && mkdir -p "$TMP/skip"
cp "$SRCDIR/tests/fixtures/images/red/a.png" "$TMP/skip/a.png"
echo text >"$TMP/skip/notes.txt"
echo hidden >"$TMP/skip/.hidden.png"
ln -s missing.png "$TMP/skip/dangling.png"
ln -s loop2.png "$TMP/skip/loop1.png"
ln -s loop1.png "$TMP/skip/loop2.png"
mkfifo "$TMP/skip/fifo.png"
expect_ok "import a folder with junk" \
    "$FFVAE" import images "$TMP/skip" --size 4 --test-fraction 0 -o "$TMP/skip.h5"
expect_eq "skip summary" \
    "skipped 6 entries in $TMP/skip: 1 not an image (by extension), 1 hidden, 1 dangling symlink, 2 symlink loops, 1 not a regular file" \
    "$(grep '^skipped' "$TMP/out")"
expect_eq "loops named" "  symlink loop: $TMP/skip/loop1.png|  symlink loop: $TMP/skip/loop2.png|" \
    "$(grep 'symlink loop:' "$TMP/out" | tr '\n' '|')"
expect_eq "the image was imported" 1 "$(grep -c '1 train + 0 test images of 4x4x3' "$TMP/out")"

finish
