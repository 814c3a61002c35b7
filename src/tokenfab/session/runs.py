"""``tokenfab runs``: read what is stored. Every function opens the database for reading only,
so a read-only data directory still lists, shows and exports its runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tokenfab.errors import ConfigError
from tokenfab.report.data import summary_of
from tokenfab.schemas.summary import RunSummary
from tokenfab.store import ExportFormat, RunDetail, RunInfo, Store
from tokenfab.store import export_run as _export_run

MAX_LIST = 100_000


@contextmanager
def reading(db: str | None) -> Iterator[Store]:
    """The results database ``db`` (None: the default) opened for reading only."""
    with Store(db, read_only=True) as store:
        yield store


def list_runs(db: str | None, limit: int = 50) -> list[RunInfo]:
    """The ``limit`` newest runs; ``status`` is what to show (see store.effective_status)."""
    if not 1 <= limit <= MAX_LIST:
        raise ConfigError(f"--limit must be between 1 and {MAX_LIST} (got {limit})")
    with reading(db) as store:
        return store.list_runs(limit=limit)


def show_run(db: str | None, run_id: str) -> tuple[RunDetail, RunSummary]:
    """A run (id or unique prefix) and its summary: the stored one, or one recomputed from the
    records of a run that stored none (interrupted, stale, failed)."""
    with reading(db) as store:
        detail = store.get_run_detail(run_id)
        return detail, summary_of(store, detail)


def export_run(db: str | None, run_id: str, fmt: ExportFormat, output: str) -> int:
    """Write every record of a run to ``output`` ('-': stdout); returns the rows written.

    The output path is checked before the database is read."""
    if fmt == "parquet" and output == "-":
        raise ConfigError("parquet is binary; pass a file with -o run.parquet")
    if output != "-":
        out = Path(output)
        if out.is_dir():
            raise ConfigError(f"-o {output}: is a directory; give a file path")
        if not out.parent.is_dir():
            raise ConfigError(f"-o {output}: directory {out.parent} does not exist; "
                              "create it or pick another path")
    with reading(db) as store:
        return _export_run(store, run_id, fmt, output)


__all__ = ["export_run", "list_runs", "reading", "show_run"]
