# lib.sh - shared helpers for the CLI tests (sourced, not run).
# The test harness sets FFVAE (the built program) and SRCDIR / BUILDDIR.
set -u
: "${FFVAE:?run through make check}"
: "${SRCDIR:?run through make check}"
FIXTURES="$SRCDIR/tests/fixtures"
FMNIST_DIR="${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ffvae-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); }

# expect_ok DESCRIPTION CMD... : the command must exit 0.
expect_ok() {
    desc=$1; shift
    if "$@" >"$TMP/out" 2>"$TMP/err"; then ok; else
        fail "$desc: exit $? from: $*"; sed 's/^/    /' "$TMP/err" >&2; fi
}

# expect_fail DESCRIPTION PATTERN CMD... : non-zero exit and stderr matching PATTERN.
expect_fail() {
    desc=$1; pattern=$2; shift 2
    if "$@" >"$TMP/out" 2>"$TMP/err"; then
        fail "$desc: succeeded but should have failed: $*"
    elif ! grep -Eq -- "$pattern" "$TMP/err"; then
        fail "$desc: stderr does not match /$pattern/:"; sed 's/^/    /' "$TMP/err" >&2
    else ok; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
    if [ "$2" = "$3" ]; then ok; else fail "$1: expected '$2', got '$3'"; fi
}

# finish: the exit status the automake harness reads (77 = skipped).
finish() {
    echo "$checks checks, $failures failures"
    [ "$checks" -gt 0 ] || { echo "no checks ran" >&2; exit 99; }
    [ "$failures" -eq 0 ]
}
