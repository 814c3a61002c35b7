"""A single re-armable deadline timer on ``time.perf_counter_ns()``, precise to microseconds.

Event-loop timers are millisecond-grained (asyncio rounds epoll timeouts up to 1 ms; uvloop's
libuv clock is in whole ms and may fire up to 1 ms early). On Linux, where perf_counter is
CLOCK_MONOTONIC, this uses a ``timerfd`` armed at an absolute CLOCK_MONOTONIC time and watched
with ``loop.add_reader``: the kernel wakes the loop at the deadline, with no polling or spinning.
Elsewhere it falls back to ``loop.call_later`` rounded up to whole ms (late by < ~1 ms).
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import os
import sys
import time
from collections.abc import Callable

__all__ = ["DeadlineTimer"]

_CLOCK_MONOTONIC = 1
_TFD_TIMER_ABSTIME = 1
_NS_PER_S = 1_000_000_000


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def _libc() -> ctypes.CDLL | None:
    """libc with timerfd, when perf_counter_ns is CLOCK_MONOTONIC (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    if time.get_clock_info("perf_counter").implementation != "clock_gettime(CLOCK_MONOTONIC)":
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        create, settime = libc.timerfd_create, libc.timerfd_settime
    except (OSError, AttributeError):
        return None
    create.argtypes, create.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settime.argtypes = [
        ctypes.c_int,
        ctypes.c_int,
        ctypes.POINTER(_Itimerspec),
        ctypes.c_void_p,
    ]
    settime.restype = ctypes.c_int
    return libc


class DeadlineTimer:
    """Calls ``callback()`` from ``loop`` once ``perf_counter_ns() >= target_ns``.

    ``arm(target_ns)`` replaces any earlier deadline; a target in the past fires on the next
    loop iteration. The callback runs at most once per ``arm``.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        callback: Callable[[], None],
        *,
        use_timerfd: bool = True,
    ) -> None:
        self._loop = loop
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None
        self._fd = -1
        self._spec = _Itimerspec()
        self._settime: Callable[..., int] | None = None
        libc = _libc() if use_timerfd else None
        if libc is not None:
            fd = int(libc.timerfd_create(_CLOCK_MONOTONIC, os.O_NONBLOCK | os.O_CLOEXEC))
            if fd >= 0:
                try:
                    loop.add_reader(fd, self._on_readable)
                except (NotImplementedError, RuntimeError, OSError):
                    os.close(fd)
                else:
                    self._fd = fd
                    self._settime = libc.timerfd_settime

    @property
    def precise(self) -> bool:
        """True when backed by a timerfd (microsecond wake-ups)."""
        return self._fd >= 0

    def arm(self, target_ns: int) -> None:
        if self._settime is not None:
            value = self._spec.it_value
            target_ns = max(target_ns, 1)  # 0 would disarm
            value.tv_sec, value.tv_nsec = divmod(target_ns, _NS_PER_S)
            if self._settime(self._fd, _TFD_TIMER_ABSTIME, ctypes.byref(self._spec), None) == 0:
                return
            self._close_fd()  # fall back to loop timers from now on
        if self._handle is not None:
            self._handle.cancel()
        remaining_ns = target_ns - time.perf_counter_ns()
        delay_s = math.ceil(max(remaining_ns, 0) / 1_000_000) / 1e3
        self._handle = self._loop.call_later(delay_s, self._on_timer)

    def disarm(self) -> None:
        if self._settime is not None:
            self._spec.it_value.tv_sec = self._spec.it_value.tv_nsec = 0
            self._settime(self._fd, 0, ctypes.byref(self._spec), None)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _on_readable(self) -> None:
        try:
            os.read(self._fd, 8)  # expiration count; reading re-arms readability
        except (BlockingIOError, InterruptedError):
            return  # disarmed or re-armed after it became readable
        self._callback()

    def _on_timer(self) -> None:
        self._handle = None
        self._callback()

    def _close_fd(self) -> None:
        if self._fd >= 0:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
        self._fd = -1
        self._settime = None

    def close(self) -> None:
        self.disarm()
        self._close_fd()
