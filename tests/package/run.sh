#!/usr/bin/env bash
# The packaging, as far as a CI machine allows without touching the real
# system: `make install` into a DESTDIR and `make uninstall` out of it; the
# .deb built by `make deb` (dpkg-buildpackage), its contents, its binaries
# run from `dpkg -x`, lintian (no errors; warnings are explained in
# docs/packaging.md); the units' `systemd-analyze security` score below 2.5;
# the completion scripts parse. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
build=${1:-build}
tmp=$(mktemp -d /tmp/lode-pkg-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { # $1 = what, rest = command
    local what=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then ok "$what"; else cat "$tmp/out"; bad "$what"; fi
}

# --- make install / uninstall ---------------------------------------------
want="usr/bin/lode usr/bin/lode-broker usr/bin/lode-worker usr/share/man/man1/lode.1
usr/share/man/man8/lode-broker.8 usr/share/man/man8/lode-worker.8 usr/share/man/man8/lode-web.8
usr/share/bash-completion/completions/lode usr/share/bash-completion/completions/lode-worker
usr/share/zsh/vendor-completions/_lode usr/lib/systemd/system/lode-broker.service
usr/lib/systemd/system/lode-worker@.service usr/share/lode/prompts/snippet.md
usr/share/doc/lode/config.md usr/share/doc/lode/grafana/lode.json"
# A build dir of its own: PREFIX=/usr is compiled into the prompts path.
if make -s BUILD="$tmp/b" install DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/out" 2>&1; then
    missing=""
    for f in $want; do [ -e "$tmp/root/$f" ] || missing="$missing $f"; done
    [ -z "$missing" ] && ok "make install puts every file in place" || bad "make install: missing$missing"
    grep -q '^ExecStart=/usr/bin/lode-broker ' "$tmp/root/usr/lib/systemd/system/lode-broker.service" &&
        ok "installed units run the binaries of the PREFIX" || bad "unit ExecStart path"
    check "man pages render" man -l "$tmp/root/usr/share/man/man8/lode-broker.8"
    make -s BUILD="$tmp/b" uninstall DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/out" 2>&1
    left=$(find "$tmp/root" -type f -o -type l)
    [ -z "$left" ] && ok "make uninstall removes all of it" || bad "make uninstall left: $left"
else
    cat "$tmp/out"
    bad "make install"
fi

# --- completion -------------------------------------------------------------
check "bash completion parses" bash -n deploy/completion/lode.bash
if command -v zsh >/dev/null; then check "zsh completion parses" zsh -n deploy/completion/_lode; fi

# --- systemd-analyze security ------------------------------------------------
if command -v systemd-analyze >/dev/null; then
    for u in deploy/lode-broker.service deploy/lode-worker@.service deploy/lode-web.service; do
        cp "$u" "$tmp/"
        score=$(cd "$tmp" && systemd-analyze security --offline=true "$(basename "$u")" 2>/dev/null |
            sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+).*/\1/p')
        echo "     $(basename "$u"): exposure $score"
        awk -v s="${score:-99}" 'BEGIN { exit !(s < 2.5) }' && ok "$(basename "$u") scores below 2.5" ||
            bad "$(basename "$u") scores ${score:-nothing}"
    done
fi

# --- the .deb ------------------------------------------------------------------
if ! command -v dpkg-buildpackage >/dev/null || ! dpkg-query -W debhelper >/dev/null 2>&1; then
    echo "skip the .deb: dpkg-buildpackage or debhelper missing (deploy/deps.sh installs them)"
else
    if make -s BUILD="$tmp/d" deb >"$tmp/deb.log" 2>&1; then ok "make deb"; else tail -n 40 "$tmp/deb.log"; bad "make deb"; fi
    deb=$(ls "$tmp"/d/deb/lode_*.deb 2>/dev/null | head -n 1)
    if [ -n "$deb" ]; then
        dpkg-deb -c "$deb" >"$tmp/list"
        missing=""
        for f in $want; do
            f=${f/usr\/lib\/systemd/lib\/systemd}
            case $f in usr/share/man/* | usr/share/doc/lode/*.md) f="$f.gz" ;; esac
            grep -q " \./$f\( \|$\)" "$tmp/list" || missing="$missing $f"
        done
        [ -z "$missing" ] && ok "the .deb holds every file" || bad "the .deb lacks$missing"
        dpkg-deb -x "$deb" "$tmp/x"
        check "the packaged lode-broker runs" "$tmp/x/usr/bin/lode-broker" --version
        check "the packaged lode-worker runs" "$tmp/x/usr/bin/lode-worker" --version
        check "the packaged lode runs" "$tmp/x/usr/bin/lode" --version
        dpkg-deb -f "$deb" Depends | grep -q libczmq && ok "Depends has the shared libraries" ||
            bad "Depends: $(dpkg-deb -f "$deb" Depends)"
        if [ -f "$tmp/d/deb/lintian.txt" ]; then
            grep -E '^E: ' "$tmp/d/deb/lintian.txt" && bad "lintian errors" || ok "lintian: no errors"
            grep -E '^W: ' "$tmp/d/deb/lintian.txt" || true
        fi
    fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
