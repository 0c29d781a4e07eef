#!/usr/bin/env bash
# Install what Lode needs to build, run and test on Debian 12, if missing
# (debhelper, scdoc, lintian, zsh: the man pages, `make deb` and its test).
set -euo pipefail
pkgs=(build-essential pkg-config redis-server redis-tools libczmq-dev libzmq3-dev libsodium-dev libhiredis-dev libzstd-dev
      libmsgpack-dev libcurl4-openssl-dev libjansson-dev libcmocka-dev libxml2-dev
      libmicrohttpd-dev libutf8proc-dev libstemmer-dev libcmark-dev libsystemd-dev clang-format curl
      iproute2 chromium chromium-driver python3-selenium debhelper scdoc lintian zsh)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
