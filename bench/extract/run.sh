#!/usr/bin/env bash
# Build and run the extractive engine benchmark: a ~10,000-word timed
# transcript through snippets, synthesis and fan-out, ms per stage.
# Usage: bench/extract/run.sh [BUILD_DIR] [bench_extract options]
set -eu
build=${1:-build}
shift || true
make -s BUILD="$build" "$build/bench/extract/bench_extract"
"$build/bench/extract/bench_extract" --runs 31 "$@"
