#!/usr/bin/env bash
# The library's search and pages at 100,000 documents on one partition and
# on eight (issue #13): indexing rate, library page, searches through the
# index. Starts its own redis-server and broker on loopback.
# Usage: bench/web/search.sh [BUILD_DIR] [bench_search options: -n DOCS -r RENDERS]
set -eu
build=${1:-build}
shift || true
make -s BUILD="$build" all "$build/bench/web/bench_search"
LODE_BUILD="$build" "$build/bench/web/bench_search" "$@"
