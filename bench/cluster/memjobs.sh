#!/usr/bin/env bash
# Redis memory of mined jobs, measured (not extrapolated): bytes per job raw
# and zstd-compressed for seeds/000 (the 2,217-word talk) and a generated
# 3-hour podcast transcript (WebVTT, ~27,000 words of the news set's article
# bodies from ../shared/bench, read in place), then used_memory for N talk
# jobs written under distinct ids through the store API. See memjobs.c.
#
#   bench/cluster/memjobs.sh [BUILD] [N] [PODCAST_WORDS]   (build, 100000, 27000)
#
# Needs about 9 GB of free RAM for N=100,000 (raw parts; FLUSHALL between
# the two modes).
set -euo pipefail
build=${1:-build}
n=${2:-100000}
words=${3:-27000}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make -s BUILD="$build" all "$build/bench/cluster/memjobs" >&2
LODE_BUILD="$build" "$build/bench/cluster/memjobs" "$n" "$words"
