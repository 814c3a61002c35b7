"""Export a run's records as JSON, CSV or Parquet: one row per request record.

Each row carries its run and point metadata, the record's fields with timestamps as integer
perf_counter nanoseconds (``sent_unix_ns`` = sent_ns + clock_offset_ns gives wall time), and
two derived fields: ``ttft_ms`` = (first_chunk_ns - sent_ns) / 1e6 and
``e2e_ms`` = (end_ns - sent_ns) / 1e6. ``chunk_ns``/``chunk_tokens`` are lists in JSON and
Parquet (list<int64>) and space-separated integers in CSV.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from tokenfab.errors import StoreError
from tokenfab.schemas.records import RequestRecord
from tokenfab.store.db import Store
from tokenfab.store.models import RunDetail

ExportFormat = Literal["json", "csv", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("json", "csv", "parquet")

_NS_TO_MS = 1e-6

# Column order and Parquet types of an exported row.
COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("run_id", pa.string()),
    ("run_kind", pa.string()),
    ("run_label", pa.string()),
    ("model", pa.string()),
    ("target_url", pa.string()),
    ("point_index", pa.int64()),
    ("point_mode", pa.string()),
    ("point_value", pa.float64()),
    ("request_index", pa.int64()),
    ("warmup", pa.bool_()),
    ("ok", pa.bool_()),
    ("error_class", pa.string()),
    ("error_key", pa.string()),
    ("http_status", pa.int64()),
    ("error_detail", pa.string()),
    ("sent_ns", pa.int64()),
    ("first_chunk_ns", pa.int64()),
    ("end_ns", pa.int64()),
    ("sent_unix_ns", pa.int64()),
    ("ttft_ms", pa.float64()),
    ("e2e_ms", pa.float64()),
    ("chunk_ns", pa.list_(pa.int64())),
    ("chunk_tokens", pa.list_(pa.int64())),
    ("input_tokens", pa.int64()),
    ("output_tokens", pa.int64()),
    ("cached_tokens", pa.int64()),
    ("client_output_tokens", pa.int64()),
    ("expected_input_tokens", pa.int64()),
    ("max_output_tokens", pa.int64()),
    ("server_prompt_ms", pa.float64()),
    ("server_predicted_ms", pa.float64()),
    ("finish_reason", pa.string()),
    ("output_text", pa.string()),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
_LIST_COLUMNS = ("chunk_ns", "chunk_tokens")


def export_row(detail: RunDetail, rec: RequestRecord) -> dict[str, Any]:
    """One exported row for ``rec`` of the run ``detail`` (pure)."""
    point = next((p for p in detail.points if p.point_index == rec.point_index), None)
    ttft_ns = rec.ttft_ns
    row: dict[str, Any] = {
        "run_id": detail.run_id,
        "run_kind": detail.kind,
        "run_label": detail.label,
        "model": detail.model,
        "target_url": detail.target_url,
        "point_index": rec.point_index,
        "point_mode": point.mode if point else None,
        "point_value": point.value if point else None,
        "request_index": rec.request_index,
        "warmup": rec.warmup,
        "ok": rec.ok,
        "error_class": rec.error_class,
        "error_key": rec.error_key,
        "http_status": rec.http_status,
        "error_detail": rec.error_detail,
        "sent_ns": rec.sent_ns,
        "first_chunk_ns": rec.first_chunk_ns,
        "end_ns": rec.end_ns,
        "sent_unix_ns": rec.sent_ns + detail.clock_offset_ns,
        "ttft_ms": ttft_ns * _NS_TO_MS if ttft_ns is not None else None,
        "e2e_ms": rec.e2e_ns * _NS_TO_MS,
        "chunk_ns": list(rec.chunk_ns),
        "chunk_tokens": list(rec.chunk_tokens),
    }
    for name in COLUMN_NAMES:
        if name not in row:
            row[name] = getattr(rec, name)
    return {name: row[name] for name in COLUMN_NAMES}


def export_rows(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Every exported row of run ``run_id`` (id or unique prefix), in stored order."""
    detail = store.get_run_detail(run_id)
    return [export_row(detail, rec) for rec in store.records(detail.run_id)]


@contextmanager
def _text_out(path: str | Path) -> Iterator[TextIO]:
    if str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            yield fh
    except OSError as exc:
        raise StoreError(f"cannot write {path} ({exc.strerror}); pick a writable path") from exc


def _csv_cell(name: str, value: Any) -> Any:
    if name in _LIST_COLUMNS:
        return " ".join(str(v) for v in value)
    return "" if value is None else value


def write_json(rows: list[dict[str, Any]], out: TextIO) -> None:
    """A JSON array of row objects."""
    json.dump(rows, out, indent=None, separators=(",", ":"))
    out.write("\n")


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    """CSV with a header; None is an empty cell, lists are space-separated integers."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMN_NAMES)
    for row in rows:
        writer.writerow([_csv_cell(name, row[name]) for name in COLUMN_NAMES])


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """A pyarrow table with the fixed :data:`COLUMNS` schema (even for zero rows)."""
    schema = pa.schema([pa.field(name, typ) for name, typ in COLUMNS])
    columns = {name: [row[name] for row in rows] for name in COLUMN_NAMES}
    return pa.Table.from_pydict(columns, schema=schema)


def export_run(store: Store, run_id: str, fmt: ExportFormat, path: str | Path = "-") -> int:
    """Write run ``run_id``'s records to ``path`` (``-`` = stdout) as ``fmt``.

    Returns the number of rows written.
    """
    if fmt not in FORMATS:
        raise StoreError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "parquet" and str(path) == "-":
        raise StoreError(
            "parquet is binary and cannot go to stdout; pass a file path, e.g. run.parquet"
        )
    rows = export_rows(store, run_id)
    if fmt == "parquet":
        table = rows_to_table(rows)
        try:
            pq.write_table(table, str(path))
        except OSError as exc:
            raise StoreError(f"cannot write {path} ({exc}); pick a writable path") from exc
        return len(rows)
    with _text_out(path) as out:
        if fmt == "json":
            write_json(rows, out)
        else:
            write_csv(rows, out)
    return len(rows)

