"""How long a report takes to open in headless Chromium (Debian's, via Playwright).

    .venv/bin/python benchmarks/report_open.py report.html [--repeats 5]

Prints the file size and the time from navigation to the load event, best and median of N.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    path = Path(args.report).resolve()
    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=ARGS)
        for _ in range(args.repeats):
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            times.append(time.perf_counter() - t0)
            page.close()
        browser.close()
    print(f"{path.name}: {path.stat().st_size:,} bytes; open to load event: best "
          f"{min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms "
          f"({args.repeats} opens, headless Chromium)")


if __name__ == "__main__":
    main()
