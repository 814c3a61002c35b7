"""The tables as the code reads and writes them today.

This is the *current* shape, the sum of every migration in :mod:`tokenfab.store.migrations`.
Migrations never import it (they freeze their own DDL); a unit test checks that a freshly
migrated database has exactly these columns and types, so the two cannot drift apart.

Units: every ``*_ns`` column is integer nanoseconds. ``sent_ns``/``end_ns``/``first_chunk_ns``
and the point ``started_ns``/``ended_ns`` are ``perf_counter_ns`` values of the sending process;
``runs.clock_offset_ns`` (= unix_ns - perf_counter_ns at start) maps them to Unix time.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not a BIGINT one.
RowId = BigInteger().with_variant(Integer(), "sqlite")

migrations_table = Table(
    "_migrations",
    metadata,
    Column("name", Text, primary_key=True),
    Column("applied_unix_ns", BigInteger, nullable=False),
)

runs = Table(
    "runs",
    metadata,
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
    # m002: who runs it and when it last showed life (see tokenfab.store.status)
    Column("owner_pid", Integer),
    Column("owner_host", Text),
    Column("heartbeat_unix_ns", BigInteger),
    Index("ix_runs_started", "started_unix_ns"),
)

points = Table(
    "points",
    metadata,
    Column("run_id", Text, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("point_index", Integer, primary_key=True, autoincrement=False),
    Column("mode", Text, nullable=False),
    Column("value", Float, nullable=False),
    Column("started_ns", BigInteger),
    Column("ended_ns", BigInteger),
)

records = Table(
    "records",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
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
    # little-endian int64 offsets from sent_ns; NULL when the list is empty
    Column("chunk_ns", LargeBinary),
    # little-endian int32 token counts per chunk; NULL when the list is empty
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
