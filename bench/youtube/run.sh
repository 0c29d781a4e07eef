#!/usr/bin/env bash
# Build and run the caption body benchmark: a generated one-hour ASR track
# parsed as json3, srv3 and srv1, MB/s per format.
# Usage: bench/youtube/run.sh [BUILD_DIR] [bench_json3 options]
set -eu
build=${1:-build}
shift || true
make -s BUILD="$build" "$build/bench/youtube/bench_json3"
"$build/bench/youtube/bench_json3" --runs 31 "$@"
