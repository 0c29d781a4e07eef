#!/usr/bin/env bash
# Install clang (libFuzzer ships in its runtime) if missing, as deploy/deps.sh does.
set -euo pipefail
command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1 && exit 0
echo "fuzz: installing clang"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends clang >/dev/null
