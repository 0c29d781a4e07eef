#!/usr/bin/env bash
# Build and run the quote verification benchmark: 1,000 candidate quotes
# (exact, case, curly quotes, white space, one word changed, fillers dropped,
# fabricated) against a ~20,000-word transcript; ms total, counts per kind.
# Usage: bench/quote/run.sh [BUILD_DIR] [bench_quote options]
set -eu
build=${1:-build}
shift || true
make -s BUILD="$build" "$build/bench/quote/bench_quote"
"$build/bench/quote/bench_quote" "$@"
