#!/usr/bin/env bash
# The cross-host path, for real, on one machine: two network namespaces
# joined by a veth pair. Namespace A ("the broker machine") runs redis-server
# (requirepass, AOF) and lode-broker (CURVE, allow list), both bound to the
# veth address 192.0.2.1 only; namespace B ("a worker machine", 192.0.2.2)
# runs the four workers and the CLI, which reach A only across the veth.
# A seed document is mined end to end; the connections are checked to cross
# the veth; a client without a key and a worker with a key not in the allow
# list are refused. 192.0.2.0/24 (TEST-NET-1) exists only inside the two
# namespaces, which the test makes and removes (also on failure or Ctrl-C).
#
#   tests/netns/run.sh [BUILD]      (BUILD defaults to $LODE_BUILD, then build)
#
# Prints "netns: passed", "netns: FAILED: why" or "netns: skipped: why" last.
# Exits 0 when passed or skipped (no root, no CAP_NET_ADMIN, no veth), 1 on
# failure.
set -uo pipefail
build=${1:-${LODE_BUILD:-build}}
bin=$(cd "$build/bin" 2>/dev/null && pwd) || { echo "netns: FAILED: no $build/bin"; exit 1; }
seed=$(cd "$(dirname "$0")/../.." && pwd)/seeds/000_a5cf945eb98e69f0.txt
ns_a=lode-a-$$
ns_b=lode-b-$$
veth_a=lva$$ # interface names are at most 15 bytes
veth_b=lvb$$
addr_a=192.0.2.1
addr_b=192.0.2.2
password=np-$$-$RANDOM$RANDOM
dir=$(mktemp -d /tmp/lode-netns.XXXXXX)
pids=()
made_ns=()

cleanup() {
    local p ns
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    for ns in "${made_ns[@]}"; do
        # Anything of ours still inside (it can only be ours: we made it).
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

skip() { echo "netns: skipped: $*"; exit 0; }
fail() {
    echo "netns: logs:" >&2
    for f in "$dir"/*.log; do [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 15 "$f"; } >&2; done
    echo "netns: FAILED: $*"
    exit 1
}
# Foreground only: in the background a function is a subshell, and $! would
# not be the program's pid (background starts use ip netns exec directly).
in_a() { ip netns exec "$ns_a" "$@"; }
in_b() { ip netns exec "$ns_b" "$@"; }

# ---- namespaces (skip where they cannot be made)
command -v ip >/dev/null || skip "no ip(8) (iproute2) on this machine"
command -v redis-server >/dev/null || skip "no redis-server"
for b in lode lode-broker lode-worker; do [ -x "$bin/$b" ] || fail "$bin/$b missing: build first"; done
if ! ip netns add "$ns_a" 2>"$dir/ip.err"; then
    skip "cannot create a network namespace (needs root or CAP_NET_ADMIN): $(head -n 1 "$dir/ip.err")"
fi
made_ns+=("$ns_a")
ip netns add "$ns_b" 2>"$dir/ip.err" || skip "cannot create a second namespace: $(head -n 1 "$dir/ip.err")"
made_ns+=("$ns_b")
if ! ip link add "$veth_a" netns "$ns_a" type veth peer name "$veth_b" netns "$ns_b" 2>"$dir/ip.err"; then
    skip "cannot create a veth pair: $(head -n 1 "$dir/ip.err")"
fi
in_a true 2>"$dir/ip.err" || skip "cannot enter a namespace (ip netns exec): $(head -n 1 "$dir/ip.err")"
ip -n "$ns_a" addr add "$addr_a/24" dev "$veth_a" &&
    ip -n "$ns_b" addr add "$addr_b/24" dev "$veth_b" &&
    ip -n "$ns_a" link set lo up && ip -n "$ns_b" link set lo up &&
    ip -n "$ns_a" link set "$veth_a" up && ip -n "$ns_b" link set "$veth_b" up ||
    fail "could not configure the veth pair"
if command -v ping >/dev/null; then # the link is up (the programs retry anyway)
    for _ in $(seq 50); do in_b ping -c 1 -W 1 "$addr_a" >/dev/null 2>&1 && break; sleep 0.1; done
fi

# ---- keys: one for the broker, one per worker machine and for the client
mkdir -p "$dir/keys/allow"
for k in broker worker client stranger; do
    "$bin/lode" keygen "$dir/keys/$k" >/dev/null 2>"$dir/keygen.log" || fail "lode keygen $k"
done
cp "$dir/keys/worker" "$dir/keys/client" "$dir/keys/allow/"

# ---- machine A: Redis and the broker, on the veth address only
ip netns exec "$ns_a" redis-server --bind "$addr_a" --port 6379 --requirepass "$password" --dir "$dir" \
    --appendonly yes --appendfsync everysec --save '' --daemonize no >"$dir/redis.log" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do
    in_a redis-cli -h "$addr_a" -a "$password" --no-auth-warning ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
done
export LODE_REDIS="redis://:$password@$addr_a:6379" LODE_BROKER="tcp://$addr_a:5555"
unset LODE_CURVE_CERT LODE_CURVE_SERVER LODE_CURVE_ALLOW LODE_PREFIX
ip netns exec "$ns_a" "$bin/lode-broker" --bind "$LODE_BROKER" --curve-cert "$dir/keys/broker_secret" \
    --curve-allow "$dir/keys/allow" --heartbeat-ms 200 >"$dir/broker.log" 2>&1 &
pids+=("$!")

# ---- machine B: four workers and the CLI, reaching A across the veth
for stage in fetch snippet synthesis fanout; do
    ip netns exec "$ns_b" "$bin/lode-worker" --stage "$stage" --concurrency 2 --heartbeat-ms 200 \
        --curve-cert "$dir/keys/worker_secret" --curve-server "$dir/keys/broker" \
        >"$dir/worker-$stage.log" 2>&1 &
    pids+=("$!")
done
cli=(--curve-cert "$dir/keys/client_secret" --curve-server "$dir/keys/broker")

in_b "$bin/lode" "${cli[@]}" submit --wait --timeout 90 "$seed" >"$dir/job.out" 2>"$dir/submit.log" ||
    fail "the job did not finish (lode submit --wait exited $?)"
job=$(head -n 1 "$dir/job.out")
state=$(in_b "$bin/lode" status "$job" --json 2>>"$dir/submit.log")
echo "$state" | grep -q '"done"' || fail "job $job is not done: $state"
in_b "$bin/lode" show "$job" >"$dir/show.out" 2>>"$dir/submit.log" || fail "lode show $job"
grep -q . "$dir/show.out" || fail "lode show $job printed nothing"
snippets=$(in_a redis-cli -h "$addr_a" -a "$password" --no-auth-warning \
    strlen "lode:job:$job:snippets" 2>/dev/null)
[ "${snippets:-0}" -gt 2 ] || fail "job $job has no snippets in Redis"

# ---- the traffic really crossed the veth: B's peers are connected to A's
# broker and Redis from 192.0.2.2 (ss in namespace A)
conns=$(in_a ss -Htn state established 2>/dev/null)
echo "$conns" | grep -q "$addr_a:5555 *$addr_b:" || fail "no broker connection from $addr_b: $conns"
echo "$conns" | grep -q "$addr_a:6379 *$addr_b:" || fail "no Redis connection from $addr_b: $conns"

# ---- and only allowed keys get in: a client without CURVE cannot submit
rc=0
in_b "$bin/lode" submit --timeout 2 --text "no key" >/dev/null 2>"$dir/refused.log" || rc=$?
[ "$rc" -eq 6 ] || fail "a client without a CURVE key was not refused (exit $rc, want 6)"
# a worker whose key is not in the allow list never takes a job: stop the
# allowed fetch worker, start a stranger, and the submitted job stays queued
kill "${pids[2]}" 2>/dev/null
wait "${pids[2]}" 2>/dev/null
ip netns exec "$ns_b" "$bin/lode-worker" --stage fetch --curve-cert "$dir/keys/stranger_secret" \
    --curve-server "$dir/keys/broker" >"$dir/worker-stranger.log" 2>&1 &
pids+=("$!")
job2=$(in_b "$bin/lode" "${cli[@]}" submit --text "Queued until an allowed worker comes. A worker whose key the broker does not know can take nothing, so this text waits for a fetch worker that was let in, and then it is mined like any other." \
    2>>"$dir/submit.log") || fail "second submit"
sleep 2
state2=$(in_a redis-cli -h "$addr_a" -a "$password" --no-auth-warning hget "lode:job:$job2" state 2>/dev/null)
[ "$state2" = queued ] || fail "job $job2 taken by a worker with an unknown key (state $state2)"
# ... and an allowed fetch worker then takes it through to the end
ip netns exec "$ns_b" "$bin/lode-worker" --stage fetch --heartbeat-ms 200 \
    --curve-cert "$dir/keys/worker_secret" --curve-server "$dir/keys/broker" \
    >"$dir/worker-fetch2.log" 2>&1 &
pids+=("$!")
in_b "$bin/lode" wait --timeout 30 "$job2" >/dev/null 2>>"$dir/submit.log" ||
    fail "job $job2 did not finish once an allowed worker came"
grep -q "$password" "$dir"/*.log && fail "the Redis password appears in a log"

echo "netns: job $job mined across the veth ($addr_b -> $addr_a: broker CURVE, Redis requirepass);" \
    "client without a key refused; unknown worker key got no job"
echo "netns: passed"
