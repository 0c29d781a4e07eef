#!/usr/bin/env bash
# Build and run the HTTP layer benchmark: one http_t, 10,000 jobs against a
# loopback server that answers each after 1 s; prints jobs/s and peak RSS.
# The Makefile's bench rule does not link tests/helpers, so this script
# compiles what it needs itself.
# Usage: bench/http/run.sh [BUILD_DIR] [bench_http options]
set -eu
build=${1:-build}
shift || true
out="$build/bench/http"
mkdir -p "$out"
pkgs="libczmq libzmq libcurl"
# shellcheck disable=SC2046
cc -std=gnu11 -O2 -g -Wall -Wextra -Icommon -Icommon/net -Itests/helpers $(pkg-config --cflags $pkgs) \
    bench/http/bench_http.c tests/helpers/misbehave.c common/net/http*.c common/buf.c \
    common/err.c common/mem.c common/utf8.c $(pkg-config --libs $pkgs) -o "$out/bench_http"
"$out/bench_http" "$@"
