"""Database URLs and engines: where the default database lives, how a URL becomes an engine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from tokenfab.errors import StoreError

URL_HELP = "use sqlite:///path/to/tokenfab.db or postgresql+psycopg://user@host:5432/dbname"


def tokenfab_home() -> Path:
    """``$TOKENFAB_HOME``, else ``~/.local/share/tokenfab``."""
    env = os.environ.get("TOKENFAB_HOME")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "tokenfab"


def default_db_url(create: bool = True) -> str:
    """``sqlite:///$TOKENFAB_HOME/tokenfab.db``, creating the directory if needed (``create``;
    readers pass False so that a read-only data directory still lists its runs)."""
    home = tokenfab_home()
    if not create:
        return f"sqlite:///{(home / 'tokenfab.db').absolute()}"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the tokenfab data directory {home} ({exc.strerror}); "
            "set TOKENFAB_HOME to a writable directory or pass --db"
        ) from exc
    return f"sqlite:///{(home / 'tokenfab.db').absolute()}"


def parse_url(url: str | URL) -> URL:
    """Parse ``url``; bare ``postgresql://`` means the psycopg 3 driver tokenfab depends on."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {url!r}; {URL_HELP}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def mask(url: URL) -> str:
    """The URL as it may appear in messages and logs: password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None (in-memory, other backends)."""
    if url.get_backend_name() != "sqlite" or is_memory_sqlite(url) or url.database is None:
        return None
    return Path(url.database)


def read_only_urls(url: URL) -> list[URL]:
    """Ways to read a SQLite file without writing next to it: ``mode=ro`` first, then
    ``immutable=1`` (a WAL database in a read-only directory cannot create its -shm file)."""
    path = sqlite_file(url)
    if path is None:
        return []
    base = f"sqlite:///file:{path.absolute()}"
    return [make_url(f"{base}?mode=ro&uri=true"), make_url(f"{base}?immutable=1&uri=true")]


def _sqlite_read_only_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 module (it skips it for DDL and SELECT; see the
    # SQLAlchemy SQLite docs) and let _sqlite_on_begin issue it.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")  # readers never block the record writer
        cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives kill -9
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("tokenfab_sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def create_store_engine(url: URL, read_only: bool = False) -> Engine:
    """An engine for ``url`` with tokenfab's SQLite settings; raises :class:`StoreError`.

    ``read_only`` (SQLite): no journal-mode pragma, which would need to write."""
    label = mask(url)
    kwargs: dict[str, Any] = {}
    backend = url.get_backend_name()
    if backend == "sqlite":
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30.0}
        kwargs["connect_args"] = connect_args
        if is_memory_sqlite(url):
            kwargs["poolclass"] = StaticPool  # one shared connection, or each would be empty
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError, ImportError) as exc:
        hint = (
            "pip install 'tokenfab[postgres]'"
            if backend == "postgresql"
            else f"use a supported database; {URL_HELP}"
        )
        raise StoreError(f"no database driver for {label} ({exc}); {hint}") from exc
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {label} ({exc}); {URL_HELP}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect",
                     _sqlite_read_only_on_connect if read_only else _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine
