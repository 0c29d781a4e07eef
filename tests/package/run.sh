#!/usr/bin/env bash
# The packaging, as far as a CI machine allows without touching the real
# system: `make install` into a DESTDIR and `make uninstall` out of it; the
# .deb built by `make deb` (dpkg-buildpackage), its contents, its binaries
# run from `dpkg -x`, `dpkg -i`, `-r` and `-P` of it into a throwaway root
# (as root only; see dpkg_in_root), lintian (no errors; warnings are explained in
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

# --- dpkg -i / -r / -P into a throwaway root --------------------------------
# dpkg --root=R unpacks under R and chroots into R to run the maintainer
# scripts, so R gets what the debhelper-generated scripts call: /bin/sh (dash),
# perl-base for the real deb-systemd-helper, and stubs for what needs systemd
# as PID 1 (systemctl records its arguments and hands only `preset` -- an
# offline operation -- to the real systemctl; deb-systemd-invoke only
# records). run/systemd/system exists in R so the scripts take their
# "systemd is running" branch. R's dpkg status lists none of the Depends:
# --force-depends. Nothing runs outside R.
deb_paths() { # $want as the .deb has them: units in /lib, man pages and docs gzipped
    local f
    for f in $want; do
        f=${f/usr\/lib\/systemd/lib\/systemd}
        case $f in usr/share/man/* | usr/share/doc/lode/*.md) f="$f.gz" ;; esac
        echo "$f"
    done
}
copy_bin() { # $1 = root, $2 = host binary, $3 = path inside the root
    mkdir -p "$1/$(dirname "$3")"
    cp -L "$2" "$1/$3"
    ldd "$2" | grep -oE '/[^ ]+\.so[^ ]*' | while read -r l; do cp -L --parents "$l" "$1/"; done
}
stub() { # $1 = root, $2 = name, $3 = what to do after recording
    printf '#!/bin/sh\necho "%s $*" >>/var/log/lode-stub.log\n%s\n' "$2" "$3" >"$1/usr/bin/$2"
    chmod 755 "$1/usr/bin/$2"
}
make_root() { # $1 = root
    local r=$1
    mkdir -p "$r"/var/lib/dpkg/{info,updates,triggers,alternatives} "$r"/{bin,usr/bin,usr/sbin,sbin,etc,tmp,var/log,run/systemd/system}
    : >"$r/var/lib/dpkg/status"
    : >"$r/var/lib/dpkg/available"
    # The scripts redirect to /dev/null; a root may mknod it (no mount needed).
    mkdir -p "$r/dev" && mknod -m 666 "$r/dev/null" c 1 3 || return 1
    copy_bin "$r" /usr/bin/dash /bin/sh
    dpkg -L perl-base | while read -r f; do
        [ -f "$f" ] && [ ! -L "$f" ] && cp -L --parents "$f" "$r/" 2>/dev/null
    done
    copy_bin "$r" /usr/bin/perl /usr/bin/perl
    cp /usr/bin/deb-systemd-helper "$r/usr/bin/"
    stub "$r" deb-systemd-invoke "exit 0"
    if [ -x /usr/bin/systemctl ]; then
        copy_bin "$r" /usr/bin/systemctl /usr/bin/systemctl.real
        stub "$r" systemctl 'case " $* " in *" preset "*) exec /usr/bin/systemctl.real "$@" ;; esac'
    else
        stub "$r" systemctl "exit 0"
    fi
    # dpkg wants these on PATH inside the root; the package needs none of them.
    for p in ldconfig start-stop-daemon; do stub "$r" "$p" "exit 0"; done
}
dpkg_in_root() { # $1 = the .deb
    local r="$tmp/root-dpkg" log="$tmp/root-dpkg/var/log/lode-stub.log" st f missing left
    if ! make_root "$r" 2>"$tmp/dpkg.log"; then
        echo "skip dpkg -i/-r/-P into a throwaway root: could not prepare it: $(head -n 1 "$tmp/dpkg.log")"
        return
    fi
    if ! LC_ALL=C dpkg --root="$r" --force-depends -i "$1" >"$tmp/dpkg.log" 2>&1; then
        if grep -qiE 'chroot|operation not permitted' "$tmp/dpkg.log"; then
            echo "skip dpkg -i/-r/-P into a throwaway root: dpkg refused: $(grep -iE 'chroot|permitted' "$tmp/dpkg.log" | head -n 1)"
            return
        fi
        cat "$tmp/dpkg.log"
        bad "dpkg --root -i"
        return
    fi
    ok "dpkg --root=R --force-depends -i the .deb"
    missing=""
    for f in $(deb_paths); do
        [ -e "$r/$f" ] || missing="$missing $f"
    done
    [ -z "$missing" ] && ok "dpkg -i puts every file in place under R" || bad "dpkg -i: missing under R:$missing"
    st=$(LC_ALL=C dpkg --root="$r" -s lode 2>/dev/null | sed -n 's/^Status: //p')
    [ "$st" = "install ok installed" ] && ok "dpkg --root=R -s lode: $st" || bad "dpkg -s after -i: '$st'"
    grep -qx "systemctl --system daemon-reload" "$log" && ok "postinst ran systemctl daemon-reload" ||
        bad "postinst: no daemon-reload in $(cat "$log" 2>/dev/null)"
    grep -qx "deb-systemd-invoke start lode-broker.service lode-web.service" "$log" &&
        ok "postinst started lode-broker and lode-web (deb-systemd-invoke)" || bad "postinst: no start in $(cat "$log")"
    grep -q "^systemctl .*preset lode-broker.service" "$log" && grep -q "^systemctl .*preset lode-web.service" "$log" &&
        ok "postinst enabled lode-broker and lode-web (systemctl preset)" ||
        bad "postinst: no preset in $(cat "$log")"
    [ -f "$r/var/lib/systemd/deb-systemd-helper-enabled/lode-broker.service.dsh-also" ] &&
        ok "deb-systemd-helper recorded lode-broker as enabled" || bad "no deb-systemd-helper state for lode-broker"
    if [ -x /usr/bin/systemctl ]; then
        [ -L "$r/etc/systemd/system/multi-user.target.wants/lode-broker.service" ] &&
            [ -L "$r/etc/systemd/system/multi-user.target.wants/lode-web.service" ] &&
            ok "lode-broker and lode-web linked into multi-user.target.wants" || bad "no multi-user.target.wants links"
    fi
    : >"$log"
    if LC_ALL=C dpkg --root="$r" -r lode >"$tmp/dpkg.log" 2>&1; then ok "dpkg --root=R -r lode"; else cat "$tmp/dpkg.log"; bad "dpkg -r"; fi
    left=""
    for f in $(deb_paths); do
        [ -e "$r/$f" ] && left="$left $f"
    done
    [ -z "$left" ] && ok "dpkg -r removes the files" || bad "dpkg -r left:$left"
    grep -qx "deb-systemd-invoke stop lode-broker.service lode-web.service" "$log" &&
        ok "prerm stopped lode-broker and lode-web" || bad "prerm: no stop in $(cat "$log")"
    grep -qx "systemctl --system daemon-reload" "$log" && ok "postrm ran daemon-reload" || bad "postrm: no daemon-reload"
    st=$(LC_ALL=C dpkg --root="$r" -s lode 2>/dev/null | sed -n 's/^Status: //p')
    [ "$st" = "deinstall ok config-files" ] && ok "after -r: $st" || bad "after -r: status '$st'"
    [ -f "$r/var/lib/systemd/deb-systemd-helper-enabled/lode-broker.service.dsh-also" ] &&
        ok "after -r: the enable state is kept (for a reinstall)" || bad "after -r: enable state gone"
    if LC_ALL=C dpkg --root="$r" -P lode >"$tmp/dpkg.log" 2>&1; then ok "dpkg --root=R -P lode"; else cat "$tmp/dpkg.log"; bad "dpkg -P"; fi
    st=$(LC_ALL=C dpkg --root="$r" -s lode 2>&1 | head -n 1)
    case $st in *"not installed"*) ok "after -P: dpkg -s says not installed" ;; *) bad "after -P: $st" ;; esac
    left=$(cd "$r" && find etc/systemd var/lib/systemd lib/systemd usr/share/lode usr/share/doc/lode usr/bin/lode* \
        var/lib/dpkg/info/lode.* -not -type d 2>/dev/null)
    [ -z "$left" ] && ok "after -P: nothing of lode is left under R" || bad "after -P left: $left"
}

# --- the .deb ------------------------------------------------------------------
if ! command -v dpkg-buildpackage >/dev/null || ! dpkg-query -W debhelper >/dev/null 2>&1; then
    echo "skip the .deb: dpkg-buildpackage or debhelper missing (deploy/deps.sh installs them)"
else
    if make -s BUILD="$tmp/d" deb >"$tmp/deb.log" 2>&1; then ok "make deb"; else tail -n 40 "$tmp/deb.log"; bad "make deb"; fi
    deb=$(ls "$tmp"/d/deb/lode_*.deb 2>/dev/null | head -n 1)
    if [ -n "$deb" ]; then
        dpkg-deb -c "$deb" >"$tmp/list"
        missing=""
        for f in $(deb_paths); do
            grep -q " \./$f\( \|$\)" "$tmp/list" || missing="$missing $f"
        done
        [ -z "$missing" ] && ok "the .deb holds every file" || bad "the .deb lacks$missing"
        dpkg-deb -x "$deb" "$tmp/x"
        check "the packaged lode-broker runs" "$tmp/x/usr/bin/lode-broker" --version
        check "the packaged lode-worker runs" "$tmp/x/usr/bin/lode-worker" --version
        check "the packaged lode runs" "$tmp/x/usr/bin/lode" --version
        dpkg-deb -f "$deb" Depends | grep -q libczmq && ok "Depends has the shared libraries" ||
            bad "Depends: $(dpkg-deb -f "$deb" Depends)"
        if [ "$(id -u)" = 0 ]; then dpkg_in_root "$deb"; else echo "skip dpkg -i/-r/-P into a throwaway root: needs root (dpkg chroots to run the maintainer scripts)"; fi
        if [ -f "$tmp/d/deb/lintian.txt" ]; then
            grep -E '^E: ' "$tmp/d/deb/lintian.txt" && bad "lintian errors" || ok "lintian: no errors"
            grep -E '^W: ' "$tmp/d/deb/lintian.txt" || true
        fi
    fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
