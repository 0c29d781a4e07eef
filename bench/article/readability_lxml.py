#!/usr/bin/python3
"""readability_lxml.py - the Python reference side of bench/article: Debian's
readability-lxml (python3-readability) over the same pages, timing
parse + extract + text only (file I/O excluded), writing <id>.txt.
Usage: /usr/bin/python3 readability_lxml.py IN_DIR OUT_DIR
SPDX-License-Identifier: MIT
"""
import os
import resource
import sys
import time

import lxml.html
from readability import Document


def main():
    in_dir, out_dir = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(in_dir) if n.endswith(".html"))
    secs, failed = 0.0, 0
    for name in names:
        with open(os.path.join(in_dir, name), "rb") as f:
            raw = f.read()  # bytes: readability-lxml sniffs the charset itself
        t0 = time.perf_counter()
        try:
            summary = Document(raw).summary(html_partial=True)
            text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
        except Exception:  # noqa: BLE001 - a page it cannot handle counts as empty
            text, failed = "", failed + 1
        secs += time.perf_counter() - t0
        with open(os.path.join(out_dir, name[:-5] + ".txt"), "w", encoding="utf-8") as f:
            f.write(text)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    rate = len(names) / secs if secs > 0 else 0.0
    print(f"readability-lxml: {len(names)} pages, {failed} failed, {secs:.3f} s parse+extract, "
          f"{rate:.1f} pages/s, peak RSS {rss} MB")


if __name__ == "__main__":
    main()
