"""Client timing fidelity against the simulator's known timing (TTFT 80 ms, ITL 8 ms, 128 tokens).

For 1, 64 and 256 concurrent streams, the same simulator serves (a) tokenfab's client, with full
records and the SQLite writer running, and (b) a minimal raw-socket client in a child process.
The simulator records when it wrote every chunk (perf_counter_ns, the same clock system-wide),
so the script also reports how much of tokenfab's TTFT is client-side: the time from the server's
write of the first content chunk to tokenfab's timestamp of it.

    .venv/bin/python benchmarks/fidelity.py [--levels 1,64,256]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from common import pct, run_minimal, specs_for

from tokenfab.engines.sim import SimConfig, SimServer
from tokenfab.load.runner import PointPlan, run_point
from tokenfab.load.wire import ConnectionPool, Endpoint
from tokenfab.metrics.compute import tpot_ms
from tokenfab.session.loop import run_async
from tokenfab.store import RecordWriter, Store

TTFT_MS, ITL_MS, OUT = 80.0, 8.0, 128
NO_STORE = False


def requests_for(level: int) -> int:
    return {1: 30, 64: 192}.get(level, 2 * level)


async def tokenfab_client(url: str, level: int, db: str) -> list[Any]:
    specs = specs_for(url, requests_for(level), OUT, f"tf{level}")
    store = Store(db)
    store.create_run("fid", kind="bench", label=None, config={}, environment={},
                     target_url=url, model="sim-model", started_unix_ns=0, clock_offset_ns=0)
    store.add_point("fid", 0, "concurrency", level)
    writer = RecordWriter(store, "fid")
    if NO_STORE:
        writer.close()
        writer.put = lambda rec: None  # type: ignore[method-assign]
    pool = ConnectionPool(Endpoint.parse(url))
    plan = PointPlan(0, "concurrency", level, 0, len(specs), None)
    run = await run_point(plan, pool, lambda i: specs[i], timeout_s=120,
                          on_record=writer.put)
    writer.close()
    pool.close()
    store.close()
    return run.records


def server_rows(path: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    for line in path.read_text().splitlines():
        r = json.loads(line)
        rows[r["request_id"]] = r
    return rows


def first_last_content(row: dict[str, Any]) -> tuple[int, int]:
    kinds: str = row["kinds"]
    w = row["write_ns"]
    return w[kinds.index("c")], w[kinds.rindex("c")]


def err(v: float, truth: float) -> str:
    return f"{(v - truth) / truth * 100:+.1f}%"


def level_report(level: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        rec_path = Path(tmp) / "server.jsonl"
        cfg = SimConfig.from_flags(ttft=TTFT_MS, itl=ITL_MS, record_path=str(rec_path),
                                   default_max_tokens=OUT)
        with SimServer(cfg) as sim:
            recs = run_async(tokenfab_client(sim.url, level, f"sqlite:///{tmp}/f.db"))
            mini = run_minimal(sim.url, specs_for(sim.url, requests_for(level), OUT,
                                                  f"mini{level}"), level)
        rows = server_rows(rec_path)
    ok = [r for r in recs if r.ok]
    tf_ttft = [(r.first_chunk_ns - r.sent_ns) / 1e6 for r in ok]
    tf_tpot = [t for r in ok if (t := tpot_ms(r)) is not None]
    lag = []
    srv_ttft = []
    send_lag = []
    for i, r in enumerate(recs):
        row = rows.get(f"tf{level}-{i}")
        if row is None or not r.ok:
            continue
        first_w, _ = first_last_content(row)
        lag.append((r.first_chunk_ns - first_w) / 1e6)
        send_lag.append((row["arrival_ns"] - r.sent_ns) / 1e6)
        srv_ttft.append((first_w - row["arrival_ns"]) / 1e6)
    mres = mini["results"]
    m_ttft = [(f - s) / 1e6 for s, f, _, n in mres if n]
    m_tpot = [(last - f) / 1e6 / (n - 1) for s, f, last, n in mres if n > 1]
    return {
        "level": level, "requests": len(recs), "ok": len(ok),
        "tokenfab": {"ttft_p50": pct(tf_ttft, 50), "ttft_p99": pct(tf_ttft, 99),
                     "tpot_p50": pct(tf_tpot, 50), "tpot_p99": pct(tf_tpot, 99)},
        "minimal": {"ttft_p50": pct(m_ttft, 50), "ttft_p99": pct(m_ttft, 99),
                    "tpot_p50": pct(m_tpot, 50), "tpot_p99": pct(m_tpot, 99)},
        "client_lag_ms": {"p50": pct(lag, 50), "p99": pct(lag, 99)},
        "send_to_server_ms": {"p50": pct(send_lag, 50), "p99": pct(send_lag, 99)},
        "server_emitted_ttft_ms": {"p50": pct(srv_ttft, 50), "p99": pct(srv_ttft, 99)},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--levels", default="1,64,256")
    ap.add_argument("--json", default=None)
    ap.add_argument("--no-store", action="store_true", help="skip the SQLite writer")
    args = ap.parse_args()
    global NO_STORE
    NO_STORE = args.no_store
    reports = [level_report(int(x)) for x in args.levels.split(",")]
    print(f"truth: TTFT {TTFT_MS:g} ms, TPOT {ITL_MS:g} ms, {OUT} output tokens\n")
    print("| streams | client | TTFT p50 | err | TTFT p99 | err | TPOT p50 | err | TPOT p99 | err |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in reports:
        for name in ("tokenfab", "minimal"):
            m = r[name]
            print(f"| {r['level']} | {name} | {m['ttft_p50']:.2f} | {err(m['ttft_p50'], TTFT_MS)} |"
                  f" {m['ttft_p99']:.2f} | {err(m['ttft_p99'], TTFT_MS)} |"
                  f" {m['tpot_p50']:.3f} | {err(m['tpot_p50'], ITL_MS)} |"
                  f" {m['tpot_p99']:.3f} | {err(m['tpot_p99'], ITL_MS)} |")
    print("\nclient-side share of tokenfab's TTFT (server write of first chunk -> tokenfab stamp):")
    print("| streams | client lag p50 ms | p99 ms | send -> server parsed p50 ms | p99 ms |"
          " server-emitted TTFT p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for r in reports:
        print(f"| {r['level']} | {r['client_lag_ms']['p50']:.3f} | {r['client_lag_ms']['p99']:.3f}"
              f" | {r['send_to_server_ms']['p50']:.3f} | {r['send_to_server_ms']['p99']:.3f}"
              f" | {r['server_emitted_ttft_ms']['p50']:.2f} | {r['server_emitted_ttft_ms']['p99']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
