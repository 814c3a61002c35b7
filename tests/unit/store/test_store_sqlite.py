"""tokenfab.store against SQLite files in tmp_path: what a user of `tokenfab runs` relies on."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, create_engine, inspect

import tokenfab.store as store_pkg
from tokenfab.errors import StoreError
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import SCHEMA_ID, RunSummary
from tokenfab.store import RecordWriter, Store, default_db_url, export_run, migration_names
from tokenfab.store import schema as current_schema
from tokenfab.store.codec import decode_offsets_ns, encode_offsets_ns

T0 = 1_000_000_000_000  # a perf_counter_ns-sized timestamp


def sample_records() -> list[RequestRecord]:
    """Records that exercise every field: None, empty lists, errors, unicode, big ints."""
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
            cached_tokens=64,
            client_output_tokens=6,
            expected_input_tokens=127,
            max_output_tokens=256,
            server_prompt_ms=12.5,
            server_predicted_ms=700.125,
            finish_reason="length",
            output_text="héllo wörld ✓",
        ),
        RequestRecord(point_index=0, request_index=1, sent_ns=T0 + 5, end_ns=T0 + 10, warmup=True),
        RequestRecord(
            point_index=1,
            request_index=0,
            sent_ns=T0 + 2_000_000_000,
            end_ns=T0 + 2_000_000_500,
            ok=False,
            error_class="http",
            http_status=503,
            error_detail="Service Unavailable\nretry later",
        ),
        RequestRecord(
            point_index=1,
            request_index=1,
            sent_ns=2**62,  # offsets are relative, so huge absolute values still fit
            end_ns=2**62 + 3,
            first_chunk_ns=2**62 + 1,
            chunk_ns=[2**62 + 1, 2**62 + 2],
            ok=False,
            error_class="disconnect",
        ),
    ]


def shape(engine: Engine) -> dict[str, Any]:
    """Every table's columns (name, type, nullable, primary key) and indexes, as reflected."""
    insp = inspect(engine)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"], c.get("primary_key", 0))
             for c in insp.get_columns(name)],
            sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(name)),
        )
        for name in sorted(insp.get_table_names())
    }


def new_run(
    store: Store, run_id: str = "r-abc123", started: int = 1_700_000_000_000_000_000
) -> str:
    store.create_run(
        run_id,
        kind="bench",
        label="baseline",
        config={"concurrency": [1, 4], "max_tokens": 256},
        environment={"gpu": None, "python": "3.11"},
        target_url="http://127.0.0.1:8080/v1",
        model="smollm2",
        started_unix_ns=started,
        clock_offset_ns=started - T0,
    )
    return run_id


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tokenfab.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


# -- migrations ------------------------------------------------------------------------------


def test_migrations_apply_once_and_reopen_is_a_noop(db_url: str) -> None:
    first = Store(db_url)
    assert first.applied_migrations == migration_names()
    first.close()
    second = Store(db_url)
    assert second.applied_migrations == []
    assert second.migrations() == migration_names()
    second.close()


def test_migrated_database_matches_current_schema(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    """The frozen migrations and store/schema.py build the same tables: names, types,
    nullability, primary keys and indexes."""
    live = create_engine(f"sqlite:///{tmp_path / 'live.db'}")
    current_schema.metadata.create_all(live)
    assert shape(create_engine(db_url)) == shape(live)
    assert "ix_records_run_point" in {i["name"] for i in inspect(create_engine(db_url))
                                      .get_indexes("records")}


def test_unknown_newer_migration_is_refused(store: Store, db_url: str, tmp_path: Path) -> None:
    store.close()
    with sqlite3.connect(tmp_path / "tokenfab.db") as raw:
        raw.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', 0)")
    with pytest.raises(StoreError, match="newer tokenfab.*m999_from_the_future.*--db"):
        Store(db_url)


def test_sqlite_uses_wal(store: Store, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "tokenfab.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- bad databases ---------------------------------------------------------------------------


def test_invalid_url_names_the_fix() -> None:
    with pytest.raises(StoreError, match="invalid database URL 'not a url'.*sqlite:///"):
        Store("not a url")


def test_missing_directory_is_one_line_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nope' / 'x.db'}"
    with pytest.raises(StoreError) as info:
        Store(url)
    assert url in str(info.value) and "--db" in str(info.value)
    assert "\n" not in str(info.value)


def test_not_a_database_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        Store(f"sqlite:///{path}")


def test_unreachable_postgres_masks_password() -> None:
    with pytest.raises(StoreError) as info:
        Store("postgresql://bob:s3cret@127.0.0.1:1/tokenfab")
    msg = str(info.value)
    assert "s3cret" not in msg and "***" in msg and "127.0.0.1:1" in msg
    assert "\n" not in msg


def test_default_db_url_under_tokenfab_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / "tf"
    monkeypatch.setenv("TOKENFAB_HOME", str(home))
    assert default_db_url() == f"sqlite:///{home}/tokenfab.db"
    assert home.is_dir()


def test_in_memory_database_works() -> None:
    with Store("sqlite://") as s:
        new_run(s)
        s.append_records("r-abc123", sample_records())
        assert s.records("r-abc123") == sample_records()


# -- runs, points, records -------------------------------------------------------------------


def test_records_round_trip_exactly(store: Store) -> None:
    run_id = new_run(store)
    recs = sample_records()
    store.append_records(run_id, recs[:2])
    store.append_records(run_id, recs[2:])
    store.append_records(run_id, [])
    assert store.records(run_id) == recs
    assert store.records(run_id, point_index=1) == recs[2:]
    assert store.records(run_id, point_index=7) == []


def test_chunk_times_stored_as_int64_offsets(store: Store, tmp_path: Path) -> None:
    run_id = new_run(store)
    store.append_records(run_id, sample_records()[:1])
    with sqlite3.connect(tmp_path / "tokenfab.db") as raw:
        blob, tokens = raw.execute("SELECT chunk_ns, chunk_tokens FROM records").fetchone()
    assert blob == (120_000_000).to_bytes(8, "little") + (150_000_001).to_bytes(8, "little") + (
        900_000_000
    ).to_bytes(8, "little")
    assert tokens == b"\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00"
    assert encode_offsets_ns([], T0) is None
    assert decode_offsets_ns(encode_offsets_ns([T0 - 5, T0], T0), T0) == [T0 - 5, T0]


def test_append_is_visible_to_another_connection_at_once(store: Store, tmp_path: Path) -> None:
    run_id = new_run(store)
    store.append_records(run_id, sample_records())
    with sqlite3.connect(tmp_path / "tokenfab.db") as raw:
        assert raw.execute("SELECT count(*) FROM records").fetchone()[0] == 4


def test_appended_records_survive_kill_9(db_url: str) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        from tokenfab.schemas.records import RequestRecord
        from tokenfab.store import Store
        s = Store({db_url!r})
        s.create_run("killed", kind="run", label=None, config={{}}, environment={{}},
                     target_url="http://x", model="m", started_unix_ns=1, clock_offset_ns=0)
        s.append_records("killed", [RequestRecord(0, i, i, i + 1) for i in range(100)])
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    with Store(db_url) as s:
        assert len(s.records("killed")) == 100
        run = s.get_run("killed")
    # it never wrote its end, but its process is gone: shown as interrupted, not running
    assert (run.stored_status, run.status) == ("running", "interrupted")
    assert run.owner_pid is not None and run.heartbeat_unix_ns is not None


def test_append_to_unknown_run_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no run 'ghost'.*tokenfab runs list"):
        store.append_records("ghost", sample_records())


def test_duplicate_run_and_point_are_refused(store: Store) -> None:
    run_id = new_run(store)
    with pytest.raises(StoreError, match="already exists"):
        new_run(store)
    store.add_point(run_id, 0, "concurrency", 1)
    with pytest.raises(StoreError, match="point 0 .* already exists"):
        store.add_point(run_id, 0, "concurrency", 1)
    with pytest.raises(StoreError, match="no run 'ghost'"):
        store.add_point("ghost", 0, "concurrency", 1)
    with pytest.raises(StoreError, match="no point 5"):
        store.finish_point(run_id, 5, 1, 2)


def test_config_must_be_json(store: Store) -> None:
    with pytest.raises(StoreError, match="config of run 'x' is not JSON"):
        store.create_run(
            "x", kind="run", label=None, config={"p": object()}, environment={},
            target_url="u", model="m", started_unix_ns=0, clock_offset_ns=0,
        )  # fmt: skip


def test_detail_points_summary_and_status(store: Store) -> None:
    run_id = new_run(store)
    store.add_point(run_id, 0, "concurrency", 1)
    store.add_point(run_id, 1, "rate", 2.5)
    store.finish_point(run_id, 0, T0, T0 + 1_000)
    store.append_records(run_id, sample_records())
    detail = store.get_run_detail(run_id)
    assert detail.status == "running" and detail.summary is None and detail.run_summary() is None
    assert detail.config == {"concurrency": [1, 4], "max_tokens": 256}
    assert detail.environment == {"gpu": None, "python": "3.11"}
    assert [(p.mode, p.value, p.started_ns, p.ended_ns, p.n_records) for p in detail.points] == [
        ("concurrency", 1.0, T0, T0 + 1_000, 2),
        ("rate", 2.5, None, None, 2),
    ]
    summary = RunSummary(
        run_id=run_id, target={"url": "http://127.0.0.1:8080/v1", "model": "smollm2"}, points=[]
    )
    store.finish_run(run_id, summary)
    detail = store.get_run_detail(run_id)
    assert detail.status == "complete" and detail.finished_unix_ns is not None
    assert detail.summary is not None and detail.summary["schema"] == SCHEMA_ID
    assert detail.run_summary() == summary
    store.mark_run(run_id, "interrupted")
    assert store.get_run(run_id).status == "interrupted"
    with pytest.raises(StoreError, match="no run 'ghost'"):
        store.mark_run("ghost", "interrupted")
    with pytest.raises(StoreError, match="no run 'ghost'"):
        store.finish_run("ghost", {})


def test_run_id_prefixes(store: Store) -> None:
    for rid in ("abc123", "abd456", "a_b1", "axb2"):
        new_run(store, rid)
    assert store.get_run("abc").run_id == "abc123"
    assert store.get_run_detail("abd").run_id == "abd456"
    assert store.get_run("abc123").run_id == "abc123"
    assert store.get_run("a_").run_id == "a_b1"  # _ is not a wildcard
    assert store.resolve_run_id("ax") == "axb2"
    with pytest.raises(StoreError, match="ambiguous.*abc123, abd456"):
        store.get_run("ab")
    with pytest.raises(StoreError, match="no run 'ABC'"):
        store.get_run("ABC")  # case-sensitive even on SQLite
    with pytest.raises(StoreError, match=r"no run 'zzz' in sqlite:///.*tokenfab runs list"):
        store.records("zzz")


def test_list_runs_newest_first_with_counts(store: Store) -> None:
    new_run(store, "old", started=100)
    new_run(store, "new", started=300)
    new_run(store, "mid", started=200)
    store.add_point("mid", 0, "concurrency", 1)
    store.append_records("mid", sample_records())
    runs = store.list_runs()
    assert [r.run_id for r in runs] == ["new", "mid", "old"]
    mid = runs[1]
    assert (mid.n_records, mid.n_points, mid.kind, mid.label) == (4, 1, "bench", "baseline")
    assert (runs[0].n_records, runs[0].n_points) == (0, 0)
    assert [r.run_id for r in store.list_runs(limit=2)] == ["new", "mid"]


def test_closed_store_says_so(db_url: str) -> None:
    s = Store(db_url)
    s.close()
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.list_runs()


# -- RecordWriter ----------------------------------------------------------------------------


def test_writer_commits_and_flush_makes_rows_visible(store: Store, db_url: str) -> None:
    run_id = new_run(store)
    writer = RecordWriter(store, run_id)
    recs = [RequestRecord(0, i, T0 + i, T0 + i + 10, chunk_ns=[T0 + i + 5]) for i in range(500)]
    for rec in recs:
        writer.put(rec)
    writer.flush()
    with Store(db_url) as other:
        assert other.records(run_id) == recs
    writer.put(sample_records()[0])
    writer.close()
    assert writer.written == 501
    with Store(db_url) as other:
        assert len(other.records(run_id)) == 501
    with pytest.raises(StoreError, match="closed"):
        writer.put(sample_records()[0])


def test_writer_reraises_thread_errors(store: Store) -> None:
    writer = RecordWriter(store, "ghost")
    writer.put(sample_records()[0])
    with pytest.raises(StoreError, match="no run 'ghost'"):
        writer.flush()
    assert isinstance(writer.error, StoreError)
    with pytest.raises(StoreError, match="no run 'ghost'"):
        writer.close()


def test_writer_from_asyncio_loop(store: Store, db_url: str) -> None:
    import asyncio

    run_id = new_run(store)

    async def produce(writer: RecordWriter) -> None:
        for i in range(200):
            writer.put(RequestRecord(0, i, T0 + i, T0 + i + 1))
            if i % 50 == 0:
                await asyncio.sleep(0)
        await asyncio.to_thread(writer.flush)

    with RecordWriter(store, run_id, max_batch=7) as writer:
        asyncio.run(produce(writer))
        with Store(db_url) as other:
            assert [r.request_index for r in other.records(run_id)] == list(range(200))


# -- export ---------------------------------------------------------------------------------


@pytest.fixture
def exported_run(store: Store) -> str:
    run_id = new_run(store)
    store.add_point(run_id, 0, "concurrency", 4)
    store.add_point(run_id, 1, "rate", 2.5)
    store.append_records(run_id, sample_records())
    return run_id


def check_rows(rows: list[dict[str, object]]) -> None:
    recs = sample_records()
    assert len(rows) == len(recs)
    first, failed = rows[0], rows[2]
    assert first["run_id"] == "r-abc123" and first["model"] == "smollm2"
    assert (first["point_mode"], first["point_value"]) == ("concurrency", 4.0)
    assert (failed["point_mode"], failed["point_value"]) == ("rate", 2.5)
    assert first["ttft_ms"] == 120.0 and first["e2e_ms"] == 900.0
    assert first["sent_ns"] == T0 and first["sent_unix_ns"] == 1_700_000_000_000_000_000
    assert first["chunk_ns"] == recs[0].chunk_ns and first["chunk_tokens"] == [1, 2, 3]
    assert first["output_text"] == "héllo wörld ✓" and first["server_predicted_ms"] == 700.125
    assert failed["ttft_ms"] is None and failed["ok"] is False and failed["http_status"] == 503
    assert failed["error_key"] == "http_503" and failed["chunk_ns"] == []
    assert rows[3]["chunk_ns"] == [2**62 + 1, 2**62 + 2]


def test_export_json_reads_back(store: Store, exported_run: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    assert export_run(store, "r-abc", "json", out) == 4
    check_rows(json.loads(out.read_text()))


def test_export_parquet_reads_back(store: Store, exported_run: str, tmp_path: Path) -> None:
    out = tmp_path / "run.parquet"
    export_run(store, exported_run, "parquet", str(out))
    table = pq.read_table(out)
    chunk_type = table.schema.field("chunk_ns").type
    assert pa.types.is_list(chunk_type) and chunk_type.value_type == pa.int64()
    assert table.schema.field("sent_ns").type == pa.int64()
    check_rows(table.to_pylist())


def test_export_csv_reads_back(store: Store, exported_run: str, tmp_path: Path) -> None:
    out = tmp_path / "run.csv"
    export_run(store, exported_run, "csv", out)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first, failed = rows[0], rows[2]
    assert first["chunk_ns"] == " ".join(str(v) for v in sample_records()[0].chunk_ns)
    assert int(first["sent_ns"]) == T0 and float(first["ttft_ms"]) == 120.0
    assert float(first["e2e_ms"]) == 900.0 and first["output_text"] == "héllo wörld ✓"
    assert failed["ttft_ms"] == "" and failed["chunk_ns"] == "" and failed["ok"] == "False"
    assert failed["error_detail"] == "Service Unavailable\nretry later"
    assert (failed["point_mode"], float(failed["point_value"])) == ("rate", 2.5)


def test_export_to_stdout(
    store: Store, exported_run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    export_run(store, exported_run, "json", "-")
    check_rows(json.loads(capsys.readouterr().out))
    export_run(store, exported_run, "csv", "-")
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 4


def test_export_parquet_to_stdout_is_refused(store: Store, exported_run: str) -> None:
    with pytest.raises(StoreError, match="parquet.*file path"):
        export_run(store, exported_run, "parquet", "-")


def test_export_unknown_run(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no run 'nope'"):
        export_run(store, "nope", "json", tmp_path / "x.json")


# -- public surface --------------------------------------------------------------------------


def test_public_api_is_exported() -> None:
    assert store_pkg.__all__ == sorted(store_pkg.__all__)
    for name in store_pkg.__all__:
        assert hasattr(store_pkg, name), name
