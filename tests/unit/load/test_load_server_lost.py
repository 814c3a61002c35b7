"""A server that is gone: the load stops after a bounded run of refused connections instead of
firing every remaining request at a dead port."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tokenfab.load.client import make_payload, make_spec
from tokenfab.load.runner import MAX_CONNECT_FAILURES, ConnectWatch, PointPlan, run_point
from tokenfab.load.wire import ConnectionPool, Endpoint
from tokenfab.schemas.records import RequestRecord


def dead_port() -> int:
    with socket.socket() as s:  # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(("mode", "value"), [("concurrency", 3.0), ("rate", 500.0)])
def test_point_stops_after_consecutive_refusals(mode: str, value: float) -> None:
    endpoint = Endpoint.parse(f"http://127.0.0.1:{dead_port()}")
    path, body = make_payload(api="chat", model="m", text="hi", max_tokens=4, ignore_eos=False)
    spec = make_spec(endpoint, path, body, None, None, 4)
    plan = PointPlan(0, mode, value, warmup=0, requests=10_000, duration_s=None,
                     arrival_offsets_s=[i / value for i in range(10_000)]
                     if mode == "rate" else None)
    stored: list[RequestRecord] = []

    async def go() -> None:
        pool = ConnectionPool(endpoint)
        try:
            run = await run_point(plan, pool, lambda _i: spec, timeout_s=5,
                                  on_record=stored.append)
        finally:
            pool.close()
        assert run.server_lost
        assert MAX_CONNECT_FAILURES <= len(run.records) <= MAX_CONNECT_FAILURES + 3
        assert all(r.error_class == "connect" for r in run.records)

    asyncio.run(go())
    assert len(stored) >= MAX_CONNECT_FAILURES  # every attempt is still recorded


def test_any_other_outcome_resets_the_count() -> None:
    watch = ConnectWatch(limit=3)
    refused = RequestRecord(0, 0, 0, 1, ok=False, error_class="connect")
    answered = RequestRecord(0, 1, 0, 1, ok=False, error_class="http", http_status=500)
    for r in (refused, refused, answered, refused, refused):
        watch.saw(r)
    assert not watch.lost
    watch.saw(refused)
    assert watch.lost
