#!/usr/bin/env bash
# Redis memory per mined job, parts stored raw and zstd-compressed.
#
#   bench/cluster/memory.sh [BUILD] [M]          (defaults: build, 200)
#
# One redis-server (no persistence), lode-broker and one default-engine
# worker per stage. For each mode (LODE_COMPRESS_MIN=0: raw; unset: parts of
# 1 KB or more as zstd level 3): FLUSHALL, mine seeds/000 (the 2,217-word
# talk) M times in one batch, then print used_memory growth per job and the
# MEMORY USAGE of one job's keys, key by key. The figure for 100,000 jobs is
# that per-job growth times 100,000 (extrapolated, not measured); memjobs.sh
# beside it measures 100,000 jobs, and a 3-hour podcast's bytes per job.
set -euo pipefail
build=${1:-build}
m=${2:-200}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seed=$(ls "$root"/seeds/000_*.txt | head -n 1)
[ -f "$seed" ] || { echo "memory: no seeds/000_*.txt" >&2; exit 1; }
if [ ! -x "$build/bin/lode-worker" ]; then make -s -C "$root" BUILD="$build" all >&2; fi
bin=$(cd "$build/bin" && pwd)
. "$here/../lib.sh" # bench_init, start_redis, free_port
bench_init memory /tmp/lode-bench-memory.XXXXXX
start_redis no
rcli() { redis-cli -p "$rport" "$@"; }
export LODE_REDIS="redis://127.0.0.1:$rport"
unset LODE_PREFIX LODE_PARTITIONS LODE_CURVE_CERT LODE_CURVE_SERVER LODE_CURVE_ALLOW
words=$(wc -w <"$seed")
files=()
for ((i = 0; i < m; i++)); do files+=("$seed"); done

run_mode() { # $1 = label, $2 = LODE_COMPRESS_MIN value or "" (default)
    local label=$1 procs=() p
    if [ -n "$2" ]; then export LODE_COMPRESS_MIN=$2; else unset LODE_COMPRESS_MIN; fi
    export LODE_BROKER="tcp://127.0.0.1:$(free_port)"
    rcli flushall >/dev/null
    "$bin/lode-broker" --log-level warn 2>>"$dir/broker.log" &
    procs+=("$!")
    for stage in fetch snippet synthesis fanout; do
        "$bin/lode-worker" --stage "$stage" --log-level warn 2>>"$dir/worker.log" &
        procs+=("$!")
    done
    pids+=("${procs[@]}")
    sleep 1
    local before after id
    before=$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
    "$bin/lode" submit --wait "${files[@]}" >"$dir/ids-$label" 2>>"$dir/submit.log" ||
        { echo "memory: mining failed ($label)" >&2; tail "$dir"/*.log >&2; exit 1; }
    after=$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
    id=$(head -n 1 "$dir/ids-$label")
    local total=0 line k b
    line=""
    for k in "lode:job:$id" "lode:job:$id:source" "lode:job:$id:transcript" \
        "lode:job:$id:snippets" "lode:job:$id:synthesis" "lode:job:$id:fanout"; do
        b=$(rcli memory usage "$k" samples 0)
        b=${b:-0}
        total=$((total + b))
        local name=${k#"lode:job:$id"}
        line="$line ${name:+${name#:}}${name:-hash}=$b"
    done
    printf '  %-22s %8d bytes/job (used_memory growth / %d jobs); one job: %d bytes:%s\n' \
        "$label" $(((after - before) / m)) "$m" "$total" "$line"
    printf '  %-22s %8.1f MB for 100,000 jobs (extrapolated)\n' "" \
        "$(awk -v b=$(((after - before) / m)) 'BEGIN { print b * 100000 / 1e6 }')"
    for p in "${procs[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}

echo "memory: seeds/000 ($words words) mined $m times, default engine, redis-server $(redis-server --version | awk '{print $3}')"
run_mode "raw" 0
run_mode "zstd level 3, >=1 KB" ""
