#!/bin/sh
# cli_train.sh - `ffvae train` on a real Fashion-MNIST slice: the loss falls,
# the run directory's files, exact resume, signals, divergence, bad input.
. "$SRCDIR/tests/lib.sh"
TINY="$FIXTURES/tiny-fmnist.ini"
DATA="$TMP/fmnist-2000.h5"

expect_ok "import a 2000-image slice" "$FFVAE" import fashion-mnist "$FMNIST_DIR" -o "$DATA" --limit 2000

# --- the loss falls clearly on real data (2 epochs of a reference model) ---
expect_ok "train fmnist-fourier" "$FFVAE" train -m "$SRCDIR/models/fmnist-fourier.ini" -d "$DATA" \
    -o "$TMP/fourier" --epochs 2 --seed 1 --threads 2
expect_eq "log.csv header" "step,epoch,loss,reconstruction,kl,seconds,focal_frequency" \
    "$(head -1 "$TMP/fourier/log.csv")"
awk -F, 'NR > 1 && $7 != 0 { bad = 1 } END { exit bad }' "$TMP/fourier/log.csv" && ok ||
    fail "focal_frequency column is not 0 without the loss"
first=$(sed -n 2p "$TMP/fourier/log.csv" | cut -d, -f3)
last=$(tail -1 "$TMP/fourier/log.csv" | cut -d, -f3)
echo "fmnist-fourier: first logged loss $first (mean of steps 1-50), last $last"
# An untrained decoder (logits near 0) scores 784·log 2 ≈ 543 nats per image.
# Two epochs must end well below that and well below the first interval's mean.
if awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.75 * 543 && b < a - 30) }'; then ok; else
    fail "loss did not fall clearly: $first -> $last"; fi
for f in config.ini log.csv checkpoint.h5; do
    [ -f "$TMP/fourier/$f" ] && ok || fail "run directory lacks $f"
done
expect_ok "info on a checkpoint" "$FFVAE" info "$TMP/fourier/checkpoint.h5"
grep -q "parameters" "$TMP/out" && ok || fail "info does not show the parameter count"
grep -q "step        62 of 62" "$TMP/out" && ok || fail "info does not show the step: $(cat "$TMP/out")"
# The resolved config reparses as the same model.
expect_ok "config.ini trains as a model" "$FFVAE" train -m "$TMP/fourier/config.ini" -d "$DATA" \
    -o "$TMP/fourier2" --steps 2 --seed 1 --threads 2

# --- the focal frequency loss has its own column; loss stays recon + kl ---
expect_ok "train with the focal frequency loss" "$FFVAE" train -m "$TINY" -d "$DATA" \
    -o "$TMP/ffl" --steps 20 --seed 1 --threads 2 --set focal_frequency=2
awk -F, 'NR > 1 { n++; if (!($7 > 0)) bad = "focal_frequency " $7 " at step " $1
                  d = $3 - $4 - $5; if (d > 1e-3 || d < -1e-3) bad = "loss != recon + kl at step " $1 }
         END { if (n != 4) bad = n " rows"; if (bad) { print bad; exit 1 } }' "$TMP/ffl/log.csv" && ok ||
    fail "FFL log: $(cat "$TMP/ffl/log.csv")"
# without it the column is 0
expect_ok "train without it" "$FFVAE" train -m "$TINY" -d "$DATA" -o "$TMP/noffl" --steps 20 \
    --seed 1 --threads 2
[ "$(cut -d, -f7 "$TMP/noffl/log.csv" | sort -u | tr '\n' ' ')" = "0.000000 focal_frequency " ] && ok ||
    fail "focal_frequency column without the loss: $(cut -d, -f7 "$TMP/noffl/log.csv")"

# --- a tiny conv VAE (conv encoder and decoder) trains on the same slice ---
# (lr 3e-3: at 1e-3 its 62 steps end just under the bar, at 3e-3 well below it)
cat >"$TMP/conv.ini" <<'EOF'
[data]
height = 28
width = 28
channels = 1
[latent]
size = 16
[encoder]
kind = conv
channels = 8
depth = 2
[decoder]
kind = conv
channels = 32
[training]
lr = 3e-3
[network]
depth = 2
EOF
expect_ok "train a conv VAE" "$FFVAE" train -m "$TMP/conv.ini" -d "$DATA" -o "$TMP/conv" --epochs 2 \
    --seed 1 --threads 2
first=$(sed -n 2p "$TMP/conv/log.csv" | cut -d, -f3)
last=$(tail -1 "$TMP/conv/log.csv" | cut -d, -f3)
echo "conv: first logged loss $first (mean of steps 1-50), last $last"
if awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.75 * 543 && b < a - 30) }'; then ok; else
    fail "conv loss did not fall clearly: $first -> $last"; fi
expect_ok "info on a conv checkpoint" "$FFVAE" info "$TMP/conv/checkpoint.h5"
grep -q "decoder     conv: z -> 7x7x32 start map, 2 transposed" "$TMP/out" && ok || \
    fail "info does not describe the conv decoder: $(cat "$TMP/out")"
grep -q "encoder     conv: 2 convolutions" "$TMP/out" && ok || \
    fail "info does not describe the conv encoder: $(cat "$TMP/out")"
expect_ok "eval a conv checkpoint" "$FFVAE" eval "$TMP/conv/checkpoint.h5" -d "$DATA" --json
grep -q '"psnr"' "$TMP/out" && ok || fail "eval of a conv checkpoint lacks PSNR: $(cat "$TMP/out")"
expect_ok "a conv run resumes" "$FFVAE" train -d "$DATA" -o "$TMP/conv" --resume --steps 70 --threads 2
expect_eq "the resumed conv run reached its budget" 70 "$(tail -1 "$TMP/conv/log.csv" | cut -d, -f1)"
expect_fail "a conv decoder renders only at its size" "conv decoder renders only at its own size 28x28" \
    "$FFVAE" sample "$TMP/conv/checkpoint.h5" -n 4 --size 56 -o "$TMP/conv-56.png"
sed '$s/^depth = 2$/depth = 3/' "$TMP/conv.ini" >"$TMP/conv-bad.ini"  # [network] depth, the last line
expect_fail "a size the strides cannot reach" "conv-bad.ini:[0-9]+: depth 3: .*works: depth 1 \(start 14x14\), depth 2 \(start 7x7\)" \
    "$FFVAE" train -m "$TMP/conv-bad.ini" -d "$DATA" -o "$TMP/conv-bad" --steps 1
# bench's ceiling for a conv decoder is its largest transposed convolution's
# im2col product: 7x7x32 -> 14x14x16 here, [B*7*7, 32] x [32, 4*4*16]
expect_ok "bench a conv model" "$FFVAE" bench -m "$TMP/conv.ini" --steps 1 --batch 4 --threads 1 --json
expect_eq "conv ceiling shape" '"gemm_shape": [196, 32, 256]' "$(grep -o '"gemm_shape": \[[0-9, ]*\]' "$TMP/out")"

# --- same seed, same numbers; interrupted + resumed = uninterrupted ---
run() { "$FFVAE" train -m "$TINY" -d "$DATA" --threads 1 --seed 7 "$@"; }
expect_ok "straight run" run -o "$TMP/straight" --steps 40
expect_ok "same seed again" run -o "$TMP/again" --steps 40
strip() { cut -d, -f1-5 "$1"; }  # every column but wall-clock seconds
expect_eq "same seed gives the same log" "$(strip "$TMP/straight/log.csv")" "$(strip "$TMP/again/log.csv")"
expect_ok "first part" run -o "$TMP/resumed" --steps 23
expect_eq "a budget's last partial interval is logged" 23 "$(tail -1 "$TMP/resumed/log.csv" | cut -d, -f1)"
expect_ok "second part" "$FFVAE" train -d "$DATA" -o "$TMP/resumed" --resume --steps 40 --threads 1
expect_eq "resumed log equals straight log" "$(strip "$TMP/straight/log.csv")" "$(strip "$TMP/resumed/log.csv")"
expect_ok "different seed" run -o "$TMP/seed8" --steps 40 --seed 8
[ "$(strip "$TMP/straight/log.csv")" != "$(strip "$TMP/seed8/log.csv")" ] && ok || fail "seed changes nothing"

# --- SIGINT / SIGTERM save a checkpoint and exit 130; the run then resumes ---
# Waits for the first checkpoint (so the handlers are installed: a background
# job starts with SIGINT ignored), then signals. The budget bounds the run.
interrupt() { # SIGNAL DIR
    # The program itself in the background (a shell function would put a
    # subshell between $! and ffvae).
    "$FFVAE" train -m "$TINY" -d "$DATA" --threads 1 --seed 7 -o "$2" --steps 3000 \
        >"$TMP/sig.out" 2>"$TMP/sig.err" &
    pid=$!
    for _ in $(seq 1 600); do [ -f "$2/checkpoint.h5" ] && break; sleep 0.1; done
    kill -"$1" $pid
    wait $pid
}
interrupt INT "$TMP/sigint"; status=$?
expect_eq "SIGINT exit status" 130 "$status"
grep -q "interrupted at step" "$TMP/sig.err" && ok || fail "no interruption message: $(cat "$TMP/sig.err")"
expect_ok "interrupted checkpoint reads" "$FFVAE" info "$TMP/sigint/checkpoint.h5"
expect_ok "resume after SIGINT" "$FFVAE" train -d "$DATA" -o "$TMP/sigint" --resume --steps 3010 --threads 1
interrupt TERM "$TMP/sigterm"; status=$?
expect_eq "SIGTERM exit status" 130 "$status"

# --- divergence: named step, non-zero exit, last good checkpoint intact ---
sed 's/^lr = .*/lr = 1e12/; s/^checkpoint_every = .*/checkpoint_every = 1/' "$TINY" >"$TMP/diverge.ini"
expect_fail "NaN stops the run" "(NaN|infinite) at step [0-9]+" run -m "$TMP/diverge.ini" -o "$TMP/diverge" --steps 500
expect_ok "checkpoint after divergence is intact" "$FFVAE" info "$TMP/diverge/checkpoint.h5"

# --- bad input ---
expect_fail "missing dataset" "no-such.h5" "$FFVAE" train -m "$TINY" -d "$TMP/no-such.h5" -o "$TMP/x"
expect_fail "model does not fit the data" "expects 32x32x1 images.*28x28x1" sh -c \
    "sed 's/^height = 28/height = 32/; s/^width = 28/width = 32/' '$TINY' >'$TMP/big.ini' && \
     '$FFVAE' train -m '$TMP/big.ini' -d '$DATA' -o '$TMP/big'"
expect_fail "bad config key" "tiny-bad.ini:[0-9]+: unknown key" sh -c \
    "sed 's/^width = 32/widht = 32/' '$TINY' >'$TMP/tiny-bad.ini' && \
     '$FFVAE' train -m '$TMP/tiny-bad.ini' -d '$DATA' -o '$TMP/bad'"
expect_fail "existing run needs --resume" "already holds a run" run -o "$TMP/straight" --steps 50
expect_fail "resume without a checkpoint" "no checkpoint" "$FFVAE" train -d "$DATA" -o "$TMP/none" --resume
expect_fail "resume with a different model" "differs from the model" \
    "$FFVAE" train -m "$SRCDIR/models/fmnist-coords.ini" -d "$DATA" -o "$TMP/straight" --resume
expect_fail "bad --steps" "steps" "$FFVAE" train -m "$TINY" -d "$DATA" -o "$TMP/x" --steps 0

# A damaged checkpoint is refused by name and is not overwritten by a resume.
cp "$TMP/straight/checkpoint.h5" "$TMP/good.h5"
mkdir -p "$TMP/damaged"
head -c 3000 "$TMP/good.h5" >"$TMP/damaged/checkpoint.h5"
expect_fail "truncated checkpoint" "damaged/checkpoint.h5" "$FFVAE" info "$TMP/damaged/checkpoint.h5"
expect_fail "resume from a truncated checkpoint" "damaged/checkpoint.h5" \
    "$FFVAE" train -d "$DATA" -o "$TMP/damaged" --resume --steps 50
expect_eq "damaged checkpoint untouched" 3000 "$(wc -c <"$TMP/damaged/checkpoint.h5" | tr -d ' ')"
mkdir -p "$TMP/dsrun" && cp "$DATA" "$TMP/dsrun/checkpoint.h5"
expect_fail "a dataset is not a checkpoint" "dsrun/checkpoint.h5: not an ffvae checkpoint" \
    "$FFVAE" train -d "$DATA" -o "$TMP/dsrun" --resume --steps 5
# --- bench runs and reports every number (speed itself is never asserted) ---
expect_ok "bench" "$FFVAE" bench -m "$TINY" --steps 2 --threads 1 --set width=16 --sample --json
/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
keys = ("images_per_s", "ms_per_step", "train_gflops", "sgemm_gflops", "efficiency", "peak_rss_mib",
        "sample_images_per_s", "render_1024_s")
sys.exit(0 if all(r[k] > 0 for k in keys) else 1)' "$TMP/out" && ok || fail "bench JSON: $(cat "$TMP/out")"
expect_fail "bench with a bad --set" "widht" "$FFVAE" bench -m "$TINY" --set widht=3
finish
