#!/usr/bin/env bash
# The layer rule the include paths cannot express alone (README "Layout"):
# the client reaches below core only through the headers listed here, no
# other folder names a header by path, and no compiled file is tracked.
set -eu
cd "$(dirname "$0")/.."
allowed='sources/youtube_url.h llm/prompts.h text/searchterm.h'
bad=0
while IFS=: read -r file _ inc; do
    hdr=$(sed -E 's/.*"([^"]+)".*/\1/' <<<"$inc")
    case "$file" in
    client/*) [[ " $allowed " == *" $hdr "* ]] && continue ;;
    tests/* | bench/* | fuzz/*) continue ;;
    esac
    echo "layers: $file includes \"$hdr\": not allowed by the layer rule (README, Layout)" >&2
    bad=1
done < <(grep -nE '^#include "[^"]*/[^"]*"' -- */*.[ch] common/*/*.[ch] 2>/dev/null || true)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Only files git sees as binary ("i/-text") need their magic read.
    while read -r f; do
        [ -f "$f" ] || continue
        case "$f" in *.o | *.a | *.so | *.so.*) echo "layers: compiled file tracked: $f" >&2; bad=1; continue ;; esac
        if [ "$(head -c 4 -- "$f" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
            echo "layers: ELF file tracked: $f" >&2
            bad=1
        fi
    done < <(git ls-files --eol | awk '$1 == "i/-text" { print $NF }')
fi
exit "$bad"
