"""RecordWriter: persist records from an asyncio loop without blocking it on the database."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

from tokenfab.errors import StoreError
from tokenfab.schemas.records import RequestRecord
from tokenfab.store.db import Store
from tokenfab.store.status import HEARTBEAT_EVERY_S


@dataclass(slots=True)
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class _Stop:
    pass


_Item = RequestRecord | _Flush | _Stop


class RecordWriter:
    """Background thread that commits records as they arrive.

    ``put`` only enqueues (safe to call from the event loop). The thread takes whatever has
    accumulated, up to ``max_batch`` records, and commits it with one
    :meth:`Store.append_records` call, with no artificial delay: under light load each record
    is committed on its own, under heavy load batches grow by themselves.

    A failure in the thread is kept and raised by the next :meth:`flush` or :meth:`close`
    (and every one after it); records handed over after the failure are not written.

    While open, the thread beats the run's heartbeat every ``heartbeat_s`` seconds without
    records (each commit beats it too), so readers can tell a quiet run from a dead one.
    """

    def __init__(self, store: Store, run_id: str, *, max_batch: int = 2000,
                 heartbeat_s: float = HEARTBEAT_EVERY_S) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        self.store = store
        self.run_id = run_id
        self.max_batch = max_batch
        self.heartbeat_s = heartbeat_s
        self.written = 0  # records committed so far
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(
            target=self._run, name=f"tokenfab-record-writer-{run_id}", daemon=True
        )
        self._thread.start()

    @property
    def error(self) -> BaseException | None:
        """The failure that stopped writing, if any."""
        return self._error

    def put(self, record: RequestRecord) -> None:
        """Hand one record over; never blocks."""
        if self._closed:
            raise StoreError(f"record writer for run '{self.run_id}' is closed; open a new one")
        self._queue.put_nowait(record)

    def flush(self, timeout: float | None = None) -> None:
        """Block until every record put so far is committed (or raise the thread's error)."""
        if self._thread.is_alive():
            marker = _Flush()
            self._queue.put_nowait(marker)
            if not marker.done.wait(timeout):
                raise StoreError(
                    f"records of run '{self.run_id}' not committed within {timeout} s; "
                    f"is {self.store.label} locked by another process?"
                )
        self._raise_if_failed()

    def close(self) -> None:
        """Flush, stop the thread and raise its error if it had one. Idempotent."""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(_Stop())
            self._thread.join()
        self._raise_if_failed()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _raise_if_failed(self) -> None:
        err = self._error
        if err is None:
            return
        if isinstance(err, StoreError):
            raise err
        raise StoreError(
            f"writing records of run '{self.run_id}' to {self.store.label} failed "
            f"({type(err).__name__}: {err}); records after the failure were not stored"
        ) from err

    def _write(self, batch: list[RequestRecord]) -> None:
        if not batch or self._error is not None:
            return
        try:
            self.store.append_records(self.run_id, batch)
            self.written += len(batch)
        except BaseException as exc:  # kept, re-raised on flush/close
            self._error = exc

    def _beat(self) -> None:
        if self._error is not None:
            return
        try:
            self.store.heartbeat(self.run_id)
        except BaseException as exc:  # kept, re-raised on flush/close
            self._error = exc

    def _run(self) -> None:
        stop = False
        while not stop:
            try:
                item = self._queue.get(timeout=self.heartbeat_s)
            except queue.Empty:
                self._beat()
                continue
            batch: list[RequestRecord] = []
            while True:
                if isinstance(item, RequestRecord):
                    batch.append(item)
                    if len(batch) >= self.max_batch:
                        self._write(batch)
                        batch = []
                elif isinstance(item, _Flush):
                    self._write(batch)
                    batch = []
                    item.done.set()
                else:
                    stop = True
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(batch)
