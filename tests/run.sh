#!/usr/bin/env bash
# Run every test binary under a time limit; count cmocka's test results and
# end with one line "N passed, N failed". Exits non-zero on any failure.
set -u
build=${1:-build}
export LODE_BUILD="$build" # integration tests find $LODE_BUILD/bin/lode*
passed=0
failed=0
limit=${LODE_TEST_TIMEOUT:-300}
for kind in unit integration; do
    for src in tests/$kind/test_*.c; do
        [ -e "$src" ] || continue
        bin="$build/tests/$(basename "${src%.c}")"
        echo "== $bin"
        out=$(mktemp)
        timeout -k 5 "$limit" "$bin" >"$out" 2>&1
        rc=$?
        cat "$out"
        p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$out" | awk '{s+=$NF} END {print s+0}')
        f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$out" | awk '{s+=$NF} END {print s+0}')
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            # Crashed, timed out or failed outside a test: count it once.
            echo "!! $bin exited with status $rc"
            f=1
        fi
        passed=$((passed + p))
        failed=$((failed + f))
        rm -f "$out"
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
