#!/usr/bin/env bash
# Run every fuzzer in BUILD (default build-fuzz) for SECONDS (default 60) on
# a working copy of its seed corpus fuzz/corpus/NAME/, then print one line
# per fuzzer: "fuzz NAME: N execs in S s, corpus C, crashes K". Crash inputs
# land in BUILD/crashes/NAME/. Exits non-zero if any fuzzer found a crash.
set -u
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
secs=${2:-60}
status=0
summary=()
for bin in "$build"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    work="$build/corpus/$name"
    crashes="$build/crashes/$name"
    mkdir -p "$work" "$crashes"
    [ -d "fuzz/corpus/$name" ] && cp -n fuzz/corpus/"$name"/* "$work"/ 2>/dev/null
    log="$build/fuzz_$name.log"
    dict=()
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
    echo "== fuzz $name for ${secs}s (log $log)"
    "$bin" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$crashes/" "${dict[@]}" "$work" >"$log" 2>&1
    rc=$?
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
    found=$(find "$crashes" -type f | wc -l)
    corpus=$(find "$work" -type f | wc -l)
    if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
        status=1
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20
    fi
    summary+=("fuzz $name: ${execs:-?} execs in ${secs} s, corpus $corpus, crashes $found (exit $rc)")
done
printf '%s\n' "${summary[@]}"
exit $status
