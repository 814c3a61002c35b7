"""The dashboard's handle on the results database, opened lazily and never created.

A missing SQLite file or a database written by a newer tokenfab raises :class:`StoreError`
on every request until it is fixed (the dashboard answers 503), instead of failing once at
start-up or quietly creating an empty database where the user expected their runs.
"""

from __future__ import annotations

import threading
from pathlib import Path

from tokenfab.errors import StoreError
from tokenfab.store import Store
from tokenfab.store.engine import create_store_engine, is_memory_sqlite, mask, parse_url


class StoreSource:
    """``get()`` returns an open :class:`Store` for ``db_url`` or raises :class:`StoreError`."""

    def __init__(self, db_url: str) -> None:
        self.url = db_url
        self._store: Store | None = None
        self._lock = threading.Lock()
        try:
            self.label = mask(parse_url(db_url))
        except StoreError:
            self.label = db_url

    def _sqlite_path(self) -> Path | None:
        url = parse_url(self.url)
        if url.get_backend_name() != "sqlite" or is_memory_sqlite(url):
            return None
        return Path(str(url.database))

    def get(self) -> Store:
        with self._lock:
            path = self._sqlite_path()
            if path is not None and not path.is_file():
                self._drop()
                raise StoreError(
                    f"no database at {path} (the file does not exist); record runs with "
                    f"`tokenfab bench --db {self.label}` or start the dashboard with the right "
                    "--db")
            if self._store is None:
                self._store = Store(self.url, read_only=True)
            return self._store

    def check_url(self) -> None:
        """Raise :class:`StoreError` now when ``db_url`` cannot name a database (bad syntax, no
        driver); a database that is merely missing or down is reported per request instead."""
        create_store_engine(parse_url(self.url)).dispose()

    def _drop(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def close(self) -> None:
        with self._lock:
            self._drop()
