#!/bin/sh
# cli_compare.sh - a tiny `ffvae compare` end to end on a real Fashion-MNIST
# slice: every file, resume skipping finished runs, and refusals.
. "$SRCDIR/tests/lib.sh"
DATA="$TMP/fmnist.h5"
expect_ok "import a slice" "$FFVAE" import fashion-mnist "$FMNIST_DIR" -o "$DATA" --limit 600
sed 's/^name = .*/name = fourier/' "$FIXTURES/tiny-fmnist.ini" >"$TMP/fourier.ini"
sed 's/^name = .*/name = coords/; s/^kind = gaussian/kind = none/' "$FIXTURES/tiny-fmnist.ini" >"$TMP/coords.ini"
# A tiny feature classifier keeps the test fast (16 features: FID needs more
# than 16 of the 64 evaluated images).
expect_ok "a tiny classifier" "$FFVAE" classifier -d "$DATA" -o "$TMP/cls.h5" --epochs 1 \
    --features 16 --hidden 32 --threads 2
cmp() { "$FFVAE" compare "$TMP/fourier.ini" "$TMP/coords.ini" -d "$DATA" --steps 12 --seeds 2 \
    --eval-images 64 --threads 2 -c "$TMP/cls.h5" "$@"; }

expect_ok "tiny compare" cmp -o "$TMP/r"
grep -q "^report: $TMP/r/report.md" "$TMP/out" && ok || fail "no report path printed"
tail -1 "$TMP/out" | grep -q "Sharpest decoder" && ok || fail "output does not end with the verdict"
for f in report.md metrics.csv manifest.txt recon.png samples-fourier.png samples-coords.png \
         interp-fourier.png interp-coords.png spectra.png spectra.csv spectra.gp curves.png \
         curves.dat curves.gp runs/fourier/seed1/checkpoint.h5 runs/coords/seed2/log.csv; do
    [ -s "$TMP/r/$f" ] && ok || fail "compare did not write $f"
done
expect_eq "metrics.csv rows" 5 "$(wc -l <"$TMP/r/metrics.csv" | tr -d ' ')"
expect_eq "metrics.csv header" "model,seed,steps,nelbo,psnr,ssim,hf_ratio_recon,hf_ratio_samples,train_seconds,images_per_s,hf_error_ratio,laplacian_ratio,fid,kid,precision,recall,hf_ratio_recon_sampled,psnr_sampled" \
    "$(head -1 "$TMP/r/metrics.csv")"
grep -q "^| fourier |" "$TMP/r/report.md" && grep -q "^| coords |" "$TMP/r/report.md" && ok \
    || fail "report table lacks a model row"
grep -q '\*\*' "$TMP/r/report.md" && ok || fail "report marks no best value"
grep -q "| HF error ratio |.*| FID (samples) | KID (samples) | precision | recall |" "$TMP/r/report.md" \
    && ok || fail "report table lacks the new columns"
grep -q "Best samples by FID" "$TMP/r/report.md" && ok || fail "the verdict does not judge the samples by FID"
/usr/bin/python3 - "$TMP/r/metrics.csv" <<'PY' && ok || fail "metrics.csv has no finite FID/KID/precision/recall"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sys.exit(0 if all(math.isfinite(float(r[k])) for r in rows
                  for k in ("fid", "kid", "precision", "recall", "hf_error_ratio")) else 1)
PY
head -1 "$TMP/r/spectra.csv" | grep -q ",fourier error,coords error$" && ok \
    || fail "spectra.csv lacks the error spectra: $(head -1 "$TMP/r/spectra.csv")"
/usr/bin/python3 - "$TMP/r/recon.png" <<'PY' && ok || fail "recon.png is not 3 rows of 8 images at scale 2"
import struct, sys
w, h = struct.unpack(">II", open(sys.argv[1], "rb").read()[16:24])
sys.exit(0 if (w, h) == (8 * 57 + 1, 3 * 57 + 1) else 1)
PY
ls "$TMP/r" | grep -q "tmp" && fail "temporary files left in the report directory" || ok

# Run again: every run is finished, so all are skipped and the report rewritten.
expect_ok "rerun" cmp -o "$TMP/r"
expect_eq "rerun skips finished runs" 4 "$(grep -c 'skipped' "$TMP/out")"
# An interrupted run resumes: drop one run's checkpoint back to a shorter one.
rm -rf "$TMP/r/runs/coords/seed2"
expect_ok "rerun after losing a run" cmp -o "$TMP/r"
expect_eq "only the missing run trains" 1 "$(grep -c ': training' "$TMP/out")"

# --sweep: 2 models × 2 values × 1 seed, each run in runs/MODEL/KEY=V/seed1.
swp() { "$FFVAE" compare "$TMP/fourier.ini" "$TMP/coords.ini" -d "$DATA" --steps 12 \
    --eval-images 64 --threads 2 -c "$TMP/cls.h5" "$@"; }
expect_ok "compare --sweep" swp --sweep beta=0.5,2 -o "$TMP/sw"
for f in report.md metrics.csv rate.png rate.dat rate.gp spectra.png curves.png recon.png \
         samples-coords-beta=2.png interp-fourier-beta=0.5.png \
         runs/fourier/beta=0.5/seed1/checkpoint.h5 runs/coords/beta=2/seed1/checkpoint.h5; do
    [ -s "$TMP/sw/$f" ] && ok || fail "compare --sweep did not write $f"
done
expect_eq "one table per value" 2 "$(grep -c '^| model |' "$TMP/sw/report.md")"
grep -q '^### beta = 0.5$' "$TMP/sw/report.md" && grep -q '^### beta = 2$' "$TMP/sw/report.md" \
    && ok || fail "the tables are not headed by their values"
expect_eq "a verdict per value" 2 "$(grep -c '^Sharpest decoder' "$TMP/sw/report.md")"
grep -q "^sweep \[latent\] beta = 0.5,2$" "$TMP/sw/manifest.txt" && ok \
    || fail "the manifest does not record the sweep"
/usr/bin/python3 - "$TMP/sw/metrics.csv" <<'PY' && ok || fail "metrics.csv lacks the sweep's rows"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
head = open(sys.argv[1]).readline().strip().split(",")
want = [("fourier", "0.5"), ("coords", "0.5"), ("fourier", "2"), ("coords", "2")]
sys.exit(0 if head[:5] == ["model", "sweep", "value", "seed", "steps"] and head[-1] == "kl"
         and [(r["model"], r["value"]) for r in rows] == want
         and all(r["sweep"] == "latent.beta" and r["seed"] == "1" and r["steps"] == "12"
                 and math.isfinite(float(r["kl"])) and float(r["kl"]) > 0 for r in rows) else 1)
PY
/usr/bin/python3 - "$TMP/sw/rate.png" <<'PY' && ok || fail "rate.png is not a 2x2-panel PNG"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
ok = b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR"
ok = ok and zlib.crc32(b[12:29]) == struct.unpack(">I", b[29:33])[0]
sys.exit(0 if ok and struct.unpack(">II", b[16:24]) == (1200, 960) else 1)
PY
# A rerun (the key spelled section.key this time) skips every run and changes no checkpoint.
sums() { (cd "$TMP/sw" && find runs -name checkpoint.h5 | sort | xargs md5sum); }
before=$(sums)
expect_ok "rerun of the sweep" swp --sweep latent.beta=0.5,2 -o "$TMP/sw"
expect_eq "the rerun skips every run" 4 "$(grep -c 'seed 1: finished (12 steps), skipped' "$TMP/out")"
expect_eq "the rerun trains nothing" 0 "$(grep -c ': training\|: resuming' "$TMP/out")"
expect_eq "the rerun changes no checkpoint" "$before" "$(sums)"
# An interrupted run (5 of its 12 steps) resumes at its own value.
rm -rf "$TMP/sw/runs/fourier/beta=2/seed1"
expect_ok "a 5-step run at beta=2" "$FFVAE" train -m "$TMP/fourier.ini" --set beta=2 -d "$DATA" \
    -o "$TMP/sw/runs/fourier/beta=2/seed1" --steps 5 --seed 1 --threads 2
expect_ok "rerun after an interrupted run" swp --sweep beta=0.5,2 -o "$TMP/sw"
grep -q "fourier beta=2 seed 1: resuming" "$TMP/out" && ok || fail "the interrupted run did not resume"
expect_eq "only that run trains" 1 "$(grep -c ': training\|: resuming' "$TMP/out")"
expect_eq "the resumed run reached its budget" "fourier,2,12" \
    "$(grep '^fourier,latent.beta,2,' "$TMP/sw/metrics.csv" | cut -d, -f1,3,5)"
# Refusals: another sweep, or none, on the same -o; a key or value a model refuses.
expect_fail "a different sweep on the same -o" \
    "holds a different comparison \(its manifest.txt says sweep \[latent\] beta = 0.5,2, this one sweep \[latent\] beta = 0.5,4\)" \
    swp --sweep beta=0.5,4 -o "$TMP/sw"
expect_fail "no sweep on a sweep's -o" "this one no sweep" swp -o "$TMP/sw"
expect_fail "a key a model lacks" \
    "coords.ini: cannot sweep \[encoding\] sigma \(--sweep sigma=1,3\): only the gaussian encoding has a sigma" \
    swp --sweep sigma=1,3 -o "$TMP/badsw"
[ -e "$TMP/badsw" ] && fail "a refused sweep created its output" || ok
expect_fail "a value a key refuses" "fourier.ini, --sweep beta=-1: \[latent\] beta" \
    swp --sweep beta=0.5,-1 -o "$TMP/badsw"
[ -e "$TMP/badsw" ] && fail "a refused sweep value created the output" || ok
expect_fail "two values with one run directory" "would share the run directory 'beta=0.5'" \
    swp --sweep beta=0.5,0.5 -o "$TMP/badsw"

# SIGTERM stops the current run with its checkpoint saved and exits 130; the
# same command then resumes that run. The program itself goes in the
# background (a shell function would put a subshell between $! and ffvae).
"$FFVAE" compare "$TMP/coords.ini" -d "$DATA" --steps 400 --eval-images 64 --threads 1 \
    -c "$TMP/cls.h5" -o "$TMP/sig" >"$TMP/sig.out" 2>"$TMP/sig.err" &
pid=$!
for _ in $(seq 1 600); do [ -f "$TMP/sig/runs/coords/seed1/checkpoint.h5" ] && break; sleep 0.1; done
kill -TERM $pid
wait $pid; status=$?
expect_eq "SIGTERM exit status" 130 "$status"
grep -q "run the same command again to resume" "$TMP/sig.err" && ok \
    || fail "no resume hint: $(cat "$TMP/sig.err")"
# compare has no --resume option, so train's own hint must not leak through.
grep -q -- "--resume" "$TMP/sig.err" && fail "compare advised --resume: $(cat "$TMP/sig.err")" \
    || ok
[ -e "$TMP/sig/report.md" ] && fail "an interrupted compare wrote a report" || ok
expect_ok "resume the interrupted compare" "$FFVAE" compare "$TMP/coords.ini" -d "$DATA" \
    --steps 400 --eval-images 64 --threads 1 -c "$TMP/cls.h5" -o "$TMP/sig"
grep -q "coords seed 1: resuming" "$TMP/out" && ok || fail "the interrupted run did not resume"
expect_eq "resumed run reached its budget" 400 "$(cut -d, -f3 "$TMP/sig/metrics.csv" | tail -1)"

# Refusals, before any training.
expect_fail "a different comparison in the output" "holds a different comparison" \
    "$FFVAE" compare "$TMP/fourier.ini" -d "$DATA" --steps 12 -o "$TMP/r"
expect_fail "duplicate model names" "duplicate model name 'fourier'" \
    "$FFVAE" compare "$TMP/fourier.ini" "$TMP/fourier.ini" -d "$DATA" --steps 2 -o "$TMP/dup"
[ -e "$TMP/dup" ] && fail "a refused compare created its output" || ok
sed 's/^height = 28/height = 32/' "$TMP/coords.ini" >"$TMP/big.ini"
expect_fail "a model that does not fit" "big.ini: model expects 32x28x1" \
    "$FFVAE" compare "$TMP/fourier.ini" "$TMP/big.ini" -d "$DATA" --steps 2 -o "$TMP/big"
[ -e "$TMP/big/runs" ] && fail "training started before the misfit was found" || ok
expect_fail "no models" "required" "$FFVAE" compare -d "$DATA" -o "$TMP/none"
/usr/bin/python3 - "$TMP/cls.h5" "$TMP/other-cls.h5" <<'PY' && ok || fail "could not relabel a classifier"
import shutil, sys, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    f.attrs["dataset"] = "mnist"
PY
expect_fail "a classifier of another dataset, before any training" \
    "other-cls.h5: a classifier of 'mnist' \(28x28x1 images\) cannot score .*fmnist.h5: 'fashion-mnist'" \
    "$FFVAE" compare "$TMP/fourier.ini" -d "$DATA" --steps 2 -c "$TMP/other-cls.h5" -o "$TMP/badcls"
[ -e "$TMP/badcls/runs" ] && fail "training started before the classifier was checked" || ok
finish
