#!/bin/sh
# cli_bf16.sh - `--set precision=bf16` through the commands: a bf16 run
# repeats and resumes exactly, a resumed run refuses a changed precision, a
# bf16 checkpoint is used like any other, fit trains in bf16; where bf16
# cannot run, the refusal names the reason (and the test is skipped).
. "$SRCDIR/tests/lib.sh"
TINY="$FIXTURES/tiny-fmnist.ini"
DATA="$TMP/fmnist-300.h5"

if ! "$FFVAE" bench -m "$TINY" --steps 1 --threads 1 --set precision=bf16 >"$TMP/out" 2>"$TMP/err"; then
    grep -Eq "libdnnl-dev|AVX512-BF16" "$TMP/err" && ok || fail "bf16 refusal without a reason: $(cat "$TMP/err")"
    echo "SKIP: bf16 cannot run here: $(cat "$TMP/err")"
    [ "$failures" -eq 0 ] && exit 77
    finish
fi
grep -q "gemm (bf16, oneDNN)" "$TMP/out" && ok || fail "bench does not report the bf16 ceiling: $(cat "$TMP/out")"

expect_ok "import a 300-image slice" "$FFVAE" import fashion-mnist "$FMNIST_DIR" -o "$DATA" --limit 300

# --- same threads, same numbers; interrupted + resumed = uninterrupted ---
run() { "$FFVAE" train -m "$TINY" -d "$DATA" --threads 2 --seed 3 --set precision=bf16 "$@"; }
strip() { cut -d, -f1-5 "$1"; }  # every column but wall-clock seconds
expect_ok "bf16 straight run" run -o "$TMP/straight" --steps 20
expect_ok "bf16 again" run -o "$TMP/again" --steps 20
expect_eq "bf16 repeats exactly" "$(strip "$TMP/straight/log.csv")" "$(strip "$TMP/again/log.csv")"
grep -q "^precision = bf16" "$TMP/straight/config.ini" && ok || fail "config.ini does not record bf16"
expect_ok "bf16 first part" run -o "$TMP/resumed" --steps 10
expect_ok "bf16 resume" "$FFVAE" train -d "$DATA" -o "$TMP/resumed" --resume --steps 20 --threads 2
expect_eq "bf16 resumed log equals straight log" "$(strip "$TMP/straight/log.csv")" "$(strip "$TMP/resumed/log.csv")"
expect_fail "resume refuses a changed precision" "differs from the model" \
    "$FFVAE" train -d "$DATA" -o "$TMP/resumed" --resume --steps 30 --set precision=fp32
expect_ok "resume accepts the same --set" "$FFVAE" train -d "$DATA" -o "$TMP/resumed" --resume \
    --steps 25 --threads 2 --set precision=bf16
# fp32 and bf16 of the same seed train differently, but alike.
expect_ok "fp32 run" "$FFVAE" train -m "$TINY" -d "$DATA" --threads 2 --seed 3 -o "$TMP/fp32" --steps 20
[ "$(strip "$TMP/fp32/log.csv")" != "$(strip "$TMP/straight/log.csv")" ] && ok || fail "bf16 changed nothing"

# --- a bf16 checkpoint holds fp32 weights: it samples and evaluates ---
expect_ok "sample a bf16 checkpoint" "$FFVAE" sample "$TMP/straight/checkpoint.h5" -n 4 -o "$TMP/s.png"
expect_ok "eval a bf16 checkpoint" "$FFVAE" eval "$TMP/straight/checkpoint.h5" -d "$DATA" --json
expect_ok "fit in bf16" "$FFVAE" fit --noise 8 -m "$FIXTURES/fit-tiny-gaussian.ini" -o "$TMP/fit" \
    --steps 10 --threads 2 --set precision=bf16
finish
