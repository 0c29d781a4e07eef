#!/usr/bin/env bash
# The stored parts of every job when a build mines the given files through
# the whole cluster (real Redis, broker and one worker per stage), one
# directory per file under OUT: source, transcript, snippets, synthesis,
# fanout, decompressed. Two builds' OUT directories compare with diff -r:
# that is how a change to the pipeline shows it stores the same bytes.
# Loopback only; stops everything it started.
#   bench/pipeline/parts.sh BUILD OUT FILE...
set -euo pipefail
build=$1 out=$2
shift 2
bin="$build/bin"
. "$(dirname "$0")/../lib.sh"
bench_init parts /tmp/lode-parts.XXXXXX
start_redis no
bport=$(free_port)
export LODE_REDIS="redis://127.0.0.1:$rport" LODE_BROKER="tcp://127.0.0.1:$bport"
start_lode 1 extractive
# The broker may not have reached Redis yet on a loaded machine: try again.
for try in 1 2 3 4 5; do
    "$bin/lode" submit --name parts "$@" >/dev/null 2>"$dir/submit.err" && break
    [ "$try" -eq 5 ] && { cat "$dir/submit.err" >&2; exit 1; }
    sleep 1
done
deadline=$((SECONDS + 300))
while :; do
    left=$(redis-cli -p "$rport" hmget lode:stats done failed | awk '{s += $1} END {print s}')
    [ "${left:-0}" -ge "$#" ] && break
    [ "$SECONDS" -ge "$deadline" ] && { echo "parts: timed out" >&2; exit 1; }
    sleep 0.1
done
mkdir -p "$out"
batch=$(redis-cli -p "$rport" --raw keys 'lode:batch:*:jobs' | head -1)
i=0
for id in $(redis-cli -p "$rport" --raw lrange "$batch" 0 -1); do
    i=$((i + 1))
    mkdir -p "$out/$i"
    redis-cli -p "$rport" --raw hmget "lode:job:$id" state error >"$out/$i/state"
    for part in source transcript snippets synthesis fanout; do
        redis-cli -p "$rport" --raw get "lode:job:$id:$part" | head -c -1 >"$dir/p"
        if [ "$(head -c 4 "$dir/p" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]; then
            zstd -qdc "$dir/p" >"$out/$i/$part"
        else
            cp "$dir/p" "$out/$i/$part"
        fi
    done
done
echo "parts: $i jobs into $out"
