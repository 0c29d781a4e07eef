#!/usr/bin/env bash
# The demo: start redis-server, lode-broker and one worker per stage on free
# loopback ports in a temp dir, mine a seed document, print `lode show`,
# and stop everything it started (also on failure or Ctrl-C). With
# LODE_LLM_MODEL set (and LODE_LLM_BASE_URL, LODE_LLM_API_KEY as needed: see
# the README's openai engine section), the text stages mine with that model.
set -euo pipefail
build=${1:-build}
seed=${2:-seeds/000_a5cf945eb98e69f0.txt}
bin="$build/bin"
dir=$(mktemp -d /tmp/lode-demo.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

. "$(dirname "$0")/lib.sh" # free_port
rport=$(free_port)
bport=$(free_port)
export LODE_REDIS="redis://127.0.0.1:$rport" LODE_BROKER="tcp://127.0.0.1:$bport"

redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
    --daemonize no >"$dir/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
"$bin/lode-broker" --bind "$LODE_BROKER" 2>"$dir/broker.log" &
pids+=($!)
engine=extractive
[ -n "${LODE_LLM_MODEL:-}" ] && engine=openai
for stage in fetch snippet synthesis fanout; do
    args=()
    [ "$stage" != fetch ] && args=(--engine "$engine")
    "$bin/lode-worker" --stage "$stage" "${args[@]}" 2>"$dir/worker-$stage.log" &
    pids+=($!)
done
timeout=60
[ "$engine" = openai ] && timeout=900 # a model may take minutes
echo "demo: redis on $rport, broker on $bport, four workers ($engine engine); mining $seed" >&2
if ! job=$("$bin/lode" submit --wait --timeout "$timeout" "$seed"); then
    echo "demo: the job did not finish; logs:" >&2
    tail -n 20 "$dir"/*.log >&2
    exit 1
fi
"$bin/lode" show "$job"
[ "$engine" = openai ] && "$bin/lode" show "$job" --stats
echo >&2
echo "demo: job $job mined; the throwaway cluster is stopped now. To keep one running, start" >&2
echo "      redis-server, $bin/lode-broker and one $bin/lode-worker per stage (see README)." >&2
