"""Decode finished responses off the event loop, so the loop only stamps and buffers bytes.

With hundreds of streams, requests tend to finish together; decoding them where the loop runs
would delay the timestamps of chunks arriving meanwhile (measured: tens of ms at 256 streams
when decoding on a thread of the same process, because the decoder competes for the GIL). So
the default decoder is a child process: the loop hands it the raw response (one pickle, C
speed) and gets the finished record back. ``mode="thread"`` keeps everything in-process.
"""

from __future__ import annotations

import atexit
import multiprocessing
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Literal, cast

from tokenfab.load.client import finish_record
from tokenfab.load.wire import RawResponse
from tokenfab.schemas.records import RequestRecord

SWITCH_INTERVAL_S = 0.0005
_STOP = object()
Mode = Literal["process", "thread"]


def _decode(rec: RequestRecord, resp: RawResponse | None, keep_text: bool) -> RequestRecord:
    """Runs in the decoder process."""
    finish_record(rec, resp, keep_text)
    return rec


def _warm() -> int:
    return 0


_POOL: ProcessPoolExecutor | None = None


def decoder_pool() -> ProcessPoolExecutor:
    """One decoder process per client process, started on first use and reused across points."""
    global _POOL
    if _POOL is None:
        ctx = multiprocessing.get_context("forkserver")
        _POOL = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
        _POOL.submit(_warm).result()  # start the child before any load is sent
        atexit.register(shutdown_decoder_pool)
    return _POOL


def shutdown_decoder_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL = None


class Finisher:
    """``submit(rec, resp)`` from the loop; ``done(rec)`` is called once the record is decoded
    (on a helper thread of this process, in completion order)."""

    def __init__(self, done: Callable[[RequestRecord], None], keep_text: bool = True,
                 mode: Mode = "process") -> None:
        self._done = done
        self._keep_text = keep_text
        self._mode = mode
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._outstanding = 0
        self._idle = threading.Condition(self._lock)
        self._old_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._old_interval, SWITCH_INTERVAL_S))
        self._pool: ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._q: queue.SimpleQueue[object] = queue.SimpleQueue()
        if mode == "process":
            self._pool = decoder_pool()
        else:
            self._thread = threading.Thread(target=self._run, name="tokenfab-finisher",
                                            daemon=True)
            self._thread.start()

    # -- submission (event loop) ------------------------------------------------------------
    def submit(self, rec: RequestRecord, resp: RawResponse | None) -> None:
        with self._lock:
            self._outstanding += 1
        if self._pool is not None:
            fut = self._pool.submit(_decode, rec, resp, self._keep_text)
            fut.add_done_callback(self._on_future)
        else:
            self._q.put((rec, resp))

    # -- completion (helper threads) --------------------------------------------------------
    def _on_future(self, fut: Future[RequestRecord]) -> None:
        try:
            self._deliver(fut.result())
        except BaseException as exc:  # noqa: BLE001 - surfaced by drain()
            self._fail(exc)

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                return
            rec, resp = cast(tuple[RequestRecord, RawResponse | None], item)
            try:
                self._deliver(_decode(rec, resp, self._keep_text))
            except BaseException as exc:  # noqa: BLE001
                self._fail(exc)

    def _deliver(self, rec: RequestRecord) -> None:
        try:
            self._done(rec)
        finally:
            self._settle()

    def _fail(self, exc: BaseException) -> None:
        self._error = exc
        self._settle()

    def _settle(self) -> None:
        with self._lock:
            self._outstanding -= 1
            if self._outstanding == 0:
                self._idle.notify_all()

    # -- teardown ---------------------------------------------------------------------------
    def drain(self, timeout_s: float | None = None) -> None:
        """Block until everything submitted so far has been decoded and handed on."""
        with self._lock:
            self._idle.wait_for(lambda: self._outstanding == 0, timeout_s)
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread is not None:
            self._q.put(_STOP)
            self._thread.join(timeout=30)
        sys.setswitchinterval(self._old_interval)
        if self._error is not None:
            raise self._error
