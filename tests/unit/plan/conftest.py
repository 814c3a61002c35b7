"""Plan test inputs: a stored embedded-engine run (made through the store API, no engine) and
small hand-checkable frontiers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tokenfab.store import Store

RUN_ID = "planrun0001"
# streams -> (output tok/s, median tok/s/user, TTFT p50 ms, modelled average W)
RUN_POINTS = {1: (54.0, 54.0, 80.0, 12.0), 2: (73.0, 37.0, 95.0, 14.0),
              4: (85.0, 21.0, 130.0, 16.0), 8: (94.0, 12.0, 210.0, 16.2)}
RUN_USD_PER_HOUR = 0.1018


def _lat(p50: float) -> dict[str, Any]:
    return {"p50": p50, "p90": p50, "p95": p50, "p99": p50, "mean": p50, "min": p50,
            "max": p50, "n": 8}


def run_summary(run_id: str = RUN_ID) -> dict[str, Any]:
    points = []
    for streams, (out, user, ttft, watts) in RUN_POINTS.items():
        points.append({
            "load": {"mode": "concurrency", "value": float(streams)},
            "requests": {"completed": 8, "failed": 0}, "duration_s": 10.0,
            "tokens": {"input": 1000, "output": int(out * 10)},
            "throughput": {"output_tok_s": out, "input_tok_s": out, "total_tok_s": 2 * out,
                           "requests_per_s": 0.8, "per_user_output_tok_s_p50": user},
            "latency_ms": {"ttft": _lat(ttft), "tpot": _lat(1000.0 / user)},
            "energy": {"joules": watts * 10.0, "avg_power_w": watts, "source": "modelled",
                       "provenance": "modelled"},
            "cost": {"usd_per_hour": RUN_USD_PER_HOUR, "usd_per_mtok_output": 1.0,
                     "usd_per_mtok_total": 0.5}})
    return {"schema": "tokenfab.run/2", "run_id": run_id,
            "target": {"url": "http://127.0.0.1:9", "model": "smollm2-135m"}, "points": points}


def store_run(url: str, run_id: str = RUN_ID, *, kind: str = "run",
              started_ns: int = 1_795_000_000_000_000_000, complete: bool = True) -> None:
    with Store(url) as store:
        store.create_run(run_id, kind=kind, label=None, config={}, environment={},
                         target_url="http://127.0.0.1:9", model="smollm2-135m",
                         started_unix_ns=started_ns, clock_offset_ns=0)
        if complete:
            store.finish_run(run_id, run_summary(run_id))
        else:
            store.mark_run(run_id, "failed")


@pytest.fixture
def run_db(tmp_path: Path) -> str:
    """A results database holding one complete ``tokenfab run`` (kind ``run``)."""
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    store_run(url)
    return url
