"""Size of the HTML report of a 6-point run (target: < 5 MB).

Starts the simulator (with a little batching slowdown and injected faults so every section has
something to draw), runs `tokenfab bench` at concurrency 1,2,4,8,16,32 with 40 requests per
point and --hourly-usd 2 into a temporary SQLite, renders `tokenfab report`, prints its size.

    .venv/bin/python benchmarks/report_size.py [--requests 40] [--keep report.html]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tokenfab.engines.sim import SimConfig, SimServer
from tokenfab.schemas.report import ReportConfig
from tokenfab.session.report import load_views, render
from tokenfab.store import Store

TARGET_BYTES = 5 * 1024 * 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--concurrency", default="1,2,4,8,16,32")
    ap.add_argument("--keep", default=None, help="also copy the report here")
    args = ap.parse_args()
    cfg = SimConfig(ttft_ms=50, itl_ms=5, default_max_tokens=64, batch_slowdown=0.03,
                    error_500_rate=0.02, disconnect_rate=0.01)
    with tempfile.TemporaryDirectory(prefix="tokenfab-report-size-") as tmp:
        db = f"sqlite:///{Path(tmp) / 'runs.db'}"
        with SimServer(cfg) as sim:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tokenfab.cli.main", "bench", "--url", sim.url,
                            "--model", "sim-model", "--concurrency", args.concurrency,
                            "--requests", str(args.requests), "--output-tokens", "64",
                            "--hourly-usd", "2", "--slo", "ttft_ms=100", "--db", db],
                           check=True, stdout=subprocess.DEVNULL)
            bench_s = time.perf_counter() - t0
        with Store(db) as store:
            run_id = store.list_runs(limit=1)[0].run_id
        t0 = time.perf_counter()
        views = load_views([run_id], db)
        html = render(views, ReportConfig(refs=[run_id]))
        render_s = time.perf_counter() - t0
        out = Path(tmp) / "report.html"
        out.write_text(html, encoding="utf-8")
        size = out.stat().st_size
        if args.keep:
            shutil.copy(out, args.keep)
    n_records = sum(len(v.records) for v in views)
    print(f"run {run_id}: {len(views[0].points)} points, {n_records} records "
          f"(bench {bench_s:.1f} s, load + render {render_s:.2f} s)")
    print(f"report size: {size} bytes ({size / 1024:.0f} KiB); target < {TARGET_BYTES} bytes: "
          f"{'ok' if size < TARGET_BYTES else 'TOO BIG'}")


if __name__ == "__main__":
    main()
