"""Schedulers: closed-loop concurrency and open-loop arrivals, bounded by count and/or time.

Records leave through ``on_record`` the moment each request ends (the caller appends them to
the store), so a killed run keeps everything it measured. Warm-up requests are sent first,
flagged ``warmup=True`` and excluded from statistics; the measured window and ``duration_s``
start at the first measured send.

A server that goes away is noticed: after ``MAX_CONNECT_FAILURES`` requests in a row that
could not even connect, no further request is sent and the point ends with ``server_lost``
set (requests already in flight still finish and are recorded).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any

from tokenfab.load.client import RequestSpec, execute_raw
from tokenfab.load.finisher import Finisher
from tokenfab.load.wire import ConnectionPool
from tokenfab.schemas.records import RequestRecord

MAX_IN_FLIGHT = 4096  # open-loop safety cap on outstanding requests
MAX_CONNECT_FAILURES = 8  # consecutive refused connections before the server counts as gone


@dataclass(slots=True)
class LiveStats:
    """Running counters for a progress display; cheap to update on the loop."""

    total: int | None = None
    done: int = 0
    failed: int = 0
    output_tokens: int = 0
    first_measured_ns: int | None = None

    def add(self, rec: RequestRecord) -> None:
        if rec.warmup:
            return
        self.done += 1
        if not rec.ok:
            self.failed += 1
        self.output_tokens += rec.output_tokens or len(rec.chunk_ns)


@dataclass(slots=True)
class PointRun:
    index: int
    mode: str
    value: float
    records: list[RequestRecord] = field(default_factory=list)
    started_ns: int = 0
    ended_ns: int = 0
    server_lost: bool = False  # stopped early: the server refused every recent connection


@dataclass(slots=True)
class ConnectWatch:
    """Counts requests in a row that could not connect; ``lost`` once ``limit`` is reached."""

    limit: int = MAX_CONNECT_FAILURES
    in_a_row: int = 0
    lost: bool = False

    def saw(self, rec: RequestRecord) -> None:
        if rec.error_class == "connect":
            self.in_a_row += 1
            self.lost = self.lost or self.in_a_row >= self.limit
        else:
            self.in_a_row = 0


@dataclass(slots=True)
class PointPlan:
    index: int
    mode: str  # "concurrency" | "rate"
    value: float
    warmup: int
    requests: int | None
    duration_s: float | None
    arrival_offsets_s: Sequence[float] | None = None  # rate mode, one per request


async def run_point(
    plan: PointPlan,
    pool: ConnectionPool,
    spec_for: Callable[[int], RequestSpec],
    *,
    timeout_s: float,
    on_record: Callable[[RequestRecord], None],
    stats: LiveStats | None = None,
    max_connect_failures: int = MAX_CONNECT_FAILURES,
) -> PointRun:
    """Run one load point to its bound (or until the server is lost); returns its records
    and measured window."""
    run = PointRun(plan.index, plan.mode, plan.value)
    watch = ConnectWatch(max_connect_failures)
    stats = stats if stats is not None else LiveStats()
    stats.total = plan.requests
    limit = None if plan.requests is None else plan.warmup + plan.requests
    deadline: list[int | None] = [None]

    def measured_start() -> None:
        if deadline[0] is None:
            now = perf_counter_ns()
            stats.first_measured_ns = now
            deadline[0] = now + int(plan.duration_s * 1e9) if plan.duration_s else -1

    def past_deadline() -> bool:
        if watch.lost:
            return True
        d = deadline[0]
        return d is not None and d > 0 and perf_counter_ns() >= d

    def done(rec: RequestRecord) -> None:  # on the finisher thread
        run.records.append(rec)
        stats.add(rec)
        on_record(rec)

    finisher = Finisher(done)

    async def one(i: int) -> None:
        warm = i < plan.warmup
        rec, resp = await execute_raw(pool, spec_for(i), point_index=plan.index,
                                      request_index=i, warmup=warm, timeout_s=timeout_s)
        watch.saw(rec)  # connect failures are known here, before decoding
        finisher.submit(rec, resp)

    gc_was_enabled = gc.isenabled()
    gc.disable()  # a cyclic-GC pass over many live records stalls the loop for tens of ms
    try:
        await _drive(plan, limit, one, measured_start, past_deadline)
    finally:
        await asyncio.get_running_loop().run_in_executor(None, finisher.drain)
        finisher.close()
        if gc_was_enabled:
            gc.enable()
            gc.collect()
    run.server_lost = watch.lost
    measured = [r for r in run.records if not r.warmup]
    if measured:
        run.started_ns = min(r.sent_ns for r in measured)
        run.ended_ns = max(r.end_ns for r in measured)
    return run


async def _drive(plan: PointPlan, limit: int | None,
                 one: Callable[[int], Coroutine[Any, Any, None]],
                 measured_start: Callable[[], None], past_deadline: Callable[[], bool]) -> None:
    """Issue requests ``one(i)`` by the point's mode until its bound."""
    if plan.mode == "concurrency":
        counter = [0]
        warm_left = [plan.warmup]

        async def worker() -> None:
            while True:
                i = counter[0]
                if limit is not None and i >= limit:
                    return
                if i >= plan.warmup:
                    if warm_left[0] > 0:  # let warm-up finish before measuring
                        await asyncio.sleep(0.005)
                        continue
                    measured_start()
                    if past_deadline():
                        return
                counter[0] += 1
                await one(i)
                if i < plan.warmup:
                    warm_left[0] -= 1

        await asyncio.gather(*(worker() for _ in range(int(plan.value))))
    else:
        offsets = plan.arrival_offsets_s
        assert offsets is not None, "rate mode needs arrival offsets"
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()
        t0 = loop.time()
        n = len(offsets) if limit is None else min(limit, len(offsets))
        for i in range(n):
            if i == plan.warmup:
                if tasks:  # drain warm-up so it does not overlap the measured window
                    await asyncio.gather(*tasks)
                t0 = loop.time() - offsets[i]
                measured_start()
            delay = t0 + offsets[i] - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if i >= plan.warmup and past_deadline():
                break
            while len(tasks) >= MAX_IN_FLIGHT:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            task = asyncio.create_task(one(i))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
