#!/usr/bin/env bash
# Throughput of the whole cluster: N text jobs of ~2,000 words each through
# all four stages with the extractive engine. Prints jobs/s and the share of
# one core the broker used. Loopback only; stops everything it started.
#   bench/pipeline/run.sh [BUILD] [N] [CONCURRENCY]
# Beside it: stages.c (make BUILD/bench/pipeline/stages) times each step of a
# text job in process, without Redis or the broker; parts.sh dumps every
# job's stored parts so that two builds' outputs can be compared with diff -r.
set -euo pipefail
build=${1:-build}
n=${2:-1000}
conc=${3:-2}
bin="$build/bin"
dir=$(mktemp -d /tmp/lode-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/../../deploy/lib.sh" # free_port
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Inputs: ~2,000 words each, made from the seed page's prose, rotated so no
# two jobs are the same text.
mkdir -p "$dir/in"
grep -E '^[A-Z].{120,}' seeds/000_a5cf945eb98e69f0.txt | awk -v n="$n" -v dir="$dir/in" '
    { line[NR - 1] = $0; words[NR - 1] = split($0, tmp, " ") }
    END {
        for (i = 1; i <= n; i++) {
            f = dir "/" i ".txt"; w = 0; k = i
            while (w < 2000) { printf "%s\n\n", line[k % NR] > f; w += words[k % NR]; k += 7 }
            close(f)
        }
    }'

rport=$(free_port)
bport=$(free_port)
export LODE_REDIS="redis://127.0.0.1:$rport" LODE_BROKER="tcp://127.0.0.1:$bport"
redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no >"$dir/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
"$bin/lode-broker" --log-level warn 2>"$dir/broker.log" &
broker=$!
pids+=($broker)
wpids=()
for stage in fetch snippet synthesis fanout; do
    "$bin/lode-worker" --stage "$stage" --concurrency "$conc" --log-level warn \
        2>"$dir/worker-$stage.log" &
    pids+=($!)
    wpids+=($!)
done
sleep 0.5

hz=$(getconf CLK_TCK)
t0=$(date +%s.%N)
b0=$(ticks "$broker")
# CPU ticks of Redis and each stage's worker, to say where a job's CPU goes.
cpu0=()
for p in "${pids[0]}" "${wpids[@]}"; do cpu0+=("$(ticks "$p")"); done
"$bin/lode" submit --name bench "$dir"/in/*.txt >/dev/null
t_sub=$(date +%s.%N)
deadline=$((SECONDS + 600))
# One redis-cli a poll, ten polls a second: a client started 40 times a
# second took ~5% of a core from the two the cluster runs on.
while :; do
    read -r done_n failed_n < <(redis-cli -p "$rport" --raw hmget lode:stats done failed | xargs)
    [ "$((${done_n:-0} + ${failed_n:-0}))" -ge "$n" ] && break
    [ "$SECONDS" -ge "$deadline" ] && { echo "bench: timed out at ${done_n:-0}/$n" >&2; exit 1; }
    sleep 0.1
done
t1=$(date +%s.%N)
b1=$(ticks "$broker")
cpu=""
i=0
for p in "${pids[0]}" "${wpids[@]}"; do cpu+="$(($(ticks "$p") - cpu0[i])) "; i=$((i + 1)); done
awk -v n="$n" -v t0="$t0" -v ts="$t_sub" -v t1="$t1" -v b="$((b1 - b0))" -v hz="$hz" \
    -v failed="${failed_n:-0}" -v conc="$conc" -v cpu="$cpu" 'BEGIN {
    wall = t1 - t0
    printf "pipeline: %d jobs x ~2000 words, 4 stages, 1 worker/stage x %d threads, AOF everysec\n", n, conc
    printf "  submit (upload + durable in Redis): %.2f s\n", ts - t0
    printf "  wall time to last job done:         %.2f s\n", wall
    printf "  throughput:                         %.1f jobs/s (%.1f stage runs/s)\n", n / wall, 4 * n / wall
    printf "  broker CPU:                         %.2f s = %.1f%% of one core\n", b / hz, 100 * b / hz / wall
    printf "  failed jobs:                        %d\n", failed
    split(cpu, c, " ")
    split("redis fetch snippet synthesis fanout", name, " ")
    total = b
    for (k = 1; k <= 5; k++) total += c[k]
    printf "  CPU per job (ms):                   broker %.2f", 1000 * b / hz / n
    for (k = 1; k <= 5; k++) printf ", %s %.2f", name[k], 1000 * c[k] / hz / n
    printf "; total %.2f\n", 1000 * total / hz / n
}'
