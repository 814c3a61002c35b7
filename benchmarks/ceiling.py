"""Client ceiling: SSE chunks ingested per client CPU-second, full per-chunk record kept.

The simulator writes each whole response at once (burst mode: 64 streams x 1000 tokens), so the
client is the bottleneck. tokenfab's client runs in this process with its SQLite writer; the
minimal raw-socket client (no JSON, no records) runs in a child process. CPU seconds are each
process's own (user + system), so the simulator's work is not counted.

    .venv/bin/python benchmarks/ceiling.py [--streams 64] [--tokens 1000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from common import run_minimal, specs_for

from tokenfab.engines.sim import SimConfig, SimServer
from tokenfab.load.finisher import decoder_pool
from tokenfab.load.runner import PointPlan, run_point
from tokenfab.load.wire import ConnectionPool, Endpoint
from tokenfab.session.loop import run_async
from tokenfab.store import RecordWriter, Store


def decoder_cpu_s() -> float:
    """user+system CPU seconds of tokenfab's decoder process(es), read from /proc."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in decoder_pool()._processes:  # noqa: SLF001 - benchmark-only introspection
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


async def tokenfab_client(url: str, streams: int, n: int, tokens: int, db: str) -> dict[str, Any]:
    specs = specs_for(url, n, tokens, "ceil")
    store = Store(db)
    store.create_run("ceil", kind="bench", label=None, config={}, environment={},
                     target_url=url, model="sim-model", started_unix_ns=0, clock_offset_ns=0)
    store.add_point("ceil", 0, "concurrency", streams)
    writer = RecordWriter(store, "ceil")
    pool = ConnectionPool(Endpoint.parse(url))
    plan = PointPlan(0, "concurrency", streams, 0, n, None)
    dec0 = decoder_cpu_s()
    cpu0, t0 = time.process_time(), time.perf_counter()
    run = await run_point(plan, pool, lambda i: specs[i], timeout_s=300, on_record=writer.put)
    writer.close()
    main_cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    dec = decoder_cpu_s() - dec0
    cpu = main_cpu + dec
    pool.close()
    store.close()
    chunks = sum(len(r.chunk_ns) for r in run.records)
    ok = sum(r.ok for r in run.records)
    return {"chunks": chunks, "cpu_s": cpu, "main_cpu_s": main_cpu, "decoder_cpu_s": dec,
            "wall_s": wall, "ok": ok}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", type=int, default=64)
    ap.add_argument("--tokens", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    n = args.streams * args.rounds
    cfg = SimConfig.from_flags(ttft=0, itl=0, burst=True, default_max_tokens=args.tokens)
    with tempfile.TemporaryDirectory() as tmp, SimServer(cfg) as sim:
        tf = run_async(tokenfab_client(sim.url, args.streams, n, args.tokens,
                                       f"sqlite:///{tmp}/c.db"))
        mini = run_minimal(sim.url, specs_for(sim.url, n, args.tokens, "mini"), args.streams)
    m_chunks = sum(r[3] for r in mini["results"])
    tf_rate = tf["chunks"] / tf["cpu_s"]
    m_rate = m_chunks / mini["cpu_s"]
    print(f"{args.streams} streams x {args.tokens} tokens, {n} requests (burst server)\n")
    print("| client | chunks | CPU s | chunks per CPU-s | records kept |")
    print("|---|---|---|---|---|")
    print(f"| tokenfab (loop process + decoder process) | {tf['chunks']:,} | {tf['cpu_s']:.2f} "
          f"({tf['main_cpu_s']:.2f} + {tf['decoder_cpu_s']:.2f}) | {tf_rate:,.0f} | "
          f"every chunk's ns timestamp + text, SQLite |")
    print(f"| minimal raw socket | {m_chunks:,} | {mini['cpu_s']:.2f} | {m_rate:,.0f} | "
          "counts only |")
    print(f"\ntokenfab / minimal = {tf_rate / m_rate:.2f}; tokenfab ok requests {tf['ok']}/{n}")


if __name__ == "__main__":
    main()
