#!/usr/bin/env bash
# Lode on a Redis Cluster: jobs/s, commands and CPU per node, and how evenly
# the partitions fill.
#
#   bench/cluster/run.sh [BUILD] [N]          (defaults: build, 100000)
#
# A cluster of MASTERS (3) redis-servers (appendonly yes, appendfsync
# everysec, as bench/throughput) on loopback, made with redis-cli --cluster
# create; a store of PARTS (16) partitions (LODE_PARTITIONS); lode-broker and
# four `lode-worker --engine noop --threads 1` (one per stage) given
# --redis redis+cluster://…; N tiny jobs submitted in chunks of 9,999, timed
# from the first submit to the last job done (the sum of every partition's
# stats). Per node: commands from INFO commandstats (CONFIG RESETSTAT first;
# the benchmark's own polls are counted on their node and taken off) and CPU
# from /proc/PID/stat. Spread: jobs per partition (ZCARD of each
# partition's jobs), max/min.
#
# Environment: MASTERS, PARTS, CONC (credits per worker, 256), TIMEOUT (s,
# 1800). Loopback only; stops everything it started. On this 2-core machine
# every node, the broker and the workers share two cores: the per-node
# figures, not the total, say what N machines would give.
set -euo pipefail
build=${1:-build}
n=${2:-100000}
masters=${MASTERS:-3}
parts=${PARTS:-16}
conc=${CONC:-256}
chunk=9999
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$build/bin/lode-worker" ]; then
    make -s -C "$here/../.." BUILD="$build" all >&2
fi
bin=$(cd "$build/bin" && pwd)
. "$here/../lib.sh" # bench_init, say, die, now, ticks, start_lode
bench_init cluster-bench /tmp/lode-bench-cluster.XXXXXX
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { # a port whose cluster bus port (+10000) is free too
    local p
    while :; do
        p=$(shuf -i 20000-50000 -n 1)
        port_free "$p" && port_free $((p + 10000)) && { echo "$p"; return; }
    done
}

# ------------------------------------------------------------ the cluster
ports=() rpids=() seeds=()
for ((i = 0; i < masters; i++)); do
    p=$(pick_port)
    redis-server --port "$p" --bind 127.0.0.1 --dir "$dir" --dbfilename "dump-$p.rdb" \
        --appendfilename "aof-$p" --appenddirname "aof-$p" --save '' --appendonly yes \
        --appendfsync everysec --cluster-enabled yes --cluster-config-file "$dir/nodes-$p.conf" \
        --cluster-node-timeout 5000 --daemonize no >"$dir/redis-$p.log" 2>&1 &
    rpids+=("$!")
    pids+=("$!")
    ports+=("$p")
    seeds+=("127.0.0.1:$p")
done
for p in "${ports[@]}"; do
    for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$p" ping >/dev/null 2>&1 || die "redis-server on port $p did not start"
done
redis-cli --cluster create "${seeds[@]}" --cluster-yes >"$dir/create.log" 2>&1 ||
    die "redis-cli --cluster create failed"
for _ in $(seq 100); do
    ok=1
    for p in "${ports[@]}"; do
        redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || ok=0
    done
    [ "$ok" = 1 ] && break
    sleep 0.1
done
[ "$ok" = 1 ] || die "the cluster did not reach cluster_state:ok"
export LODE_REDIS="redis+cluster://$(IFS=,; echo "${seeds[*]}")"
export LODE_PARTITIONS="$parts"
export LODE_BROKER="tcp://127.0.0.1:$(pick_port)"
unset LODE_PREFIX LODE_CURVE_CERT LODE_CURVE_SERVER LODE_CURVE_ALLOW

rc() { redis-cli -c -p "${ports[0]}" "$@"; }
# Where each partition's keys live: the port of the master of its slot.
port_of_slot() { # the port of the master serving slot $1 (CLUSTER NODES)
    redis-cli -p "${ports[0]}" cluster nodes | awk -v s="$1" '
        $3 ~ /master/ { for (i = 9; i <= NF; i++) { n = split($i, r, "-"); if (n == 1) r[2] = r[1]
            if (s + 0 >= r[1] + 0 && s + 0 <= r[2] + 0) { split($2, a, "[:@]"); print a[2] } } }'
}
part_port=()
for ((k = 0; k < parts; k++)); do
    part_port+=("$(port_of_slot "$(rc cluster keyslot "lode:{p$k}:")")")
done
polls_on=()
for p in "${ports[@]}"; do polls_on[$p]=0; done
stats_done() { # done + failed summed over partitions, one HMGET per partition
    local s=0 k v
    for ((k = 0; k < parts; k++)); do
        v=$(redis-cli -p "${part_port[$k]}" hmget "lode:{p$k}:stats" "done" failed |
            awk '{ s += $1 } END { print s + 0 }')
        polls_on[${part_port[$k]}]=$((${polls_on[${part_port[$k]}]} + 1))
        s=$((s + v))
    done
    echo "$s"
}

# ------------------------------------------------------------ Lode
printf 'A short note for the noop engine.\n' >"$dir/job.txt"
chunk_args=()
for ((i = 0; i < chunk; i++)); do chunk_args+=("$dir/job.txt"); done
start_lode 1
for p in "${ports[@]}"; do redis-cli -p "$p" config resetstat >/dev/null; done
declare -A t0s
for ((i = 0; i < masters; i++)); do t0s[$i]=$(ticks "${rpids[$i]}"); done
b0=$(ticks "$broker")
load0=$(cut -d' ' -f1 /proc/loadavg)
say "$n jobs, $masters masters, $parts partitions, 4 noop workers x $conc credits"
t0=$(now)
left=$n
while [ "$left" -gt 0 ]; do
    m=$((left < chunk ? left : chunk))
    "$bin/lode" submit "${chunk_args[@]:0:m}" >>"$dir/ids" 2>>"$dir/submit.log" ||
        die "lode submit of $m jobs failed"
    left=$((left - m))
done
t_sub=$(now)
deadline=$((SECONDS + ${TIMEOUT:-1800}))
while :; do
    d=$(stats_done)
    [ "$d" -ge "$n" ] && break
    [ "$SECONDS" -ge "$deadline" ] && die "timed out at $d/$n jobs"
    sleep 0.2
done
t1=$(now)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
rate=$(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
sub=$(awk -v a="$t0" -v b="$t_sub" 'BEGIN { printf "%.1f", b - a }')
cpu_ticks=$(awk -v w="$wall" -v hz="$hz" 'BEGIN { print w * hz }')
broker_cpu=$(awk -v t=$(($(ticks "$broker") - b0)) -v c="$cpu_ticks" 'BEGIN { printf "%.0f", 100 * t / c }')

echo
echo "cluster-bench: $n jobs x 4 stages, noop engine, $masters masters (appendonly yes, everysec), $parts partitions, 2 cores"
echo "  (load average at the start: $load0; other work on the machine skews every figure)"
printf '  end to end, jobs/s                 %8s\n' "$rate"
printf '  wall time, s                       %8.1f (submitting %s)\n' "$wall" "$sub"
printf '  broker CPU, %% of one core          %8s\n' "$broker_cpu"
total_calls=0
for ((i = 0; i < masters; i++)); do
    p=${ports[$i]}
    calls=$(redis-cli -p "$p" info commandstats | tr -d '\r' | awk -F'[:=,]' -v own="${polls_on[$p]}" '
        /^cmdstat_/ && $1 !~ /^cmdstat_(config|info|command|cluster)/ { s += $3 } END { print s - own }')
    total_calls=$((total_calls + calls))
    cpu=$(awk -v t=$(($(ticks "${rpids[$i]}") - ${t0s[$i]})) -v c="$cpu_ticks" 'BEGIN { printf "%.0f", 100 * t / c }')
    nparts=0
    for ((k = 0; k < parts; k++)); do [ "${part_port[$k]}" = "$p" ] && nparts=$((nparts + 1)); done
    printf '  node %d (:%s, %2d partitions): %9d commands (%.1f/job), CPU %3s%% of a core\n' \
        "$i" "$p" "$nparts" "$calls" "$(awk -v c="$calls" -v n="$n" 'BEGIN { print c / n }')" "$cpu"
done
printf '  Redis commands per job, all nodes  %8.1f\n' "$(awk -v c="$total_calls" -v n="$n" 'BEGIN { print c / n }')"
min=-1 max=0
for ((k = 0; k < parts; k++)); do
    c=$(redis-cli -p "${part_port[$k]}" zcard "lode:{p$k}:jobs")
    [ "$c" -gt "$max" ] && max=$c
    { [ "$min" -lt 0 ] || [ "$c" -lt "$min" ]; } && min=$c
done
printf '  jobs per partition, max / min      %8s / %s (%.3f)\n' "$max" "$min" \
    "$(awk -v a="$max" -v b="$min" 'BEGIN { if (b == 0) print 0; else print a / b }')"
