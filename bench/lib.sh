# bench/lib.sh - the start and stop of what a benchmark runs: its temp dir
# and processes (all stopped at exit), messages, CPU ticks, one
# redis-server, and lode-broker with four noop workers. Sourced by
# bench/throughput/run.sh, bench/cluster/run.sh, bench/cluster/memory.sh and
# bench/pipeline/parts.sh
# after they set bin (the build's bin directory); not run.
. "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib.sh" # free_port

# $1 = name in messages, $2 = mktemp -d template. Sets dir, pids and hz;
# everything in pids is killed and dir removed at exit.
bench_init() {
    bench_name=$1
    dir=$(mktemp -d "$2")
    pids=()
    hz=$(getconf CLK_TCK)
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}
bench_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
say() { echo "$bench_name: $*" >&2; }
die() {
    say "error: $*"
    for f in "$dir"/*.log; do [ -s "$f" ] && { echo "--- $f"; tail -n 10 "$f"; } >&2; done
    exit 1
}
now() { date +%s.%N; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# One redis-server on a free loopback port in dir, no RDB snapshots; $1 =
# appendonly yes (with appendfsync everysec) or no. Sets rport and redis;
# dies if it does not answer PING within 10 s.
start_redis() {
    local aof=(--appendonly "$1")
    [ "$1" = yes ] && aof+=(--appendfsync everysec)
    rport=$(free_port)
    redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir" --save '' "${aof[@]}" \
        --daemonize no >"$dir/redis.log" 2>&1 &
    redis=$!
    pids+=("$redis")
    for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
    die "redis-server did not start"
}

# lode-broker on LODE_BROKER and, with $1 = 1, one `lode-worker --engine
# E --threads 1` per stage with --concurrency $conc (default 1); E is $2,
# default noop. Sets broker and workers; dies if the broker is gone after a
# second.
start_lode() {
    local engine=${2:-noop}
    "$bin/lode-broker" --log-level warn 2>>"$dir/broker.log" &
    broker=$!
    pids+=("$broker")
    workers=()
    if [ "$1" = 1 ]; then
        for stage in fetch snippet synthesis fanout; do
            "$bin/lode-worker" --stage "$stage" --engine "$engine" --concurrency "${conc:-1}" \
                --threads 1 \
                --log-level warn 2>>"$dir/worker-$stage.log" &
            workers+=("$!")
            pids+=("$!")
        done
    fi
    sleep 1
    kill -0 "$broker" 2>/dev/null || die "lode-broker did not start"
}
