#!/bin/sh
# kill_test.sh - SIGKILL at random moments, saves included (issue 20).
#
# A tiny model on the 5x4 mnist fixture saves a checkpoint every step, so a
# good share of the kills land inside a save. After each kill: the checkpoint
# on disk (if any) loads; the next run resumes from it (its first step is the
# checkpoint's); and no temporary file of the killed process survives that
# next run. A last, uninterrupted resume leaves no temporary file at all.
# KILL_TRIALS (20 in make check; 50 documented) and KILL_SEED change the run.
. "$SRCDIR/tests/lib.sh"

TRIALS=${KILL_TRIALS:-20}
SEED=${KILL_SEED:-$(date +%s)}
echo "kill_test: $TRIALS trials, KILL_SEED=$SEED"
sed 's/^checkpoint_every = .*/checkpoint_every = 1/; s/^log_every = .*/log_every = 1/' \
    "$SRCDIR/tests/fixtures/tiny-5x4.ini" >"$TMP/tiny.ini"
DATA="$TMP/data.h5"
"$FFVAE" import mnist "$SRCDIR/tests/fixtures/mnist" -o "$DATA" >/dev/null || fail "import"
RUN="$TMP/run"
CKPT="$RUN/checkpoint.h5"
BUDGET=100000000

# Sleeps in [0.01, 0.3] s, from the seed.
delays=$(awk -v n="$TRIALS" -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%.3f\n", 0.01 + 0.29 * rand() }')

# ckpt_step: the step stored in the checkpoint ("" when there is none).
ckpt_step() {
    [ -f "$CKPT" ] || return 0
    "$FFVAE" info "$CKPT" 2>"$TMP/info.err" | awk '$1 == "step" {print $2}'
}

prev_pid=
step=
i=0
in_save=0
for d in $delays; do
    i=$((i + 1))
    if [ -f "$CKPT" ]; then
        "$FFVAE" train -d "$DATA" -o "$RUN" --resume --steps $BUDGET --threads 1 \
            >"$TMP/train.out" 2>"$TMP/train.err" &
    else
        "$FFVAE" train -m "$TMP/tiny.ini" -d "$DATA" -o "$RUN" --steps $BUDGET --threads 1 \
            --seed 3 >"$TMP/train.out" 2>"$TMP/train.err" &
    fi
    pid=$!
    sleep "$d"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    # The run resumed from the checkpoint the previous kill left.
    if [ -n "$step" ]; then
        first=$(sed -n 's/.* steps \([0-9]*\) to .*/\1/p' "$TMP/train.out")
        [ -z "$first" ] || expect_eq "trial $i resumed at the checkpoint's step" "$step" "$first"
    fi
    # The killed run before this one left no temporary file behind this one
    # (if this one got as far as starting: it clears them just before).
    if [ -n "$prev_pid" ] && grep -q '^training ' "$TMP/train.out"; then
        expect_eq "trial $i: temp files of the previous (killed) run" "" \
            "$(ls "$RUN" 2>/dev/null | grep "\.tmp\.$prev_pid\$")"
    fi
    prev_pid=$pid
    if ls "$RUN" 2>/dev/null | grep -q "\.tmp\.$pid\$"; then in_save=$((in_save + 1)); fi
    if [ -f "$CKPT" ]; then
        new=$(ckpt_step)
        if [ -z "$new" ]; then
            fail "trial $i: the checkpoint does not load after kill -9 at ${d}s:"
            sed 's/^/    /' "$TMP/info.err" >&2
        else
            ok
            if [ -n "$step" ] && [ "$new" -lt "$step" ]; then
                fail "trial $i: the checkpoint went back from step $step to $new"
            fi
            step=$new
        fi
    fi
done
echo "kill_test: $in_save of $TRIALS kills landed in a save (left a temporary file);" \
    "the checkpoint reached step ${step:-none}"
[ -n "$step" ] || fail "no checkpoint was ever saved in $TRIALS trials"

# A resume to the end: continues from the checkpoint, leaves no temp file.
if [ -n "$step" ]; then
    expect_ok "final resume" "$FFVAE" train -d "$DATA" -o "$RUN" --resume --steps $((step + 3)) \
        --threads 1
    expect_eq "final resume starts at the checkpoint" 1 \
        "$(grep -c "steps $step to $((step + 3))" "$TMP/out")"
    expect_eq "final checkpoint step" "$((step + 3))" "$(ckpt_step)"
    expect_eq "no temporary file left" "" "$(ls "$RUN" | grep '\.tmp\.')"
fi

finish
