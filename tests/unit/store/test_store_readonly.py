"""A read-only data directory: reading (`runs list/show/export`) works, writing says why in
one line. Made read-only for real: chmod for a normal user, a read-only bind mount for root
(root ignores permission bits)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tokenfab.errors import StoreError
from tokenfab.store import Store
from tokenfab.store.migrations import MIGRATIONS, apply_migrations

REPO = Path(__file__).resolve().parents[3]
HOUR_NS = 3600 * 10**9


def read_only_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``tokenfab ARGS`` with TOKENFAB_HOME=home, while ``home`` cannot be written."""
    argv = [sys.executable, "-m", "tokenfab.cli.main", *args]
    env = {**os.environ, "TOKENFAB_HOME": str(home), "COLUMNS": "200",
           "PYTHONPATH": str(REPO / "src")}
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [home, *home.iterdir()]}
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, str(home), *argv],
                          capture_output=True, text=True, env=env, timeout=120)


def add_run(store: Store, run_id: str, *, started_unix_ns: int = 1_700_000_000 * 10**9,
            finish: bool = True) -> None:
    store.create_run(run_id, kind="bench", label="ro", config={}, environment={},
                     target_url="http://x", model="m-ro", started_unix_ns=started_unix_ns,
                     clock_offset_ns=0)
    if finish:
        store.mark_run(run_id, "failed")


def test_reading_works_and_writing_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with Store(f"sqlite:///{home / 'tokenfab.db'}") as store:
        add_run(store, "readme123")
    listing = read_only_cli(home, "runs", "list")
    assert listing.returncode == 0, listing.stderr
    assert "readme123" in listing.stdout and "failed" in listing.stdout
    show = read_only_cli(home, "runs", "show", "readme")
    assert show.returncode == 0 and "m-ro" in show.stdout, show.stderr
    export = read_only_cli(home, "runs", "export", "readme123")
    assert export.returncode == 0 and export.stdout.strip() == "[]", export.stderr
    bench = read_only_cli(home, "bench", "--url", "http://127.0.0.1:9", "--model", "m")
    assert bench.returncode != 0 and "Traceback" not in bench.stderr
    lines = bench.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tokenfab: error:"), bench.stderr
    assert "read-only" in lines[0] and "TOKENFAB_HOME" in lines[0]


def test_an_older_database_is_read_as_it_is(tmp_path: Path) -> None:
    """A database from before m002 (no owner columns) cannot be migrated read-only: its runs
    are listed anyway, and one left 'running' long ago shows as stale."""
    home = tmp_path / "home"
    home.mkdir()
    engine = create_engine(f"sqlite:///{home / 'tokenfab.db'}")
    apply_migrations(engine, "old", MIGRATIONS[:1])
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO runs (run_id, kind, config_json, environment_json, target_url, model, "
            "started_unix_ns, clock_offset_ns, status) VALUES "
            "('oldrun1', 'bench', '{}', '{}', 'http://x', 'm-old', 1000, 0, 'running')")
    engine.dispose()
    listing = read_only_cli(home, "runs", "list")
    assert listing.returncode == 0, listing.stderr
    assert "oldrun1" in listing.stdout and "stale" in listing.stdout
    assert "running" not in listing.stdout


def test_no_database_yet_in_a_read_only_directory(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "keep").write_text("")  # a read-only directory without tokenfab.db
    listing = read_only_cli(home, "runs", "list")
    assert listing.returncode == 0, listing.stderr
    assert "no runs yet" in listing.stdout
    assert not (home / "tokenfab.db").exists()


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    Store(url).close()
    with Store(url, read_only=True) as store, pytest.raises(StoreError, match="reading only"):
        add_run(store, "nope")
