"""Append-only, named schema migrations, recorded in the ``_migrations`` table.

Rules: never edit or reorder a migration that has shipped; add ``m002_...`` after it. Each
migration freezes its own DDL (it must not import :mod:`tokenfab.store.schema`, which moves on).
A database that lists a migration this code does not know was written by a newer tokenfab and
is refused rather than guessed at.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    select,
    text,
)

from tokenfab.errors import StoreError
from tokenfab.store.schema import migrations_table

Migration = Callable[[Connection], None]

# Arbitrary constant key for pg_advisory_xact_lock, so concurrent openers migrate one at a time.
_PG_MIGRATION_LOCK = 0x70CE_FAB0


def _m001_initial(conn: Connection) -> None:
    """Tables ``runs``, ``points``, ``records`` as of tokenfab 0.1 (frozen)."""
    md = MetaData()
    row_id = BigInteger().with_variant(Integer(), "sqlite")
    Table(
        "runs",
        md,
        Column("run_id", Text, primary_key=True),
        Column("kind", Text, nullable=False),
        Column("label", Text),
        Column("config_json", Text, nullable=False),
        Column("environment_json", Text, nullable=False),
        Column("target_url", Text, nullable=False),
        Column("model", Text, nullable=False),
        Column("started_unix_ns", BigInteger, nullable=False),
        Column("clock_offset_ns", BigInteger, nullable=False),
        Column("status", Text, nullable=False),
        Column("summary_json", Text),
        Column("finished_unix_ns", BigInteger),
        Index("ix_runs_started", "started_unix_ns"),
    )
    Table(
        "points",
        md,
        Column("run_id", Text, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        Column("point_index", Integer, primary_key=True, autoincrement=False),
        Column("mode", Text, nullable=False),
        Column("value", Float, nullable=False),
        Column("started_ns", BigInteger),
        Column("ended_ns", BigInteger),
    )
    Table(
        "records",
        md,
        Column("id", row_id, primary_key=True, autoincrement=True),
        Column("run_id", Text, ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        Column("point_index", Integer, nullable=False),
        Column("request_index", Integer, nullable=False),
        Column("sent_ns", BigInteger, nullable=False),
        Column("end_ns", BigInteger, nullable=False),
        Column("warmup", Boolean, nullable=False),
        Column("ok", Boolean, nullable=False),
        Column("error_class", Text),
        Column("http_status", Integer),
        Column("error_detail", Text),
        Column("first_chunk_ns", BigInteger),
        Column("chunk_ns", LargeBinary),
        Column("chunk_tokens", LargeBinary),
        Column("input_tokens", Integer),
        Column("output_tokens", Integer),
        Column("cached_tokens", Integer),
        Column("client_output_tokens", Integer),
        Column("expected_input_tokens", Integer),
        Column("max_output_tokens", Integer),
        Column("server_prompt_ms", Float),
        Column("server_predicted_ms", Float),
        Column("finish_reason", Text),
        Column("output_text", Text),
        Index("ix_records_run_point", "run_id", "point_index"),
    )
    md.create_all(conn, checkfirst=False)  # a foreign "runs" table must fail loudly


def _m002_run_owner(conn: Connection) -> None:
    """``runs.owner_pid``/``owner_host``/``heartbeat_unix_ns``: which process runs it and when it
    last showed life, so a killed run is shown as interrupted or stale (frozen)."""
    for ddl in ("ALTER TABLE runs ADD COLUMN owner_pid INTEGER",
                "ALTER TABLE runs ADD COLUMN owner_host TEXT",
                "ALTER TABLE runs ADD COLUMN heartbeat_unix_ns BIGINT"):
        conn.execute(text(ddl))


# Append only. The order here is the order they run in.
MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("m001_initial", _m001_initial),
    ("m002_run_owner", _m002_run_owner),
)


def migration_names() -> list[str]:
    """Names of every migration this tokenfab knows, oldest first."""
    return [name for name, _ in MIGRATIONS]


def applied_migrations(conn: Connection) -> list[str]:
    """Names recorded in ``_migrations`` (empty for a brand-new database)."""
    if not conn.dialect.has_table(conn, migrations_table.name):
        return []
    rows = conn.execute(select(migrations_table.c.name).order_by(migrations_table.c.name))
    return [str(r[0]) for r in rows]


def apply_migrations(
    engine: Engine, db_label: str, migrations: tuple[tuple[str, Migration], ...] = MIGRATIONS
) -> list[str]:
    """Apply every pending migration in one transaction; return the names applied.

    Serialised against other processes opening the same database: ``BEGIN IMMEDIATE`` on
    SQLite, a transaction-scoped advisory lock on PostgreSQL. Raises :class:`StoreError`
    if the database records a migration not in ``migrations`` (a newer tokenfab wrote it).
    """
    known = [name for name, _ in migrations]
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn = conn.execution_options(tokenfab_sqlite_begin="IMMEDIATE")
    try:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            applied = set(applied_migrations(conn))
            unknown = sorted(applied - set(known))
            if unknown:
                raise StoreError(
                    f"database {db_label} was written by a newer tokenfab (unknown migration "
                    f"{', '.join(unknown)}); upgrade tokenfab or use another --db"
                )
            pending = [(name, fn) for name, fn in migrations if name not in applied]
            if pending:
                migrations_table.create(conn, checkfirst=True)
            for name, fn in pending:
                fn(conn)
                conn.execute(
                    migrations_table.insert().values(name=name, applied_unix_ns=time.time_ns())
                )
    finally:
        conn.close()
    return [name for name, _ in pending]
