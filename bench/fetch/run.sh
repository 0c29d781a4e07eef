#!/usr/bin/env bash
# Fetch-stage throughput: a real redis-server, lode-broker and ONE fetch
# worker (no text-stage workers, so fetched jobs wait in lode:queue:snippet),
# N URL jobs against a loopback server that answers every request after 1 s
# with a small VTT body. Prints jobs/s and the fetch worker's peak RSS.
# Target: >= 200 jobs/s with 10,000 jobs. Loopback only; stops what it starts.
#   bench/fetch/run.sh [BUILD] [N] [bench_fetch options, e.g. --delay-ms 500]
set -euo pipefail
build=${1:-build}
n=${2:-10000}
shift 2 || shift $# || true
bin="$build/bin"
make -s BUILD="$build" "$bin/lode" "$bin/lode-broker" "$bin/lode-worker" \
    "$build/bench/fetch/bench_fetch"
dir=$(mktemp -d /tmp/lode-bench-fetch.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/../../deploy/lib.sh" # free_port

rport=$(free_port)
bport=$(free_port)
export LODE_REDIS="redis://127.0.0.1:$rport" LODE_BROKER="tcp://127.0.0.1:$bport"
unset LODE_ALLOW_NET
redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
    --daemonize no >"$dir/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
"$bin/lode-broker" --log-level warn 2>"$dir/broker.log" &
pids+=($!)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$bin/lode-worker" --stage fetch --concurrency 512 --per-host 512 --allow-net 127.0.0.0/8 \
    --log-level warn 2>"$dir/worker-fetch.log" &
worker=$!
pids+=($worker)
sleep 0.5
kill -0 "$worker" || { cat "$dir/worker-fetch.log" >&2; exit 1; }
rc=0
"$build/bench/fetch/bench_fetch" --lode "$bin/lode" --redis "$LODE_REDIS" \
    --broker "$LODE_BROKER" --worker-pid "$worker" --jobs "$n" "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "bench: worker log tail:" >&2
    tail -n 20 "$dir/worker-fetch.log" >&2
fi
exit "$rc"
