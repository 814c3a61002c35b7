"""tokenfab.store against a real PostgreSQL server (started by tests/integration/pg.py)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, create_engine, inspect, make_url, text

from tests.integration.pg import postgres_url  # noqa: F401  (pytest fixture)
from tokenfab.errors import StoreError
from tokenfab.schemas.records import RequestRecord
from tokenfab.store import RecordWriter, Store, export_run, migration_names
from tokenfab.store import schema as current_schema

pytestmark = pytest.mark.integration

T0 = 5_000_000_000_000
_db_numbers = itertools.count()


def sample_records() -> list[RequestRecord]:
    return [
        RequestRecord(
            point_index=0,
            request_index=0,
            sent_ns=T0,
            end_ns=T0 + 900_000_000,
            first_chunk_ns=T0 + 120_000_000,
            chunk_ns=[T0 + 120_000_000, T0 + 150_000_001, T0 + 900_000_000],
            chunk_tokens=[1, 2, 3],
            input_tokens=128,
            output_tokens=6,
            cached_tokens=0,
            client_output_tokens=6,
            expected_input_tokens=127,
            max_output_tokens=256,
            server_prompt_ms=12.5,
            server_predicted_ms=700.125,
            finish_reason="stop",
            output_text="héllo ✓",
        ),
        RequestRecord(point_index=0, request_index=1, sent_ns=T0 + 5, end_ns=T0 + 10, warmup=True),
        RequestRecord(
            point_index=1,
            request_index=0,
            sent_ns=2**62,
            end_ns=2**62 + 500,
            ok=False,
            error_class="http",
            http_status=500,
            error_detail="boom",
        ),
    ]


def new_run(store: Store, run_id: str, started: int = 1_700_000_000_000_000_000) -> None:
    store.create_run(
        run_id,
        kind="bench",
        label=None,
        config={"concurrency": [1, 4]},
        environment={"gpu": "none"},
        target_url="http://127.0.0.1:8080/v1",
        model="smollm2",
        started_unix_ns=started,
        clock_offset_ns=started - T0,
    )


@pytest.fixture
def pg_db_url(postgres_url: str) -> Iterator[str]:  # noqa: F811
    """A fresh, empty database on the session's server for each test."""
    name = f"tokenfab_t{next(_db_numbers)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_idempotent_and_newer_refused(pg_db_url: str) -> None:
    with Store(pg_db_url) as s:
        assert s.applied_migrations == migration_names()
    with Store(pg_db_url) as s:
        assert s.applied_migrations == []
        assert s.migrations() == migration_names()
    engine = create_engine(pg_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO _migrations VALUES ('m999_future', 0)"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer tokenfab.*m999_future"):
        Store(pg_db_url)


def _shape(engine: Engine) -> dict[str, Any]:
    insp = inspect(engine)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)],
            insp.get_pk_constraint(name)["constrained_columns"],
            sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(name)),
        )
        for name in sorted(insp.get_table_names())
    }


def test_migrations_build_the_live_schema(postgres_url: str) -> None:  # noqa: F811
    """Frozen migration DDL and store/schema.py agree on PostgreSQL too (types included)."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    urls = []
    with admin.connect() as conn:
        for name in ("tokenfab_shape_migrated", "tokenfab_shape_live"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            urls.append(make_url(postgres_url).set(database=name))
    try:
        Store(urls[0].render_as_string(hide_password=False)).close()
        migrated = create_engine(urls[0])
        live = create_engine(urls[1])
        current_schema.metadata.create_all(live)
        assert _shape(migrated) == _shape(live)
        migrated.dispose()
        live.dispose()
    finally:
        with admin.connect() as conn:
            for url in urls:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def test_run_status_and_heartbeat(pg_db_url: str) -> None:
    with Store(pg_db_url) as s:
        new_run(s, "pg-owned", started=time.time_ns())
        info = s.get_run("pg-owned")
        assert info.status == "running" and info.heartbeat_unix_ns is not None
        s.finish_run("pg-owned", {"schema": "x"}, status="server_lost")
        assert s.get_run("pg-owned").status == "server_lost"


def test_records_round_trip(pg_db_url: str) -> None:
    with Store(pg_db_url) as s:
        new_run(s, "pg-run-1")
        s.add_point("pg-run-1", 0, "concurrency", 4)
        s.add_point("pg-run-1", 1, "rate", 2.5)
        s.finish_point("pg-run-1", 0, T0, T0 + 10)
        s.append_records("pg-run-1", sample_records())
        s.finish_run("pg-run-1", {"schema": "tokenfab.run/1"})
    with Store(pg_db_url) as s:
        assert s.records("pg-run-1") == sample_records()
        assert s.records("pg-run-1", point_index=1) == sample_records()[2:]
        detail = s.get_run_detail("pg-run")
        assert detail.status == "complete" and detail.summary == {"schema": "tokenfab.run/1"}
        assert [(p.mode, p.value, p.started_ns, p.n_records) for p in detail.points] == [
            ("concurrency", 4.0, T0, 2),
            ("rate", 2.5, None, 1),
        ]
        assert detail.config == {"concurrency": [1, 4]}


def test_prefixes_order_and_errors(pg_db_url: str) -> None:
    with Store(pg_db_url) as s:
        for rid, started in (("abc1", 1), ("abd2", 3), ("a_x", 2)):
            new_run(s, rid, started)
        assert [r.run_id for r in s.list_runs()] == ["abd2", "a_x", "abc1"]
        assert s.get_run("abc").run_id == "abc1"
        assert s.get_run("a_").run_id == "a_x"
        with pytest.raises(StoreError, match="ambiguous"):
            s.get_run("ab")
        with pytest.raises(StoreError, match="no run 'ABC'"):
            s.get_run("ABC")
        with pytest.raises(StoreError, match="already exists"):
            new_run(s, "abc1")
        with pytest.raises(StoreError, match="no run 'ghost'"):
            s.append_records("ghost", sample_records())


def test_writer_and_export(pg_db_url: str, tmp_path: Path) -> None:
    with Store(pg_db_url) as s:
        new_run(s, "w1")
        s.add_point("w1", 0, "concurrency", 1)
        with RecordWriter(s, "w1") as writer:
            for i in range(300):
                writer.put(RequestRecord(0, i, T0 + i, T0 + i + 7, chunk_ns=[T0 + i + 3]))
            writer.flush()
            with Store(pg_db_url) as other:
                assert len(other.records("w1")) == 300
        out = tmp_path / "w1.parquet"
        assert export_run(s, "w1", "parquet", out) == 300
    rows = pq.read_table(out).to_pylist()
    assert rows[5]["chunk_ns"] == [T0 + 8] and rows[5]["e2e_ms"] == 7e-6
    assert rows[5]["point_mode"] == "concurrency"


def test_unreachable_server_is_one_line(postgres_url: str) -> None:  # noqa: F811
    bad = make_url(postgres_url).set(port=1, password="hunter2")
    with pytest.raises(StoreError) as info:
        Store(bad.render_as_string(hide_password=False))
    assert "hunter2" not in str(info.value) and "\n" not in str(info.value)
