"""How fast the batch simulator runs: simulated requests per wall-clock second.

Workload: closed loop at concurrency 256, input N(256,64), output N(128,32), 100k requests, with
a cheap linear step model ``step_s = 5 ms + 10 us x decode_seqs + 0.2 us x prefill_tokens +
1 ns x context_tokens``. Reports best-of-``--repeats`` wall seconds for ``simulate`` alone
(records included, ``summarize_point`` timed separately), for plain decoding, speculative
decoding (k=3, alpha=0.7), an open-loop run at 90% of the closed-loop throughput, and
``record_chunks=True``. Target: 100k requests in < 5 s.

    .venv/bin/python benchmarks/batchsim_speed.py [--requests 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

from tokenfab.metrics.compute import summarize_point
from tokenfab.roofline.batchsim import LinearStepModel, SimResult, SimSettings, simulate
from tokenfab.schemas.config import LengthSpec

MODEL = LinearStepModel(base_s=0.005, per_decode_seq_s=1e-5, per_prefill_token_s=2e-7,
                        per_context_token_s=1e-9)
ISL = LengthSpec(kind="normal", mean=256, std=64)
OSL = LengthSpec(kind="normal", mean=128, std=32)


def timed(repeats: int, **kw: Any) -> tuple[float, SimResult]:
    best = float("inf")
    res: SimResult | None = None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        res = simulate(MODEL, input_tokens=ISL, output_tokens=OSL, **kw)
        best = min(best, time.perf_counter() - t0)
    assert res is not None
    return best, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    n = args.requests

    base_s, base = timed(args.repeats, mode="concurrency", value=256, n_requests=n)
    t0 = time.perf_counter()
    point = summarize_point(base.records, mode="concurrency", value=256)
    summ_s = time.perf_counter() - t0
    rate = 0.9 * point.throughput.requests_per_s
    cases = [
        ("concurrency 256", base_s, base),
        ("concurrency 256, spec k=3 a=0.7", *timed(
            args.repeats, mode="concurrency", value=256, n_requests=n,
            settings=SimSettings(spec_k=3, spec_acceptance=0.7, spec_draft_cost=0.1))),
        (f"poisson {rate:.0f} req/s", *timed(args.repeats, mode="rate", value=rate,
                                               n_requests=n)),
        ("concurrency 256, record_chunks", *timed(
            1, mode="concurrency", value=256, n_requests=n,
            settings=SimSettings(record_chunks=True))),
    ]
    print(f"{n:,} requests, input {ISL.describe()}, output {OSL.describe()}\n")
    print("| case | wall s | simulated req/s | steps | mean batch | simulated s |")
    print("|---|---|---|---|---|---|")
    for name, wall_s, res in cases:
        print(f"| {name} | {wall_s:.2f} | {n / wall_s:,.0f} | {res.steps:,} | "
              f"{res.mean_batch:.1f} | {res.sim_duration_ns / 1e9:,.0f} |")
    print(f"\nsummarize_point on the first case: {summ_s:.2f} s; modelled output "
          f"{point.throughput.output_tok_s:,.0f} tok/s")
    print(f"target: {n:,} requests in < 5 s -> {'met' if base_s < 5 else 'MISSED'} "
          f"({base_s:.2f} s)")


if __name__ == "__main__":
    main()
