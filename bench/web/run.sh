#!/usr/bin/env bash
# The workbench's figures (issue #13): document page render (27,000 words,
# 60 snippets), library page with 100,000 documents, curation round trip
# under 20 concurrent editors, RSS of `lode web` over 10,000 requests.
# Starts its own redis-server and broker on loopback (tests/helpers).
# Usage: bench/web/run.sh [BUILD_DIR] [bench_web options: -n -r -e -k -q]
set -eu
build=${1:-build}
shift || true
make -s BUILD="$build" all "$build/bench/web/bench_web"
LODE_BUILD="$build" "$build/bench/web/bench_web" "$@"
