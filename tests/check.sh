#!/usr/bin/env bash
# Everything CI checks, in one command: dependencies, formatting, a -Werror
# build with all tests, the chaos suite (single Redis and Redis Cluster), the
# package and netns suites, then all tests
# again under ASan+UBSan. Ends with the
# combined "N passed, N failed" line.
set -u
cd "$(dirname "$0")/.."
deploy/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
total_p=0
total_f=0
tally() { # $1 = log of a run.sh run
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
    if [ -z "$line" ]; then total_f=$((total_f + 1)); return; fi
    total_p=$((total_p + $(echo "$line" | awk '{print $1}')))
    total_f=$((total_f + $(echo "$line" | awk '{print $3}')))
}
log=$(mktemp)
if make -s format-check >"$log" 2>&1; then total_p=$((total_p + 1)); else cat "$log"; echo "!! format-check failed"; total_f=$((total_f + 1)); fi
for mode in plain asan; do
    args=(WERROR=1)
    [ "$mode" = asan ] && args+=(SANITIZE=1)
    echo "== build ($mode)"
    if ! make -s -j"$jobs" "${args[@]}" tests >"$log" 2>&1; then
        cat "$log"; echo "!! build ($mode) failed"; total_f=$((total_f + 1)); continue
    fi
    echo "== tests ($mode)"
    make -s "${args[@]}" test 2>&1 | tee "$log"
    tally "$log"
    [ "$mode" = plain ] && { echo "== chaos (N=1000)"; if make -s WERROR=1 chaos N=1000 >"$log" 2>&1; then grep '^chaos: submitted' "$log"; total_p=$((total_p + 1)); else cat "$log"; echo "!! chaos failed"; total_f=$((total_f + 1)); fi; }
    [ "$mode" = plain ] && { echo "== chaos on a Redis Cluster (N=500)"; if make -s WERROR=1 chaos N=500 CHAOS_ARGS='--cluster 1' >"$log" 2>&1; then grep '^chaos: submitted' "$log"; total_p=$((total_p + 1)); else cat "$log"; echo "!! chaos (cluster) failed"; total_f=$((total_f + 1)); fi; }
    [ "$mode" = plain ] && { echo "== package (tests/package/run.sh)"; if timeout -k 5 900 tests/package/run.sh build >"$log" 2>&1; then grep -E '^(ok|FAIL|skip| {5})' "$log"; total_p=$((total_p + 1)); else cat "$log"; echo "!! package failed"; total_f=$((total_f + 1)); fi; }
    [ "$mode" = plain ] && { echo "== netns (cross-host, tests/netns/run.sh)"; if timeout -k 5 300 tests/netns/run.sh build >"$log" 2>&1; then tail -n 2 "$log"; total_p=$((total_p + 1)); else cat "$log"; echo "!! netns failed"; total_f=$((total_f + 1)); fi; }
done
rm -f "$log"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
