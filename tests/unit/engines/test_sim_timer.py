"""DeadlineTimer: one re-armable wake-up on perf_counter_ns, never early."""

from __future__ import annotations

import asyncio
import time

import pytest

from tokenfab.engines.sim.timer import DeadlineTimer


@pytest.mark.parametrize("use_timerfd", [True, False])
async def test_fires_at_deadline_never_early(use_timerfd: bool) -> None:
    loop = asyncio.get_running_loop()
    fired_ns: list[int] = []
    done = asyncio.Event()

    def on_fire() -> None:
        fired_ns.append(time.perf_counter_ns())
        done.set()

    timer = DeadlineTimer(loop, on_fire, use_timerfd=use_timerfd)
    try:
        target_ns = time.perf_counter_ns() + 20_000_000
        timer.arm(target_ns)
        await asyncio.wait_for(done.wait(), 1)
    finally:
        timer.close()
    assert len(fired_ns) == 1
    lateness_ms = (fired_ns[0] - target_ns) / 1e6
    assert 0 <= lateness_ms < 5  # timerfd is ~0.1 ms late, loop timers < ~1 ms on a quiet box


@pytest.mark.parametrize("use_timerfd", [True, False])
async def test_rearm_replaces_and_disarm_cancels(use_timerfd: bool) -> None:
    loop = asyncio.get_running_loop()
    fired: list[int] = []
    timer = DeadlineTimer(
        loop, lambda: fired.append(time.perf_counter_ns()), use_timerfd=use_timerfd
    )
    try:
        now_ns = time.perf_counter_ns()
        timer.arm(now_ns + 500_000_000)
        timer.arm(now_ns + 10_000_000)  # earlier deadline replaces the later one
        await asyncio.sleep(0.05)
        assert len(fired) == 1 and fired[0] - now_ns < 45_000_000
        timer.arm(time.perf_counter_ns() + 10_000_000)
        timer.disarm()
        await asyncio.sleep(0.03)
        assert len(fired) == 1
    finally:
        timer.close()


def test_linux_uses_timerfd() -> None:
    import sys

    loop = asyncio.new_event_loop()
    try:
        timer = DeadlineTimer(loop, lambda: None)
        assert timer.precise is sys.platform.startswith("linux")
        timer.close()
    finally:
        loop.close()
