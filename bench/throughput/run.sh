#!/usr/bin/env bash
# Cluster throughput, Lode against BullMQ, on one redis-server with
# appendonly yes + appendfsync everysec (every transition persisted).
#
#   bench/throughput/run.sh [BUILD] [N]          (defaults: build, 100000)
#
# 1. Lode: lode-broker and four `lode-worker --engine noop --threads 1` (one
#    per stage; noop runs nothing on job threads); N tiny jobs submitted in
#    chunks of 9,999 items per `lode submit`, timed from the first submit to
#    the last job done (HMGET lode:stats done failed).
#    Broker, Redis and worker CPU from /proc/PID/stat; Redis commands per
#    job from INFO commandstats (CONFIG RESETSTAT first; the benchmark's own
#    polls are taken off). Every command Redis ran counts, including those a
#    Lua script runs.
# 2. Lode latency: jobs submitted paced at half the measured peak for
#    LAT_SECONDS; submit-to-done = finished_ms - created_ms of up to
#    LAT_SAMPLE jobs (HMGET through redis-cli), p50 and p99.
# 3. BullMQ (npm bullmq, installed into a throwaway directory), same
#    redis-server, prefix "bullbench": four queues in sequence, no-op
#    processors, one Worker per stage in its own node process, jobs added
#    with removeOnComplete; the same figures, and latency at half its peak.
# 4. Flat memory: a fresh broker without workers; its VmRSS with 10,000 and
#    with RSS_BIG (1,000,000) jobs waiting in Redis (AOF off for this part
#    only: it writes nothing the figure depends on), and the peak RSS of one
#    9,999-item `lode submit`.
# Prints one table, then the targets (Lode >= 5x BullMQ jobs/s, <= 20 Redis
# commands per job, Redis saturates before the broker, RSS growth <= 1.1x).
#
# Environment: CONC (Lode credits per worker, default 256), BULL_CONC (BullMQ
# Worker concurrency, default 256: its best of 16..1024 on 2 cores),
# BULLMQ_VERSION (npm version or tag, default latest), LAT_SECONDS (10),
# LAT_SAMPLE (10000), RSS_BIG (1000000; 0 skips part 4), SKIP_BULLMQ=1,
# TIMEOUT (s per run, 1800), STRICT=1 (exit 1 when a target is missed).
# Loopback only; stops everything it started.
set -euo pipefail
build=${1:-build}
n=${2:-100000}
conc=${CONC:-256}
bull_conc=${BULL_CONC:-256}
bull_version=${BULLMQ_VERSION:-latest} # bullmq 6 wants ioredis installed beside it
lat_seconds=${LAT_SECONDS:-10}
lat_sample=${LAT_SAMPLE:-10000}
rss_big=${RSS_BIG:-1000000}
chunk=9999
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$build/bin/lode-worker" ]; then # one command: build what is missing
    make -s -C "$here/../.." BUILD="$build" all >&2
fi
bin=$(cd "$build/bin" && pwd)
. "$here/../lib.sh" # bench_init, say, die, now, ticks, start_redis, start_lode, free_port
bench_init throughput /tmp/lode-throughput.XXXXXX
sum_ticks() { local s=0 p; for p in "$@"; do s=$((s + $(ticks "$p"))); done; echo "$s"; }
cpu_all() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
busy_pct() { # $1, $2 = cpu_all before and after: share of all cores busy
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ")
        if (y[2] == x[2]) print 0; else printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
rcli() { redis-cli -p "$rport" "$@"; }
# Calls since the last CONFIG RESETSTAT, less the benchmark's own (config,
# info) and less $1 more of them (polls).
redis_calls() {
    rcli info commandstats | tr -d '\r' | awk -F'[:=,]' -v own="$1" '
        /^cmdstat_/ && $1 !~ /^cmdstat_(config|info|command)/ { s += $3 }
        END { print s - own }'
}
top_commands() { # $1 = jobs, $2 = how many (5): the commands Redis ran most, per job
    rcli info commandstats | tr -d '\r' | awk -F'[:=,]' '
        /^cmdstat_/ && $1 !~ /^cmdstat_(config|info|command)/ { sub("cmdstat_", "", $1); print $3, $1 }' |
        sort -rn | head -n "${2:-5}" | awk -v n="$1" '{ printf "%s %.2f, ", $2, $1 / n }' | sed 's/, $//'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print 0; else printf "%.0f", 100 * a / b }'; }
wait_ready() { # $1 = file, $2 = what
    for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done
    die "$2 not ready after 30 s"
}

# ------------------------------------------------------------ redis-server
start_redis yes
redis_version=$(rcli info server | tr -d '\r' | awk -F: '/^redis_version/ {print $2}')
export LODE_REDIS="redis://127.0.0.1:$rport"
bport=$(free_port)
export LODE_BROKER="tcp://127.0.0.1:$bport"
unset LODE_PREFIX LODE_CURVE_CERT LODE_CURVE_SERVER LODE_CURVE_ALLOW

# Inputs: one tiny text file, named 9,999 times per submit.
printf 'A short note for the noop engine.\n' >"$dir/job.txt"
chunk_args=()
for ((i = 0; i < chunk; i++)); do chunk_args+=("$dir/job.txt"); done
submit_n() { # $1 = jobs: in chunks of <= 9,999; ids appended to $2
    local left=$1
    while [ "$left" -gt 0 ]; do
        local m=$((left < chunk ? left : chunk))
        "$bin/lode" submit "${chunk_args[@]:0:m}" >>"$2" 2>>"$dir/submit.log" ||
            die "lode submit of $m jobs failed"
        left=$((left - m))
    done
}
stats_done() { # done + failed in lode:stats
    rcli hmget lode:stats "done" failed | awk '{ s += $1 } END { print s + 0 }'
}
wait_lode() { # $1 = done+failed count to reach; sets polls
    local deadline=$((SECONDS + ${TIMEOUT:-1800})) d
    while :; do
        d=$(stats_done)
        polls=$((polls + 1))
        [ "$d" -ge "$1" ] && return 0
        [ "$SECONDS" -ge "$deadline" ] && die "Lode timed out at $d/$1 jobs"
        sleep 0.05
    done
}

stop_pids() { local p; for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }

# ------------------------------------------------------------ 1. Lode peak
say "Lode: $n jobs, 4 noop workers x $conc credits"
start_lode 1
base=$(stats_done)
rcli config resetstat >/dev/null
polls=0
r0=$(ticks "$redis") b0=$(ticks "$broker") w0=$(sum_ticks "${workers[@]}")
m0=$(cpu_all)
load0=$(cut -d' ' -f1 /proc/loadavg)
t0=$(now)
submit_n "$n" "$dir/ids-peak"
t_sub=$(now)
done_at_sub=$(($(stats_done) - base))
polls=$((polls + 1))
wait_lode $((base + n))
t1=$(now)
r1=$(ticks "$redis") b1=$(ticks "$broker") w1=$(sum_ticks "${workers[@]}")
l_busy=$(busy_pct "$m0" "$(cpu_all)")
l_calls=$(redis_calls "$polls")
l_top=$(top_commands "$n")
l_all=$(top_commands "$n" 100)
l_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
l_sub=$(awk -v a="$t0" -v b="$t_sub" 'BEGIN { print b - a }')
l_rate=$(awk -v n="$n" -v w="$l_wall" 'BEGIN { printf "%.0f", n / w }')
l_drain=$(awk -v n="$n" -v d="$done_at_sub" -v a="$t_sub" -v b="$t1" \
    'BEGIN { if (b > a && n > d) printf "%.0f", (n - d) / (b - a); else print "-" }')
l_cpu_ticks=$(awk -v w="$l_wall" -v hz="$hz" 'BEGIN { print w * hz }')
l_redis_cpu=$(pct $((r1 - r0)) "$l_cpu_ticks")
l_broker_cpu=$(pct $((b1 - b0)) "$l_cpu_ticks")
l_worker_cpu=$(pct $((w1 - w0)) "$l_cpu_ticks")
l_cpj=$(awk -v c="$l_calls" -v n="$n" 'BEGIN { printf "%.1f", c / n }')
l_failed=$(rcli hget lode:stats failed)
say "Lode: $l_rate jobs/s, $l_cpj Redis commands/job"

# ------------------------------------------------------------ latency helper
# Paced submission: never ahead of RATE jobs/s, in chunks of about 1/20 s.
submit_paced() { # $1 = jobs, $2 = rate, $3 = ids file
    local total=$1 rate=$2 sent=0 start due m step
    step=$(((rate + 19) / 20))
    start=$(now)
    while [ "$sent" -lt "$total" ]; do
        due=$(awk -v s="$start" -v t="$(now)" -v r="$rate" 'BEGIN { printf "%d", (t - s) * r }')
        if [ "$due" -le "$sent" ]; then sleep 0.01; continue; fi
        m=$((due - sent))
        [ "$m" -gt "$step" ] && m=$step
        [ $((sent + m)) -gt "$total" ] && m=$((total - sent))
        "$bin/lode" submit "${chunk_args[@]:0:m}" >>"$3" 2>>"$dir/submit.log" ||
            die "lode submit failed"
        sent=$((sent + m))
    done
}
# p50 and p99 of finished_ms - created_ms over up to LAT_SAMPLE of the ids.
lode_latency() { # $1 = ids file
    shuf -n "$lat_sample" "$1" | awk '{ print "HMGET lode:job:" $1 " created_ms finished_ms" }' |
        rcli | paste - - | awk '$2 > 0 { print $2 - $1 }' | sort -n |
        awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "- -"; exit }
            i50 = int(0.50 * NR); if (i50 < 1) i50 = 1
            i99 = int(0.99 * NR); if (i99 < 1) i99 = 1
            print v[i50], v[i99] }'
}

# ------------------------------------------------------------ 2. Lode latency
l_half=$((l_rate / 2))
[ "$l_half" -lt 1 ] && l_half=1
l_lat_n=$((l_half * lat_seconds))
[ "$l_lat_n" -gt "$n" ] && l_lat_n=$n
say "Lode: latency at $l_half jobs/s ($l_lat_n jobs)"
base=$(stats_done)
submit_paced "$l_lat_n" "$l_half" "$dir/ids-lat"
wait_lode $((base + l_lat_n))
read -r l_p50 l_p99 < <(lode_latency "$dir/ids-lat")
stop_pids "${workers[@]}" "$broker"

# ------------------------------------------------------------ 3. BullMQ
b_rate="" b_ver="-"
if [ "${SKIP_BULLMQ:-0}" != 1 ]; then
    command -v node >/dev/null && command -v npm >/dev/null ||
        die "BullMQ needs node and npm (apt-get install nodejs npm), or SKIP_BULLMQ=1"
    say "BullMQ: npm install bullmq into a throwaway directory"
    nm="$dir/bullmq"
    mkdir -p "$nm"
    (cd "$nm" && npm init -y >/dev/null 2>&1 &&
        npm install --no-audit --no-fund --loglevel=error "bullmq@$bull_version" ioredis \
            >"$dir/npm.log" 2>&1) ||
        die "npm install bullmq failed (see $dir/npm.log)"
    b_ver=$(cd "$nm" && node -p 'require("bullmq/package.json").version')
    # One BullMQ round: $1 = jobs, $2 = rate (0 = as fast as it goes). Sets
    # b_wall b_sub b_p50 b_p99 b_node_ticks b_redis_ticks.
    bull_round() {
        local out="$dir/bull-$1-$2" k bw=() prod
        rm -rf "$out"
        mkdir -p "$out"
        for k in 0 1 2 3; do
            (cd "$nm" && exec node "$here/bullmq.mjs" worker "$k" --port "$rport" --n "$1" \
                --concurrency "$bull_conc" --out "$out") 2>>"$dir/bullmq.log" &
            bw+=("$!")
            pids+=("$!")
        done
        for k in 0 1 2 3; do wait_ready "$out/ready-$k" "BullMQ worker $k"; done
        rcli config resetstat >/dev/null
        local r0n n0
        r0n=$(ticks "$redis")
        n0=$(sum_ticks "${bw[@]}")
        local m0b
        m0b=$(cpu_all)
        (cd "$nm" && exec node "$here/bullmq.mjs" producer --port "$rport" --n "$1" --rate "$2" \
            --out "$out") 2>>"$dir/bullmq.log" &
        prod=$!
        pids+=("$prod")
        local deadline=$((SECONDS + ${TIMEOUT:-1800})) nt=0
        while [ ! -s "$out/done.json" ]; do
            nt=$(($(sum_ticks "${bw[@]}" "$prod") - n0))
            b_redis_ticks=$(($(ticks "$redis") - r0n))
            b_node_ticks=$nt
            [ "$SECONDS" -ge "$deadline" ] && die "BullMQ timed out"
            kill -0 "${bw[3]}" 2>/dev/null || [ -s "$out/done.json" ] || die "BullMQ last stage died"
            sleep 0.05
        done
        b_busy=$(busy_pct "$m0b" "$(cpu_all)")
        wait "$prod" 2>/dev/null || true
        b_calls=$(redis_calls 0)
        b_top=$(top_commands "$1")
        eval "$(node -e '
            const p = require(process.argv[1]), d = require(process.argv[2]);
            console.log(`b_wall=${(d.t_done_ms - p.t0_ms) / 1000} b_sub=${(p.t_added_ms - p.t0_ms) / 1000}`);
            console.log(`b_p50=${d.p50_ms} b_p99=${d.p99_ms}`);' "$out/producer.json" "$out/done.json")"
        stop_pids "${bw[@]}"
        rcli --scan --pattern 'bullbench:*' | xargs -r -n 1000 redis-cli -p "$rport" del >/dev/null
    }
    say "BullMQ $b_ver: $n jobs, 4 stages, one Worker per stage x $bull_conc"
    bull_round "$n" 0
    b_rate=$(awk -v n="$n" -v w="$b_wall" 'BEGIN { printf "%.0f", n / w }')
    b_cpu_ticks=$(awk -v w="$b_wall" -v hz="$hz" 'BEGIN { print w * hz }')
    b_redis_cpu=$(pct "$b_redis_ticks" "$b_cpu_ticks")
    b_node_cpu=$(pct "$b_node_ticks" "$b_cpu_ticks")
    b_cpj=$(awk -v c="$b_calls" -v n="$n" 'BEGIN { printf "%.1f", c / n }')
    b_peak_sub=$b_sub b_peak_wall=$b_wall b_peak_top=$b_top b_peak_busy=$b_busy
    say "BullMQ: $b_rate jobs/s, $b_cpj Redis commands/job"
    b_half=$((b_rate / 2))
    [ "$b_half" -lt 1 ] && b_half=1
    b_lat_n=$((b_half * lat_seconds))
    [ "$b_lat_n" -gt "$n" ] && b_lat_n=$n
    say "BullMQ: latency at $b_half jobs/s ($b_lat_n jobs)"
    bull_round "$b_lat_n" "$b_half"
fi

# ------------------------------------------------------------ 4. flat memory
rss_small="" rss_large=""
if [ "$rss_big" -gt 0 ]; then
    say "flat memory: broker RSS with 10,000 and $rss_big jobs waiting (no workers)"
    rcli config set appendonly no >/dev/null
    rcli flushall >/dev/null
    start_lode 0
    rss_start=$(rss_kb "$broker")
    submit_n 10000 /dev/null
    sleep 1
    rss_small=$(rss_kb "$broker")
    rss_curve="10000:$((rss_small / 1024))"
    client_kb=$(/usr/bin/time -f %M "$bin/lode" submit "${chunk_args[@]}" 2>&1 >/dev/null | tail -n 1)
    have=$((10000 + chunk))
    for mark in 30000 100000 300000 1000000 3000000 10000000; do
        [ "$mark" -lt "$rss_big" ] || mark=$rss_big
        [ "$mark" -gt "$have" ] && submit_n $((mark - have)) /dev/null
        have=$((have > mark ? have : mark))
        sleep 0.5
        rss_large=$(rss_kb "$broker")
        rss_curve="$rss_curve $have:$((rss_large / 1024))"
        [ "$mark" -ge "$rss_big" ] && break
    done
    waiting=$(rcli llen lode:queue:fetch)
    [ "$waiting" -ge "$rss_big" ] || die "only $waiting jobs waiting, wanted $rss_big"
    stop_pids "$broker"
fi

# ------------------------------------------------------------ the table
cores=$(nproc)
{
    echo
    echo "throughput: $n jobs x 4 stages, noop engine, redis-server $redis_version (appendonly yes, appendfsync everysec), $cores cores"
    echo "  (load average at the start: $load0; other work on the machine skews every figure)"
    printf '  %-40s %14s %14s\n' "" "Lode" "BullMQ $b_ver"
    row() { printf '  %-40s %14s %14s\n' "$1" "$2" "${3:--}"; }
    row "end to end, jobs/s" "$l_rate" "$b_rate"
    row "  once all are submitted, jobs/s" "$l_drain" ""
    row "stage runs/s" "$((l_rate * 4))" "${b_rate:+$((b_rate * 4))}"
    row "wall time, s" "$(printf %.1f "$l_wall")" "${b_rate:+$(printf %.1f "$b_peak_wall")}"
    row "  of which submitting/adding, s" "$(printf %.1f "$l_sub")" "${b_rate:+$(printf %.1f "$b_peak_sub")}"
    row "Redis commands per job" "$l_cpj" "${b_cpj:-}"
    row "Redis CPU, % of one core" "$l_redis_cpu" "${b_redis_cpu:-}"
    row "broker CPU, % of one core" "$l_broker_cpu" "n/a"
    row "workers' CPU, % of one core (all four)" "$l_worker_cpu" "${b_node_cpu:-}"
    row "machine busy, % of all $cores cores" "$l_busy" "${b_peak_busy:-}"
    row "latency at half peak, p50 ms" "$l_p50" "${b_rate:+$b_p50}"
    row "latency at half peak, p99 ms" "$l_p99" "${b_rate:+$b_p99}"
    row "  (half peak, jobs/s; jobs)" "$l_half; $l_lat_n" "${b_rate:+$b_half; $b_lat_n}"
    [ "$l_failed" = "" ] || [ "$l_failed" = 0 ] || echo "  Lode failed jobs: $l_failed"
    echo "  Lode Redis commands per job, top 5: $l_top"
    echo "  Lode Redis commands per job, all: $l_all"
    [ -n "$b_rate" ] && echo "  BullMQ Redis commands per job, top 5: $b_peak_top"
    if [ -n "$rss_large" ]; then
        echo "  broker RSS: $((rss_start / 1024)) MB idle, $((rss_small / 1024)) MB with 10,000 jobs waiting," \
            "$((rss_large / 1024)) MB with $rss_big waiting ($(awk -v a="$rss_small" -v b="$rss_large" \
            'BEGIN { printf "%.2f", b / a }')x)"
        echo "  broker RSS by jobs waiting (jobs:MB): $rss_curve"
        echo "  client peak RSS for one $chunk-item lode submit: $((client_kb / 1024)) MB"
    fi
    echo "targets:"
    miss=0
    target() { # $1 = met (0/1), $2 = text
        if [ "$1" = 1 ]; then echo "  met     $2"; else echo "  MISSED  $2"; miss=1; fi
    }
    if [ -n "$b_rate" ]; then
        ratio=$(awk -v a="$l_rate" -v b="$b_rate" 'BEGIN { printf "%.2f", a / b }')
        target "$(awk -v r="$ratio" 'BEGIN { print (r >= 5) }')" "Lode jobs/s >= 5x BullMQ's: ${ratio}x"
    fi
    target "$(awk -v c="$l_cpj" 'BEGIN { print (c <= 20) }')" "<= 20 Redis commands per job: $l_cpj"
    target "$(awk -v r="$l_redis_cpu" -v b="$l_broker_cpu" 'BEGIN { print (r > b) }')" \
        "Redis saturates before the broker: Redis ${l_redis_cpu}% vs broker ${l_broker_cpu}% of a core"
    if [ -n "$rss_large" ]; then
        target "$(awk -v a="$rss_small" -v b="$rss_large" 'BEGIN { print (b <= 1.1 * a) }')" \
            "broker RSS growth 10,000 -> $rss_big waiting <= 1.1x"
    fi
}
[ "${STRICT:-0}" = 1 ] && [ "$miss" = 1 ] && exit 1
exit 0
