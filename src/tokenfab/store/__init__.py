"""tokenfab.store: runs, load points and per-request records in SQLite (default) or PostgreSQL.

The only package that writes SQL. Schema changes are append-only named migrations
(:mod:`tokenfab.store.migrations`), applied when a :class:`Store` is opened.
"""

from tokenfab.store.db import Store
from tokenfab.store.engine import default_db_url, tokenfab_home
from tokenfab.store.export import ExportFormat, export_rows, export_run
from tokenfab.store.migrations import migration_names
from tokenfab.store.models import PointInfo, RunDetail, RunInfo
from tokenfab.store.status import effective_status
from tokenfab.store.writer import RecordWriter

__all__ = [
    "ExportFormat",
    "PointInfo",
    "RecordWriter",
    "RunDetail",
    "RunInfo",
    "Store",
    "default_db_url",
    "effective_status",
    "export_rows",
    "export_run",
    "migration_names",
    "tokenfab_home",
]
