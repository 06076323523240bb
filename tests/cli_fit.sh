#!/bin/sh
# cli_fit.sh - `ffvae fit`: the outputs, sweeps (one row per value), noise
# images that depend only on the seed, and bad input refused with no output.
. "$SRCDIR/tests/lib.sh"
TG="$FIXTURES/fit-tiny-gaussian.ini"
TN="$FIXTURES/fit-tiny-none.ini"
IMG="$FIXTURES/images/red/a.png" # 12x8 RGB: centre-cropped to 8x8

# PNG width and height from the IHDR chunk.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%d %d", $3 * 256 + $4, $7 * 256 + $8 }'; }

# --- one image, two models, holdout: every output, test PSNRs filled ---
expect_ok "fit an image" "$FFVAE" fit "$IMG" -m "$TN" -m "$TG" -o "$TMP/two" --holdout --steps 12 --threads 1
for f in target.png results.csv results.md; do [ -f "$TMP/two/$f" ] && ok || fail "no $f"; done
for r in fit-tiny-none fit-tiny-gaussian; do
    for f in fitted.png fitted-2x.png error.png curve.csv config.ini; do
        [ -f "$TMP/two/$r/$f" ] && ok || fail "$r lacks $f"
    done
done
expect_eq "results.csv rows" 3 "$(wc -l < "$TMP/two/results.csv")"
expect_eq "curve header" "step,train_psnr,test_psnr,seconds" "$(head -1 "$TMP/two/fit-tiny-gaussian/curve.csv")"
# log_every 5 and 12 steps: steps 0, 5, 10 and 12.
expect_eq "curve steps" "0 5 10 12" "$(tail -n +2 "$TMP/two/fit-tiny-gaussian/curve.csv" | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')"
test_psnr=$(sed -n 3p "$TMP/two/results.csv" | cut -d, -f13)
[ -n "$test_psnr" ] && ok || fail "holdout run has no test PSNR: $(sed -n 3p "$TMP/two/results.csv")"
# The grid writer adds a 1-pixel border: 8 -> 10, 16 -> 18.
expect_eq "fitted.png size" "10 10" "$(png_size "$TMP/two/fit-tiny-gaussian/fitted.png")"
expect_eq "fitted-2x.png size" "18 18" "$(png_size "$TMP/two/fit-tiny-gaussian/fitted-2x.png")"
grep -q "^height = 8$" "$TMP/two/fit-tiny-gaussian/config.ini" && ok || fail "geometry not taken from the image"
expect_fail "results are not overwritten" "already holds fit results" \
    "$FFVAE" fit "$IMG" -m "$TG" -o "$TMP/two" --steps 2

# --- a sweep: one row per value; bare sigma is the encoding's ---
expect_ok "sweep sigma" "$FFVAE" fit --noise 16 -m "$TG" -o "$TMP/sweep" --sweep sigma=1,3,10 --steps 3 --threads 1
expect_eq "one row per value" 4 "$(wc -l < "$TMP/sweep/results.csv")"
expect_eq "sweep values" "1 3 10" "$(tail -n +2 "$TMP/sweep/results.csv" | cut -d, -f5 | tr '\n' ' ' | sed 's/ $//')"
grep -q "^sigma = 3$" "$TMP/sweep/fit-tiny-gaussian-sigma-3/config.ini" && ok || fail "sigma did not reach [encoding]"
expect_eq "no test PSNR without holdout" "" "$(sed -n 2p "$TMP/sweep/results.csv" | cut -d, -f13)"
expect_ok "sweep features" "$FFVAE" fit --noise 8 -m "$TG" -o "$TMP/feat" --sweep encoding.features=4,8 --steps 2 --threads 1
expect_eq "two feature rows" "4 8" "$(tail -n +2 "$TMP/feat/results.csv" | cut -d, -f6 | tr '\n' ' ' | sed 's/ $//')"

# --- noise images depend on the seed only ---
expect_ok "noise seed 4" "$FFVAE" fit --noise 8 -m "$TN" -o "$TMP/n4a" --steps 1 --seed 4
expect_ok "noise seed 4 again" "$FFVAE" fit --noise 8 -m "$TN" -o "$TMP/n4b" --steps 1 --seed 4
expect_ok "noise seed 5" "$FFVAE" fit --noise 8 -m "$TN" -o "$TMP/n5" --steps 1 --seed 5
cmp -s "$TMP/n4a/target.png" "$TMP/n4b/target.png" && ok || fail "same seed, different noise"
cmp -s "$TMP/n4a/target.png" "$TMP/n5/target.png" && fail "different seeds, same noise" || ok

# --- bad input: a clear error and nothing written ---
: > "$TMP/empty.png"
printf '[data]\nheight = 8\nwidth = 8\nchannels = 1\n[latent]\nsize = 0\n[decoder]\nkind = coord\n[network]\nwidth = 8\ndepth = 1\n' > "$TMP/ok.ini"
bad() { # DESCRIPTION PATTERN ARGS...
    desc=$1; pattern=$2; shift 2
    rm -rf "$TMP/bad"
    expect_fail "$desc" "$pattern" "$FFVAE" fit "$@" -o "$TMP/bad" --steps 2
    [ ! -e "$TMP/bad" ] && ok || fail "$desc: left $TMP/bad behind"
}
bad "missing image" "ffvae: .*missing.png: cannot read image" "$TMP/missing.png" -m "$TG"
bad "empty image" "ffvae: .*empty.png: cannot read image" "$TMP/empty.png" -m "$TG"
bad "broken image" "ffvae: .*broken.png: cannot" "$FIXTURES/broken.png" -m "$TG"
bad "size zero" "ffvae: fit: --size: expected a whole number from 1 to 4096" "$IMG" --size 0 -m "$TG"
bad "noise zero" "ffvae: fit: --noise: expected a whole number from 1 to 4096" --noise 0 -m "$TG"
bad "unknown sweep key" "ffvae: --sweep: 'nokey' is not a model key" "$IMG" -m "$TG" --sweep nokey=1,2
bad "sweep key the model lacks" "cannot sweep \[encoding\] sigma: only the gaussian" "$IMG" -m "$TG" -m "$TN" --sweep sigma=1,2
bad "sweep value out of range" "ffvae: --sweep.*sigma" "$IMG" -m "$TG" --sweep sigma=1,-2
bad "sweep value not a number" "ffvae: --sweep.*features" "$IMG" -m "$TG" --sweep features=8,x
bad "model with a latent" "needs a model without a latent" "$IMG" -m "$FIXTURES/tiny-fmnist.ini"
bad "dense decoder" "needs a coordinate decoder" "$IMG" -m "$SRCDIR/models/fmnist-dense.ini"
bad "holdout on 1x1" "no test pixels" --noise 1 --holdout -m "$TG"
bad "no model" "-m MODEL and -o OUT_DIR are required" "$IMG"
bad "image and noise" "give one IMAGE or --noise" "$IMG" --noise 8 -m "$TG"
bad "same model twice" "two runs would be named" "$IMG" -m "$TG" -m "$TG"
expect_ok "a plain model file fits" "$FFVAE" fit "$IMG" -m "$TMP/ok.ini" -o "$TMP/ok" --steps 2
finish
