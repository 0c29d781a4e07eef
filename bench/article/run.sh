#!/usr/bin/env bash
# Article extraction benchmark (#6): Lode's extractor and Mozilla
# Readability.js over the 181 pages of ../shared/bench/article-extraction,
# scored with its score.py (F1 / precision / recall, 20 worst pages), and
# timed side by side (parse+extract only, one core) with peak RSS.
# Usage: bench/article/run.sh [BUILD_DIR]   (NO_READABILITY=1 skips the JS side)
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=$(cd "$root/.." && pwd)/shared/bench/article-extraction
if [ ! -d "$data/html" ] || [ ! -f "$data/ground-truth.json" ]; then
    echo "bench/article: skipped: no benchmark data at $data"
    exit 0
fi
cd "$root"
make -s BUILD="$build" "$build/bench/article/bench_article"
tmp=$(mktemp -d /tmp/lode-article-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/html" "$tmp/lode" "$tmp/readability"
for f in "$data"/html/*.html.gz; do
    gunzip -c "$f" >"$tmp/html/$(basename "$f" .gz)"
done

echo "== Lode article extractor"
taskset -c 0 "$build/bench/article/bench_article" "$tmp/html" "$tmp/lode" 2>/dev/null ||
    "$build/bench/article/bench_article" "$tmp/html" "$tmp/lode"
python3 "$data/score.py" "$tmp/lode" --per-doc >"$tmp/lode.score"
sed -n '1,5p' "$tmp/lode.score"
echo "-- 20 worst pages (id precision recall f1 exact)"
sed -n '7,26p' "$tmp/lode.score"

[ "${NO_READABILITY:-0}" = 1 ] && exit 0
echo "== Mozilla Readability.js (npm @mozilla/readability + jsdom, throwaway install)"
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "bench/article: readability side skipped: node/npm not installed"
    exit 0
fi
if ! (cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund \
        @mozilla/readability jsdom >/dev/null 2>&1); then
    echo "bench/article: readability side skipped: npm install failed"
    exit 0
fi
cp "$here/readability.js" "$tmp/"
(cd "$tmp" && taskset -c 0 node readability.js "$tmp/html" "$tmp/readability" 2>/dev/null ||
    node readability.js "$tmp/html" "$tmp/readability")
python3 "$data/score.py" "$tmp/readability" | sed -n '1,3p'
