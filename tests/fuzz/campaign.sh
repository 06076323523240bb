#!/usr/bin/env bash
# campaign.sh - a bounded fuzzing campaign over every harness, one after the
# other on one core (niced), as reported in the README's Reliability section.
#
#   tests/fuzz/campaign.sh BUILD WORK [SECONDS]    (SECONDS per harness: 600)
#
# RUNS=N (default 0: no cap) also stops a harness after N executions; the
# issue's target is 1M executions or an hour, so RUNS=1000000 with SECONDS=3600
# gives the fast harnesses' core back early. Fork mode counts its own way, so
# the cap applies to the in-process harnesses only (idx, image, config).
#
# BUILD is a build directory after `make fuzz`; WORK receives, per harness, the
# growing corpus (seeded from tests/fuzz/corpus and the .list files), the log
# and any finding (WORK/artifacts/NAME/). The dataset, checkpoint and fonts
# harnesses run without the child check (FFVAE_FUZZ_CHILD_CHECK=0, fuzz_h5.h), so that
# libFuzzer explores libhdf5 itself, in -fork=1 mode that keeps going past
# libhdf5's (and stb_truetype's) crashes; every input they saved is then replayed with the check
# on, as the user runs, where each must end in a clean error. The last lines
# of WORK/summary are the numbers.
set -euo pipefail
build=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
seconds=${3:-600}
src=$(cd "$(dirname "$0")/../.." && pwd)
harnesses=${HARNESSES:-dataset checkpoint image fonts idx config}
summary=$work/summary
: > "$summary"

for h in $harnesses; do
    corpus=$work/corpus/$h
    art=$work/artifacts/$h
    mkdir -p "$corpus" "$art"
    cp "$src"/tests/fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true
    for list in "$src/tests/fuzz/corpus/$h.list" "$src/tests/fuzz/regressions/$h.list"; do
        [ -f "$list" ] || continue
        # The past findings seed the search too: they are where the bugs were.
        grep -v '^#' "$list" | while read -r f; do cp "$src/$f" "$corpus/$(basename "$f")"; done
    done
    flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048
           -artifact_prefix="$art/" -close_fd_mask=2 -print_final_stats=1)
    env=()
    case $h in
    dataset|checkpoint|fonts)
        # libhdf5 leaks on its error paths; ffvae's leaks are the replay's to find.
        env=(FFVAE_FUZZ_CHILD_CHECK=0 ASAN_OPTIONS=detect_leaks=0)
        flags+=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1) ;;
    *)
        if [ "${RUNS:-0}" -gt 0 ]; then flags+=(-runs="$RUNS"); fi ;;
    esac
    start=$(date +%s)
    set +e
    (cd "$work" && env "${env[@]}" nice -n 5 "$build/tests/fuzz/fuzz_$h" "${flags[@]}" "$corpus" \
        > "$work/$h.log" 2>&1)
    rc=$?
    set -e
    took=$(( $(date +%s) - start ))
    # The executions: the last "#N" status line (plain and fork mode alike).
    execs=$(grep -oE '^#[0-9]+' "$work/$h.log" | tail -n 1 | tr -d '#')
    found=$(find "$art" -type f | wc -l)
    echo "$h: exit $rc, ${execs:-0} executions in $took s, $found artifacts, corpus $(ls "$corpus" | wc -l) files" \
        | tee -a "$summary"
done

# Every input the unchecked runs saved (crashes, OOMs, timeouts: libhdf5's, stb_truetype's),
# through the checked harness: each must end without a finding.
for h in dataset checkpoint fonts; do
    case " $harnesses " in *" $h "*) ;; *) continue ;; esac
    files=$(find "$work/artifacts/$h" -type f | sort)
    [ -n "$files" ] || { echo "$h: no unchecked findings to replay" | tee -a "$summary"; continue; }
    mkdir -p "$work/replay-scratch"
    n=$(echo "$files" | wc -l)
    set +e
    # shellcheck disable=SC2086
    # -malloc_limit_mb=1024: the child's memory allowance, which ASan cannot
    # set as an address-space limit (tests/fuzz/fuzz.mk).
    (cd "$work" && nice -n 5 "$build/tests/fuzz/fuzz_$h" -timeout=120 -rss_limit_mb=2048 \
        -malloc_limit_mb=1024 -artifact_prefix="$work/replay-scratch/" $files > "$work/$h-checked.log" 2>&1)
    rc=$?
    set -e
    echo "$h: $n unchecked findings replayed with the child check: exit $rc ($([ $rc -eq 0 ] && echo 'all contained' || echo 'NOT contained, see '"$h"'-checked.log'))" \
        | tee -a "$summary"
done
