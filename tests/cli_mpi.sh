#!/bin/sh
# cli_mpi.sh - data-parallel training under mpirun (a --with-mpi build only;
# skipped otherwise): exact mode bit-identical at N = 1, 2, 4; fast mode
# repeatable and close; resume at another N; checkpoints shared with the plain
# program; a killed rank, a stalled rank, a different config, SIGTERM;
# compare, fit and bench data-parallel (the same checkpoints, metrics and
# fitted parameters at N = 1 and 2, resume at another N, rank 0 evaluating
# alone without the watchdog firing or the other ranks spinning).
. "$SRCDIR/tests/lib.sh"
if [ "${FFVAE_HAVE_MPI:-no}" != yes ] || [ -z "${MPIRUN:-}" ]; then
    echo "not a --with-mpi build (or no mpirun): skipped"; exit 77
fi
PY=/usr/bin/python3
"$PY" -c 'import h5py, numpy' 2>/dev/null ||
    { fail "$PY cannot import h5py and numpy (apt-get install python3-h5py python3-numpy)"; finish; exit 1; }
CMP="$PY $SRCDIR/tests/compare_params.py"

# What works as root in a small VM (see README, "Training on several processes").
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { # N ARGS...: ffvae ARGS on N ranks, one thread each
    n=$1; shift
    "$MPIRUN" -np "$n" --oversubscribe --bind-to none --timeout 120 "$FFVAE" "$@" </dev/null
}
TINY="$FIXTURES/tiny-fmnist.ini"
DATA="$TMP/fmnist-1000.h5"
expect_ok "import a 1000-image slice" "$FFVAE" import fashion-mnist "$FMNIST_DIR" -o "$DATA" --limit 1000
train() { # N DIR ARGS...
    n=$1; dir=$2; shift 2
    mpi "$n" train -m "$TINY" -d "$DATA" -o "$dir" --threads 1 --seed 5 "$@"
}
strip() { cut -d, -f1-5 "$1"; } # log.csv without wall-clock seconds

# --- exact mode: the same parameters, bit for bit, at N = 1, 2, 4 ---
for n in 1 2 4; do
    expect_ok "exact, $n ranks" train $n "$TMP/exact$n" --steps 20
done
grep -q "data-parallel over 4 ranks: 8 images each" "$TMP/out" && ok ||
    fail "no data-parallel line: $(cat "$TMP/out")"
grep -q "reduction .* ms" "$TMP/out" && ok || fail "no per-step reduction time: $(cat "$TMP/out")"
for n in 2 4; do
    expect_ok "exact: N=$n params byte-identical to N=1" $CMP "$TMP/exact1/checkpoint.h5" "$TMP/exact$n/checkpoint.h5"
    expect_eq "exact: N=$n log equals N=1" "$(strip "$TMP/exact1/log.csv")" "$(strip "$TMP/exact$n/log.csv")"
done
expect_fail "3 ranks do not split a batch of 32" "batch of 32 images does not split over 3 ranks" \
    train 3 "$TMP/three" --steps 2

# --- fast mode: repeatable at one N, within float rounding of another ---
FAST="$TMP/tiny-fast.ini"
sed 's/^\[training\]/[training]\nreduce = fast/' "$TINY" >"$FAST"
fast() { n=$1; dir=$2; mpi "$n" train -m "$FAST" -d "$DATA" -o "$dir" --threads 1 --seed 5 --steps 20; }
expect_ok "fast, 2 ranks" fast 2 "$TMP/fast2"
expect_ok "fast, 2 ranks again" fast 2 "$TMP/fast2b"
expect_ok "fast, 1 rank" fast 1 "$TMP/fast1"
expect_ok "fast: repeat at N=2 byte-identical" $CMP "$TMP/fast2/checkpoint.h5" "$TMP/fast2b/checkpoint.h5"
# Float sums in another order: the logged losses agree closely. Single
# parameters can move by up to about lr (0.003) per step apart: Adam divides
# each gradient by its running RMS, so a near-zero gradient entry whose
# rounding differs moves its weight by a fraction of lr either way.
expect_ok "fast: N=2 parameters within 5% of N=1's scale" $CMP "$TMP/fast1/checkpoint.h5" \
    "$TMP/fast2/checkpoint.h5" 0.05
echo "fast N=1 against N=2: $(cat "$TMP/out")"
l1=$(tail -1 "$TMP/fast1/log.csv" | cut -d, -f3); l2=$(tail -1 "$TMP/fast2/log.csv" | cut -d, -f3)
awk -v a="$l1" -v b="$l2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-4 * a) }' && ok ||
    fail "fast: loss at step 20 at N=2 ($l2) is not within 1e-4 of N=1's ($l1)"

# --- resume at another N: saved at N=2, continued at N=1 and at N=4 ---
expect_ok "first half at 2 ranks" train 2 "$TMP/half" --steps 10
cp -r "$TMP/half" "$TMP/half4"
expect_ok "second half at 1 rank" mpi 1 train -d "$DATA" -o "$TMP/half" --resume --steps 20 --threads 1
expect_ok "second half at 4 ranks" mpi 4 train -d "$DATA" -o "$TMP/half4" --resume --steps 20 --threads 1
expect_ok "resumed at N=1 = uninterrupted" $CMP "$TMP/exact2/checkpoint.h5" "$TMP/half/checkpoint.h5"
expect_ok "resumed at N=4 = uninterrupted" $CMP "$TMP/exact2/checkpoint.h5" "$TMP/half4/checkpoint.h5"
expect_eq "resumed log = uninterrupted" "$(strip "$TMP/exact2/log.csv")" "$(strip "$TMP/half/log.csv")"

# --- the plain program and MPI jobs share checkpoints ---
expect_ok "plain info on an MPI checkpoint" "$FFVAE" info "$TMP/exact2/checkpoint.h5"
grep -q "step        20 of 20" "$TMP/out" && ok || fail "info: $(cat "$TMP/out")"
expect_ok "plain program resumes an MPI run" "$FFVAE" train -d "$DATA" -o "$TMP/half4" --resume \
    --steps 25 --threads 1
expect_ok "plain run" "$FFVAE" train -m "$TINY" -d "$DATA" -o "$TMP/plain" --steps 10 --threads 1
expect_ok "MPI job resumes a plain run" mpi 2 train -d "$DATA" -o "$TMP/plain" --resume --steps 20 --threads 1
expect_ok "plain sample from it" "$FFVAE" sample "$TMP/plain/checkpoint.h5" -n 4 -o "$TMP/s.png"
expect_fail "other commands stay on one process" "sample runs on one process" \
    mpi 2 sample "$TMP/plain/checkpoint.h5" -n 4 -o "$TMP/s2.png"

# --- compare: each run data-parallel, the same checkpoints and numbers at N = 1 and 2 ---
sed 's/^name = .*/name = fourier/' "$TINY" >"$TMP/fourier.ini"
sed 's/^name = .*/name = coords/; s/^kind = gaussian/kind = none/' "$TINY" >"$TMP/coords.ini"
expect_ok "a tiny classifier" "$FFVAE" classifier -d "$DATA" -o "$TMP/cls.h5" --epochs 1 \
    --features 16 --hidden 32 --threads 1
compare() { # N OUT ARGS...
    n=$1; out=$2; shift 2
    mpi "$n" compare "$TMP/fourier.ini" "$TMP/coords.ini" -d "$DATA" --steps 12 --eval-images 64 \
        --threads 1 -c "$TMP/cls.h5" -o "$out" "$@"
}
# metrics.csv without the wall-clock columns (train_seconds, images_per_s)
metrics() { cut -d, -f1-8,11- "$1/metrics.csv"; }
expect_ok "compare, 1 rank" compare 1 "$TMP/cmp1"
expect_ok "compare, 2 ranks" compare 2 "$TMP/cmp2"
grep -q "data-parallel over 2 ranks: 16 images each" "$TMP/out" && ok ||
    fail "compare: no data-parallel line: $(cat "$TMP/out")"
tail -1 "$TMP/out" | grep -q "Sharpest decoder" && ok || fail "compare at N=2: no verdict: $(tail -3 "$TMP/out")"
for m in fourier coords; do
    expect_ok "compare: $m at N=2 byte-identical to N=1" $CMP "$TMP/cmp1/runs/$m/seed1/checkpoint.h5" \
        "$TMP/cmp2/runs/$m/seed1/checkpoint.h5"
done
expect_eq "compare: metrics.csv at N=2 = N=1" "$(metrics "$TMP/cmp1")" "$(metrics "$TMP/cmp2")"
expect_eq "compare: metrics.csv rows" 3 "$(wc -l <"$TMP/cmp2/metrics.csv" | tr -d ' ')"
expect_fail "compare: 3 ranks refused before any output" "batch of 32 images does not split over 3 ranks" \
    compare 3 "$TMP/cmp3"
[ -e "$TMP/cmp3" ] && fail "a refused compare created its output" || ok
# Resume at another N: the first run half trained by a 2-rank train (the same
# call compare makes), then the compare finishes everything on 1 rank.
expect_ok "compare's first run, half, at 2 ranks" mpi 2 train -m "$TMP/fourier.ini" -d "$DATA" \
    -o "$TMP/cmpr/runs/fourier/seed1" --steps 6 --seed 1 --threads 1
expect_ok "compare resumed at 1 rank" compare 1 "$TMP/cmpr"
grep -q "fourier seed 1: resuming" "$TMP/out" && ok || fail "compare did not resume: $(cat "$TMP/out")"
expect_ok "compare: resumed across N = uninterrupted" $CMP "$TMP/cmp1/runs/fourier/seed1/checkpoint.h5" \
    "$TMP/cmpr/runs/fourier/seed1/checkpoint.h5"
expect_eq "compare: resumed metrics = uninterrupted" "$(metrics "$TMP/cmp1")" "$(metrics "$TMP/cmpr")"
# Rank 0 evaluates alone (4 runs on every test image: some 3 s here, longer
# than the 1 s watchdog, which fired before train_run disarmed it) while
# rank 1 waits asleep: no watchdog, and rank 1 uses a fraction of rank 0's
# CPU time (waiting in a blocking MPI_Bcast it used as much as rank 0).
# /usr/bin/time per rank, its file named by the rank.
if [ -x /usr/bin/time ]; then
    expect_ok "compare: a long evaluation under --mpi-timeout 1" \
        "$MPIRUN" -np 2 --oversubscribe --bind-to none --timeout 120 sh -c \
        'exec /usr/bin/time -o "$0.$OMPI_COMM_WORLD_RANK" -f "%U %S %e" "$@"' "$TMP/cpu" \
        "$FFVAE" compare "$TMP/fourier.ini" "$TMP/coords.ini" --seeds 2 -d "$DATA" --steps 4 \
        --threads 1 -c "$TMP/cls.h5" -o "$TMP/cmpw" --mpi-timeout 1
    echo "compare, CPU seconds (user sys wall): rank 0 $(cat "$TMP/cpu.0"), rank 1 $(cat "$TMP/cpu.1")"
    awk -v a="$(cat "$TMP/cpu.0")" -v b="$(cat "$TMP/cpu.1")" 'BEGIN {
        split(a, x, " "); split(b, y, " "); exit !(y[1] + y[2] < 0.5 * (x[1] + x[2])) }' && ok ||
        fail "rank 1 used $(cat "$TMP/cpu.1") CPU seconds against rank 0's $(cat "$TMP/cpu.0"): it spins while rank 0 evaluates"
else
    echo "no /usr/bin/time: the CPU check of the waiting rank is skipped"
fi

# --- fit: data-parallel over the pixels, bit-identical at N = 1, 2, 3 in exact mode ---
FIT="$FIXTURES/fit-tiny-gaussian.ini"
fit() { n=$1; out=$2; shift 2; mpi "$n" fit --noise 32 -m "$FIT" -o "$out" --steps 30 --threads 1 "$@"; }
for n in 1 2 3; do
    expect_ok "fit, $n ranks" fit $n "$TMP/fit$n"
    grep "parameters hash" "$TMP/out" | awk '{ print $NF }' >"$TMP/fit$n.hash"
done
grep -q "data-parallel over 3 ranks: 1024 training pixels in 4 chunks of 256" "$TMP/out" && ok ||
    fail "fit: no data-parallel line: $(cat "$TMP/out")"
[ -s "$TMP/fit1.hash" ] && ok || fail "fit printed no parameters hash"
curve() { cut -d, -f1-3 "$1/fit-tiny-gaussian/curve.csv"; } # without seconds
for n in 2 3; do
    expect_eq "fit: parameters at N=$n = N=1 (hash)" "$(cat "$TMP/fit1.hash")" "$(cat "$TMP/fit$n.hash")"
    expect_eq "fit: curve at N=$n = N=1" "$(curve "$TMP/fit1")" "$(curve "$TMP/fit$n")"
    cmp -s "$TMP/fit1/fit-tiny-gaussian/fitted.png" "$TMP/fit$n/fit-tiny-gaussian/fitted.png" && ok ||
        fail "fit: fitted.png at N=$n differs from N=1"
done
expect_ok "fit, fast, 2 ranks" fit 2 "$TMP/fitf" --set reduce=fast
[ "$(grep "parameters hash" "$TMP/out" | awk '{ print $NF }')" != "$(cat "$TMP/fit1.hash")" ] && ok ||
    fail "fit: fast mode at N=2 gave exact mode's parameters: is the hash a witness?"
expect_fail "fit: more ranks than chunks" "256 training pixels make 1 chunk of 256, fewer than the 2 ranks" \
    mpi 2 fit --noise 16 -m "$FIT" -o "$TMP/fit16" --steps 2 --threads 1

# --- bench: data-parallel steps, compute and reduction time per step ---
expect_ok "bench, 2 ranks" mpi 2 bench -m "$TINY" --steps 3 --threads 1
grep -q "^data-parallel: 2 ranks, 16 images each per step in chunks of 4, reduce = exact$" "$TMP/out" && ok ||
    fail "bench: no data-parallel line: $(cat "$TMP/out")"
grep -Eq "^per step: compute [0-9.]+ ms \(slowest rank [0-9.]+ ms\), reduction [0-9.]+ ms$" "$TMP/out" && ok ||
    fail "bench: no compute and reduction times: $(cat "$TMP/out")"
expect_eq "bench: rank 0 alone prints" 1 "$(grep -c "^model: " "$TMP/out")"
expect_ok "bench, 2 ranks, JSON" mpi 2 bench -m "$TINY" --steps 3 --threads 1 --json
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1]))
sys.exit(not (d["ranks"] == 2 and d["compute_ms"] > 0 and d["reduction_ms"] >= 0 and d["images_per_s"] > 0))' \
    "$TMP/out" && ok || fail "bench JSON: $(cat "$TMP/out")"
expect_ok "bench, plain" "$FFVAE" bench -m "$TINY" --steps 3 --threads 1
grep -q "data-parallel" "$TMP/out" && fail "plain bench prints MPI lines: $(cat "$TMP/out")" || ok

# --- a rank given another config stops the job, naming it and the key ---
OTHER="$TMP/tiny-lr.ini"
sed 's/^lr = .*/lr = 0.002/' "$TINY" >"$OTHER"
expect_fail "a rank with another config" "rank 1: the model configuration differs from rank 0's: 'lr = 0.002' where rank 0 has 'lr = 0.003'" \
    "$MPIRUN" --oversubscribe --bind-to none --timeout 60 \
    -np 1 "$FFVAE" train -m "$TINY" -d "$DATA" -o "$TMP/mm" --steps 5 --threads 1 : \
    -np 1 "$FFVAE" train -m "$OTHER" -d "$DATA" -o "$TMP/mm" --steps 5 --threads 1

# --- faults: a killed rank, a stalled rank, SIGTERM on rank 0 ---
rank_pid() { # MPIRUN_PID RANK: the pid of that rank (a child of mpirun)
    for p in $(ps -o pid= --ppid "$1"); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && { echo "$p"; return; }
    done
}
long_job() { # DIR ARGS...: a long run in the background; sets job and pids
    dir=$1; shift
    "$MPIRUN" -np 2 --oversubscribe --bind-to none --timeout 120 "$FFVAE" train -m "$TINY" -d "$DATA" \
        -o "$dir" --steps 100000 --threads 1 --seed 5 "$@" </dev/null >"$TMP/job.out" 2>"$TMP/job.err" &
    job=$!
    for _ in $(seq 1 300); do [ -f "$dir/checkpoint.h5" ] && break; sleep 0.1; done
    r0=$(rank_pid $job 0); r1=$(rank_pid $job 1)
}
ended_within() { # SECONDS: waits for the job and its ranks; sets status; fails past SECONDS
    ticks=0
    while [ $ticks -lt $(($1 * 10)) ] && kill -0 $job 2>/dev/null; do sleep 0.1; ticks=$((ticks + 1)); done
    if kill -0 $job 2>/dev/null; then fail "the job still runs after $1 s"; kill -9 $job; fi
    wait $job; status=$?
    # A killed rank's peers may take a moment more to be torn down: within the same time.
    for p in $r0 $r1; do
        while [ $ticks -lt $(($1 * 10)) ] && kill -0 "$p" 2>/dev/null; do sleep 0.1; ticks=$((ticks + 1)); done
        if kill -0 "$p" 2>/dev/null; then fail "rank process $p outlived the job by $1 s"; kill -9 "$p"; fi
    done
    echo "job ended with status $status after $((ticks / 10)).$((ticks % 10)) s"
}
long_job "$TMP/kill9"
[ -n "$r1" ] && ok || fail "cannot find rank 1 of the job"
kill -9 "$r1"
ended_within 10
[ "$status" -ne 0 ] && ok || fail "a job with a killed rank exited 0"
expect_ok "the last checkpoint loads" "$FFVAE" info "$TMP/kill9/checkpoint.h5"

long_job "$TMP/stall" --mpi-timeout 2
kill -STOP "$r1"
ended_within 10
[ "$status" -ne 0 ] && ok || fail "a job with a stalled rank exited 0"
grep -q "rank 0: no progress for 2 s" "$TMP/job.err" && ok || fail "no watchdog message: $(cat "$TMP/job.err")"

long_job "$TMP/term"
kill -TERM "$r0"
ended_within 10
expect_eq "SIGTERM on rank 0: exit status" 130 "$status"
grep -q "interrupted at step" "$TMP/job.err" && ok || fail "no interruption message: $(cat "$TMP/job.err")"
expect_ok "the interrupted run resumes" mpi 2 train -d "$DATA" -o "$TMP/term" --resume --threads 1 \
    --steps "$("$PY" -c 'import h5py,sys; print(h5py.File(sys.argv[1])["/"].attrs["step"] + 5)' "$TMP/term/checkpoint.h5")"

finish
