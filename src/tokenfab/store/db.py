"""The :class:`Store`: runs, load points and per-request records in SQLite or PostgreSQL.

Only this package writes SQL. Every write method commits before it returns, so a process
killed right after ``append_records`` returns has lost nothing it was handed.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, inspect, null, select
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from tokenfab.errors import StoreError
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import RunSummary
from tokenfab.store import schema as t
from tokenfab.store.codec import record_to_row, row_to_record
from tokenfab.store.engine import (
    create_store_engine,
    default_db_url,
    is_memory_sqlite,
    mask,
    parse_url,
    read_only_urls,
    sqlite_file,
)
from tokenfab.store.migrations import applied_migrations, apply_migrations, migration_names
from tokenfab.store.models import PointInfo, RunDetail, RunInfo
from tokenfab.store.status import effective_status, pid_alive, this_host

FINAL_STATUSES = ("complete", "interrupted", "failed", "server_lost")

_RUNS_HINT = "list runs with `tokenfab runs list`"


def _json_text(value: Mapping[str, Any], what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"{what} is not JSON-serialisable ({exc}); pass plain dict/list/str/number values "
            "(pydantic: model_dump(mode='json'))"
        ) from exc


class Store:
    """Results database. ``Store(url)`` connects and applies pending migrations.

    ``read_only=True`` is for readers (``runs``, reports, the dashboard): when the database
    cannot be written (a read-only data directory or file) it is read as it is, and a SQLite
    file that does not exist yet reads as empty instead of being created. Write methods of a
    read-only store raise :class:`StoreError`.

    Thread-safe: methods may be called from several threads (see :class:`RecordWriter` for
    the usual pattern of one writer thread next to an asyncio loop).
    """

    def __init__(self, url: str | None = None, *, read_only: bool = False) -> None:
        self._url = parse_url(url if url is not None else default_db_url(create=not read_only))
        self.label = mask(self._url)
        self.read_only = read_only
        self._run_columns = frozenset(c.name for c in t.runs.columns)
        self._engine = create_store_engine(self._url)
        # An in-memory SQLite database is one shared connection: serialise access to it.
        self._lock: AbstractContextManager[Any] = (
            threading.RLock() if is_memory_sqlite(self._url) else nullcontext()
        )
        self._closed = False
        self.applied_migrations: list[str] = []
        try:
            self.applied_migrations = apply_migrations(self._engine, self.label)
        except StoreError:
            self._engine.dispose()
            raise
        except SQLAlchemyError as exc:
            self._engine.dispose()
            fallback = self._open_as_is() if read_only else None
            if fallback is None:
                raise StoreError(self._open_error(exc)) from exc
            self._engine = fallback

    # -- opening --------------------------------------------------------------------------

    def _open_error(self, exc: SQLAlchemyError) -> str:
        path = sqlite_file(self._url)
        reason = self._reason(exc)
        if path is not None and path.parent.is_dir() and (
            "readonly" in reason or not os.access(path.parent, os.W_OK)
            or (path.exists() and not os.access(path, os.W_OK))
        ):
            return (f"database {self.label} is read-only ({reason}); reading it still works "
                    "(`tokenfab runs list`); to store runs set TOKENFAB_HOME to a writable "
                    "directory or pass --db")
        return (f"cannot open database {self.label} ({reason}); check that it exists, "
                "is reachable and that the URL is right, or pass another --db")

    def _open_as_is(self) -> Engine | None:
        """A read-only engine on a SQLite file that cannot be migrated (None: not possible).

        A file that does not exist reads as an empty database (an in-memory stand-in)."""
        path = sqlite_file(self._url)
        if path is None:
            return None
        if not path.exists():
            return self._empty_stand_in()
        for url in read_only_urls(self._url):
            engine = create_store_engine(url, read_only=True)
            try:
                with engine.connect() as conn:
                    if not conn.dialect.has_table(conn, t.runs.name):
                        engine.dispose()
                        return self._empty_stand_in()
                    unknown = sorted(set(applied_migrations(conn)) - set(migration_names()))
                    cols = {str(c["name"]) for c in inspect(conn).get_columns(t.runs.name)}
            except SQLAlchemyError:
                engine.dispose()
                continue
            if unknown:
                engine.dispose()
                raise StoreError(
                    f"database {self.label} was written by a newer tokenfab (unknown migration "
                    f"{', '.join(unknown)}); upgrade tokenfab or use another --db"
                )
            self._run_columns = frozenset(cols)
            return engine
        return None

    def _empty_stand_in(self) -> Engine:
        engine = create_store_engine(parse_url("sqlite://"))
        apply_migrations(engine, self.label)
        self._lock = threading.RLock()
        return engine

    # -- plumbing -------------------------------------------------------------------------

    def _reason(self, exc: BaseException) -> str:
        inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        lines = [ln.strip() for ln in str(inner).splitlines() if ln.strip()]
        msg = lines[0] if lines else type(inner).__name__
        if self._url.password:
            msg = msg.replace(str(self._url.password), "***")
        return msg

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[Connection]:
        """A connection inside a transaction, committed on success (``write``) or rolled back."""
        if self._closed:
            raise StoreError(f"store for {self.label} is closed; open a new Store")
        if write and self.read_only:
            raise StoreError(f"database {self.label} was opened for reading only; "
                             "open it with Store(url) to store runs")
        with self._lock:
            try:
                with self._engine.connect() as conn:
                    if write:
                        with conn.begin():
                            yield conn
                    else:
                        yield conn
            except (StoreError, IntegrityError):
                raise
            except SQLAlchemyError as exc:
                raise StoreError(
                    f"database {self.label} failed ({self._reason(exc)}); check that it is "
                    "reachable and writable"
                ) from exc

    def _no_run(self, run_id: str) -> StoreError:
        return StoreError(f"no run '{run_id}' in {self.label}; {_RUNS_HINT}")

    def _require_run(self, conn: Connection, run_id: str) -> None:
        found = conn.execute(select(t.runs.c.run_id).where(t.runs.c.run_id == run_id)).first()
        if found is None:
            raise self._no_run(run_id)

    # -- writes ---------------------------------------------------------------------------

    def create_run(
        self,
        run_id: str,
        *,
        kind: str,
        label: str | None,
        config: Mapping[str, Any],
        environment: Mapping[str, Any],
        target_url: str,
        model: str,
        started_unix_ns: int,
        clock_offset_ns: int,
        owner_pid: int | None = None,
        owner_host: str | None = None,
    ) -> None:
        """Record a new run with status ``running``, owned by this process (``owner_pid``,
        ``owner_host`` default to it) with its first heartbeat at ``started_unix_ns``.

        ``clock_offset_ns`` = unix_ns - perf_counter_ns at start, so that
        unix_ns(x) = x + clock_offset_ns for any record timestamp x.
        """
        if not run_id:
            raise StoreError("run id must not be empty; let tokenfab generate one")
        row = {
            "run_id": run_id,
            "kind": kind,
            "label": label,
            "config_json": _json_text(config, f"config of run '{run_id}'"),
            "environment_json": _json_text(environment, f"environment of run '{run_id}'"),
            "target_url": target_url,
            "model": model,
            "started_unix_ns": started_unix_ns,
            "clock_offset_ns": clock_offset_ns,
            "status": "running",
            "owner_pid": os.getpid() if owner_pid is None else owner_pid,
            "owner_host": this_host() if owner_host is None else owner_host,
            "heartbeat_unix_ns": started_unix_ns,
        }
        try:
            with self._connect(write=True) as conn:
                conn.execute(t.runs.insert().values(**row))
        except IntegrityError as exc:
            raise StoreError(
                f"run '{run_id}' already exists in {self.label}; use a new run id"
            ) from exc

    def add_point(self, run_id: str, point_index: int, mode: str, value: float) -> None:
        """Declare load point ``point_index`` (e.g. mode ``concurrency``, value 8)."""
        try:
            with self._connect(write=True) as conn:
                conn.execute(
                    t.points.insert().values(
                        run_id=run_id, point_index=point_index, mode=mode, value=float(value)
                    )
                )
        except IntegrityError as exc:
            with self._connect(write=False) as conn:
                self._require_run(conn, run_id)
            raise StoreError(
                f"point {point_index} of run '{run_id}' already exists in {self.label}; "
                "use the next point index"
            ) from exc

    def finish_point(self, run_id: str, point_index: int, started_ns: int, ended_ns: int) -> None:
        """Store when the point's measurement window began and ended (perf_counter_ns)."""
        stmt = (
            t.points.update()
            .where(t.points.c.run_id == run_id, t.points.c.point_index == point_index)
            .values(started_ns=started_ns, ended_ns=ended_ns)
        )
        with self._connect(write=True) as conn:
            if conn.execute(stmt).rowcount == 0:
                self._require_run(conn, run_id)
                raise StoreError(
                    f"no point {point_index} in run '{run_id}' in {self.label}; "
                    "declare it with add_point first"
                )

    def append_records(self, run_id: str, records: Sequence[RequestRecord]) -> None:
        """Insert ``records`` for ``run_id``, beat its heartbeat and commit before returning."""
        if not records:
            return
        rows = [record_to_row(run_id, rec) for rec in records]
        beat = t.runs.update().where(t.runs.c.run_id == run_id)
        try:
            with self._connect(write=True) as conn:
                conn.execute(t.records.insert(), rows)
                conn.execute(beat.values(heartbeat_unix_ns=time.time_ns()))
        except IntegrityError as exc:
            with self._connect(write=False) as conn:
                self._require_run(conn, run_id)
            raise StoreError(
                f"cannot store records of run '{run_id}' in {self.label} "
                f"({self._reason(exc)}); this is a bug, please report it"
            ) from exc

    def set_client_counts(
        self, run_id: str, counts: Sequence[tuple[int, int, int | None]]
    ) -> None:
        """Store client-side output token counts ``(point_index, request_index, count)``
        computed after a point ended (the tokenizer cross-check), and commit."""
        if not counts:
            return
        stmt = (
            t.records.update()
            .where(t.records.c.run_id == bindparam("b_run"))
            .where(t.records.c.point_index == bindparam("b_point"))
            .where(t.records.c.request_index == bindparam("b_req"))
            .values(client_output_tokens=bindparam("b_count"))
        )
        params = [{"b_run": run_id, "b_point": p, "b_req": r, "b_count": c} for p, r, c in counts]
        with self._connect(write=True) as conn:
            conn.execute(stmt, params)

    def heartbeat(self, run_id: str) -> None:
        """Say the run is alive now (its record writer does this while it is open)."""
        self._update_run(run_id, heartbeat_unix_ns=time.time_ns())

    def finish_run(
        self,
        run_id: str,
        summary: RunSummary | Mapping[str, Any],
        status: str = "complete",
        environment: Mapping[str, Any] | None = None,
    ) -> None:
        """Store the run's summary and final status (``complete`` or ``server_lost``, whose
        summary covers the records completed before the server went), and the environment
        manifest as completed by the run (e.g. where its token counts came from)."""
        data = summary.to_json_dict() if isinstance(summary, RunSummary) else summary
        values: dict[str, Any] = {"summary_json": _json_text(data, f"summary of run '{run_id}'")}
        if environment is not None:
            values["environment_json"] = _json_text(environment, f"environment of run '{run_id}'")
        _check_final(status)
        now = time.time_ns()
        self._update_run(run_id, status=status, finished_unix_ns=now, heartbeat_unix_ns=now,
                         **values)

    def mark_run(self, run_id: str, status: str) -> None:
        """Set the run's final status without a summary: ``interrupted`` or ``failed``."""
        _check_final(status)
        now = time.time_ns()
        self._update_run(run_id, status=status, finished_unix_ns=now, heartbeat_unix_ns=now)

    def _update_run(self, run_id: str, **values: Any) -> None:
        with self._connect(write=True) as conn:
            stmt = t.runs.update().where(t.runs.c.run_id == run_id).values(**values)
            if conn.execute(stmt).rowcount == 0:
                raise self._no_run(run_id)

    # -- reads ----------------------------------------------------------------------------

    def resolve_run_id(self, run_id: str) -> str:
        """The full id of the run ``run_id`` names exactly or as a unique prefix."""
        if not run_id:
            raise self._no_run(run_id)
        c = t.runs.c.run_id
        with self._connect(write=False) as conn:
            if conn.execute(select(c).where(c == run_id)).first() is not None:
                return run_id
            # substr, not LIKE: LIKE is case-insensitive on SQLite and treats _ and % specially.
            prefix = func.substr(c, 1, len(run_id)) == run_id
            found = [str(r[0]) for r in conn.execute(select(c).where(prefix).order_by(c).limit(6))]
        if not found:
            raise self._no_run(run_id)
        if len(found) > 1:
            shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
            raise StoreError(
                f"run id prefix '{run_id}' is ambiguous in {self.label} (matches {shown}); "
                "give more characters"
            )
        return found[0]

    def _info_select(self) -> Any:
        r = t.runs
        # Read as-is from an older database: columns of later migrations read as NULL.
        cols = [c if c.name in self._run_columns else null().label(c.name) for c in r.columns]
        n_records = (
            select(func.count())
            .select_from(t.records)
            .where(t.records.c.run_id == r.c.run_id)
            .scalar_subquery()
        )
        n_points = (
            select(func.count())
            .select_from(t.points)
            .where(t.points.c.run_id == r.c.run_id)
            .scalar_subquery()
        )
        return select(
            *cols,
            n_records.label("n_records"),
            n_points.label("n_points"),
        )

    @staticmethod
    def _info_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
        fields = {name: row[name] for name in RunInfo.model_fields if name != "stored_status"}
        fields["stored_status"] = row["status"]
        fields["status"] = effective_status(
            row["status"], owner_host=row["owner_host"], owner_pid=row["owner_pid"],
            heartbeat_unix_ns=row["heartbeat_unix_ns"], started_unix_ns=row["started_unix_ns"],
            now_unix_ns=time.time_ns(), host=this_host(), alive=pid_alive)
        return fields

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        """The ``limit`` most recently started runs, newest first."""
        stmt = (
            self._info_select()
            .order_by(t.runs.c.started_unix_ns.desc(), t.runs.c.run_id.desc())
            .limit(limit)
        )
        with self._connect(write=False) as conn:
            rows = conn.execute(stmt).mappings().all()
        return [RunInfo(**self._info_fields(row)) for row in rows]

    def get_run(self, run_id: str) -> RunInfo:
        """The run with id (or unique id prefix) ``run_id``."""
        full = self.resolve_run_id(run_id)
        with self._connect(write=False) as conn:
            row = conn.execute(self._info_select().where(t.runs.c.run_id == full)).mappings().one()
        return RunInfo(**self._info_fields(row))

    def get_run_detail(self, run_id: str) -> RunDetail:
        """Config, environment, summary and points of a run (id or unique prefix)."""
        full = self.resolve_run_id(run_id)
        p = t.points
        counts = (
            select(t.records.c.point_index, func.count().label("n"))
            .where(t.records.c.run_id == full)
            .group_by(t.records.c.point_index)
        )
        with self._connect(write=False) as conn:
            row = conn.execute(self._info_select().where(t.runs.c.run_id == full)).mappings().one()
            point_rows = (
                conn.execute(select(p).where(p.c.run_id == full).order_by(p.c.point_index))
                .mappings()
                .all()
            )
            n_by_point = {int(r[0]): int(r[1]) for r in conn.execute(counts)}
        summary_json = row["summary_json"]
        return RunDetail(
            **self._info_fields(row),
            clock_offset_ns=row["clock_offset_ns"],
            finished_unix_ns=row["finished_unix_ns"],
            config=json.loads(row["config_json"]),
            environment=json.loads(row["environment_json"]),
            summary=json.loads(summary_json) if summary_json is not None else None,
            points=[
                PointInfo(
                    point_index=pr["point_index"],
                    mode=pr["mode"],
                    value=pr["value"],
                    started_ns=pr["started_ns"],
                    ended_ns=pr["ended_ns"],
                    n_records=n_by_point.get(int(pr["point_index"]), 0),
                )
                for pr in point_rows
            ],
        )

    def records(self, run_id: str, point_index: int | None = None) -> list[RequestRecord]:
        """The run's records in the order they were stored, optionally of one point only."""
        full = self.resolve_run_id(run_id)
        r = t.records
        stmt = select(r).where(r.c.run_id == full)
        if point_index is not None:
            stmt = stmt.where(r.c.point_index == point_index)
        with self._connect(write=False) as conn:
            rows = conn.execute(stmt.order_by(r.c.id)).mappings().all()
        return [row_to_record(row) for row in rows]

    def migrations(self) -> list[str]:
        """Names of the migrations recorded in the database."""
        with self._connect(write=False) as conn:
            return applied_migrations(conn)

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Release every connection. Idempotent."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.label!r})"


def _check_final(status: str) -> None:
    if status not in FINAL_STATUSES:
        raise StoreError(f"a run ends as one of {', '.join(FINAL_STATUSES)}, not {status!r}; "
                         "this is a bug, please report it")
