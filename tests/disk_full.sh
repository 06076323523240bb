#!/bin/sh
# disk_full.sh - a save onto a full disk (issue 20): on a small tmpfs (root
# only; skipped with status 77 otherwise), a resumed run whose checkpoint no
# longer fits fails with a clear error, the previous checkpoint is intact,
# and no temporary file is left.
. "$SRCDIR/tests/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
    echo "disk_full: needs root to mount a tmpfs; skipped"; exit 77
fi
DISK="$TMP/disk"
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=1m tmpfs "$DISK" 2>"$TMP/mount.err"; then
    echo "disk_full: cannot mount a tmpfs ($(cat "$TMP/mount.err")); skipped"; exit 77
fi
trap 'umount "$DISK" 2>/dev/null; rm -rf "$TMP"' EXIT

DATA="$TMP/data.h5"
TINY="$SRCDIR/tests/fixtures/tiny-5x4.ini"
expect_ok "import" "$FFVAE" import mnist "$SRCDIR/tests/fixtures/mnist" -o "$DATA"
RUN="$DISK/run"
expect_ok "a first run" "$FFVAE" train -m "$TINY" -d "$DATA" -o "$RUN" --steps 4 --threads 1
cp "$RUN/checkpoint.h5" "$TMP/before.h5"
size=$(wc -c <"$RUN/checkpoint.h5")

# Fill the disk, then give back less than a checkpoint needs (but room for
# config.ini and log.csv, so it is the save that fails).
dd if=/dev/zero of="$DISK/filler" bs=4k 2>/dev/null
truncate -s -$(( (size / 2) / 4096 * 4096 + 4096 )) "$DISK/filler"
expect_fail "resume onto a full disk" "checkpoint.h5.tmp.[0-9]+: cannot write: No space left on device" \
    "$FFVAE" train -d "$DATA" -o "$RUN" --resume --steps 8 --threads 1
expect_eq "a clear error" 1 "$(grep -c 'checkpoint not saved; the previous one (if any) is untouched' "$TMP/err")"
expect_eq "the previous checkpoint is intact" "" "$(cmp "$TMP/before.h5" "$RUN/checkpoint.h5" 2>&1)"
expect_ok "and loads" "$FFVAE" info "$RUN/checkpoint.h5"
expect_eq "no temporary file" "" "$(ls "$RUN" | grep '\.tmp\.')"

# With room again, the run resumes from it.
rm -f "$DISK/filler"
expect_ok "resume with room" "$FFVAE" train -d "$DATA" -o "$RUN" --resume --steps 8 --threads 1
expect_eq "resumed from step 4" 1 "$(grep -c 'steps 4 to 8' "$TMP/out")"
finish
