#!/usr/bin/env bash
# The openai engine's snippet stage against a model that takes 2 s per
# answer: how many jobs/s one worker moves with 64 requests in flight.
#
#   bench/llm/run.sh [BUILD] [N] [IN_FLIGHT] [DELAY_MS]   (defaults: build, 640, 64, 2000)
#
# A stand-in OpenAI-compatible server (bench/llm/llmstand_main, from
# tests/helpers/llmstand) answers every request after DELAY_MS with a
# snippets JSON whose quote is a sentence every input holds (so the quote
# guard verifies it: the measured path is the real one). One fetch worker
# (extractive, local text), ONE snippet worker `--engine openai
# --llm-in-flight IN_FLIGHT --concurrency IN_FLIGHT`, noop synthesis and
# fan-out workers. N jobs of ~1,000 words; prints jobs/s from the first
# submit to the last job done, and the ideal IN_FLIGHT / DELAY.
# Loopback only; stops everything it started.
set -euo pipefail
build=${1:-build}
n=${2:-640}
inflight=${3:-64}
delay=${4:-2000}
here=$(cd "$(dirname "$0")" && pwd)
make -s -C "$here/../.." BUILD="$build" all "$build/bench/llm/llmstand_main" >&2
bin="$build/bin"
dir=$(mktemp -d /tmp/lode-bench-llm.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/../../deploy/lib.sh" # free_port

shared="Every input of this benchmark holds this one sentence, so the model's quote is always found."
mkdir -p "$dir/in"
grep -E '^[A-Z].{120,}' seeds/000_a5cf945eb98e69f0.txt | awk -v n="$n" -v dir="$dir/in" -v s="$shared" '
    { line[NR - 1] = $0; words[NR - 1] = split($0, tmp, " ") }
    END {
        for (i = 1; i <= n; i++) {
            f = dir "/" i ".txt"; w = 0; k = i
            printf "%s\n\n", s > f
            while (w < 1000) { printf "%s\n\n", line[k % NR] > f; w += words[k % NR]; k += 7 }
            close(f)
        }
    }'

rport=$(free_port)
bport=$(free_port)
sport=$(free_port)
export LODE_REDIS="redis://127.0.0.1:$rport" LODE_BROKER="tcp://127.0.0.1:$bport"
# The count of exact quotes below reads the snippets in Redis as text: store them
# uncompressed (LODE_COMPRESS_MIN=0; parts over 1 KB are zstd frames otherwise).
export LODE_COMPRESS_MIN=0
redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no >"$dir/redis.log" 2>&1 &
pids+=($!)
content="{\"snippets\": [{\"quote\": \"$shared\", \"why\": \"It is the one sentence they share.\"}]}"
"$build/bench/llm/llmstand_main" --port "$sport" --delay-ms "$delay" --content "$content" \
    >"$dir/stand.out" 2>"$dir/stand.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 50); do [ -s "$dir/stand.out" ] && break; sleep 0.1; done
"$bin/lode-broker" --log-level warn 2>"$dir/broker.log" &
pids+=($!)
"$bin/lode-worker" --stage fetch --log-level warn 2>"$dir/worker-fetch.log" &
pids+=($!)
"$bin/lode-worker" --stage snippet --engine openai --llm-base-url "http://127.0.0.1:$sport/v1" \
    --llm-model bench --llm-in-flight "$inflight" --concurrency "$inflight" --log-level warn \
    2>"$dir/worker-snippet.log" &
snippet=$!
pids+=($snippet)
for stage in synthesis fanout; do
    "$bin/lode-worker" --stage "$stage" --engine noop --concurrency 64 --log-level warn \
        2>"$dir/worker-$stage.log" &
    pids+=($!)
done
sleep 0.5

t0=$(date +%s.%N)
"$bin/lode" submit --name bench-llm "$dir"/in/*.txt >/dev/null
deadline=$((SECONDS + 900))
while :; do
    done_n=$(redis-cli -p "$rport" hget lode:stats done)
    failed_n=$(redis-cli -p "$rport" hget lode:stats failed)
    [ "$((${done_n:-0} + ${failed_n:-0}))" -ge "$n" ] && break
    [ "$SECONDS" -ge "$deadline" ] && { echo "bench: timed out at ${done_n:-0}/$n" >&2; exit 1; }
    sleep 0.05
done
t1=$(date +%s.%N)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$snippet/status")
kept=$(redis-cli -p "$rport" --raw eval "local n=0 for _,k in ipairs(redis.call('keys','lode:job:*:snippets')) do if string.find(redis.call('get',k),'\"match\":\"exact\"',1,true) then n=n+1 end end return n" 0)
awk -v n="$n" -v t0="$t0" -v t1="$t1" -v f="${failed_n:-0}" -v k="$inflight" -v d="$delay" \
    -v rss="$rss" -v kept="$kept" 'BEGIN {
    wall = t1 - t0
    printf "openai engine, snippet stage: %d jobs, one worker, %d requests in flight, model answers in %d ms\n", n, k, d
    printf "  wall time, first submit to last job done: %.2f s\n", wall
    printf "  throughput:                               %.1f jobs/s (ideal %.1f)\n", n / wall, k * 1000 / d
    printf "  jobs whose stored quote verified exact:   %d of %d\n", kept, n
    printf "  failed jobs:                              %d\n", f
    printf "  snippet worker peak RSS:                  %.1f MB\n", rss / 1024
}'
