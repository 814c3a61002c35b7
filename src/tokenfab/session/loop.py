"""Run a coroutine on uvloop when available (lower per-chunk overhead), asyncio otherwise.

SIGTERM cancels the coroutine (so ``finally`` blocks and context managers unwind: records are
flushed, engines stopped) and then surfaces as :class:`Terminated`. A Python-level signal
handler cannot do this: uvloop runs it as a loop callback and swallows what it raises.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

from tokenfab.errors import Terminated

T = TypeVar("T")


async def _guarded(coro: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(coro)
    hit: list[int] = []

    def on_signal(signum: int) -> None:
        hit.append(signum)
        task.cancel()

    installed = []
    for sig in (signal.SIGTERM,):
        try:
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        return await task
    except asyncio.CancelledError:
        if hit:
            raise Terminated() from None
        raise
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return asyncio.run(_guarded(coro))
    return uvloop.run(_guarded(coro))
