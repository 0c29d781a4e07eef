#!/usr/bin/env bash
# Quality check of the extractive engine (issue #14): mines the seed talks,
# the text fixtures and, where ../shared holds them, three long real
# articles, and prints the per-document figures of bench/quality/quality.c.
# Export JSON files (`lode export JOB > doc.json`) may be given instead.
# Usage: bench/quality/run.sh [BUILD_DIR] [quality options] [FILE...]
set -eu
build=${1:-build}
shift || true
make -s BUILD="$build" "$build/bench/quality/quality"
opts=() files=()
while [ $# -gt 0 ]; do
    case $1 in
    --json-out) opts+=("$1" "$2"); shift 2 ;;
    -*) opts+=("$1"); shift ;;
    *) files+=("$1"); shift ;;
    esac
done
if [ ${#files[@]} -eq 0 ]; then
    files+=(seeds/*.txt tests/fixtures/sources/talk.vtt tests/fixtures/sources/youtube.vtt
            tests/fixtures/sources/film.srt tests/fixtures/sources/article.md
            tests/fixtures/podcast/transcripts/*.vtt tests/fixtures/podcast/transcripts/*.srt
            tests/fixtures/podcast/transcripts/*.txt)
    long=$(mktemp -d)
    trap 'rm -rf "$long"' EXIT
    gt=../shared/bench/article-extraction/ground-truth.json
    [ -f "$gt" ] || gt=/work/shared/bench/article-extraction/ground-truth.json
    if [ -f "$gt" ] && command -v jq >/dev/null; then
        # the three longest ground-truth article texts (never copied into the repo)
        jq -r 'to_entries | map({k: .key, t: (.value.articleBody // .value.text // "")})
               | sort_by(-(.t | length)) | .[0:3][] | @base64' "$gt" 2>/dev/null |
        while read -r row; do
            k=$(echo "$row" | base64 -d | jq -r .k | cut -c1-8)
            echo "$row" | base64 -d | jq -r .t >"$long/article_$k.txt"
        done
        files+=("$long"/*.txt)
    else
        echo "quality: no ground-truth articles under ../shared/bench; skipped" >&2
    fi
fi
"$build/bench/quality/quality" ${opts[@]+"${opts[@]}"} "${files[@]}"
