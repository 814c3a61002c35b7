"""Integration fixtures: real processes on loopback (simulator, llama.cpp, PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.browser import browser, page  # noqa: F401  (fixtures)
from tests.integration.pg import postgres_url  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parents[2]
TOKENFAB = [sys.executable, "-m", "tokenfab.cli.main"]


def tokenfab(*args: str, db: Path | str | None = None, timeout: float = 300,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, as a user would."""
    argv = [*TOKENFAB, *args]
    if db is not None:
        argv += ["--db", db if isinstance(db, str) else f"sqlite:///{db}"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, cwd=REPO)


@contextmanager
def dashboard_at(db: str) -> Iterator[str]:
    """``tokenfab serve --db DB`` on a free loopback port, as a user starts it; yields its URL
    once ``/api/runs`` answers, and stops it after the block."""
    from tokenfab.engines.llamacpp import free_port

    port = free_port()
    srv = subprocess.Popen([*TOKENFAB, "serve", "--db", db, "--port", str(port)], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/api/runs", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        srv.terminate()
        srv.wait(timeout=10)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert "Traceback" not in err, err
    last = err.splitlines()[-1]
    assert last.startswith("tokenfab: error:"), err
    for n in needles:
        assert n.lower() in last.lower(), last


def wait_for_records(db: Path, at_least: int, timeout_s: float) -> int:
    """Poll the newest run in ``db`` until it holds ``at_least`` records; return the count."""
    from tokenfab.store import Store

    deadline = time.monotonic() + timeout_s
    seen = 0
    while time.monotonic() < deadline and seen < at_least:
        time.sleep(0.3)
        if db.exists():
            with Store(f"sqlite:///{db}") as store:
                runs = store.list_runs()
                seen = runs[0].n_records if runs else 0
    return seen


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "results.db"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Expose each phase's report on the item (the page fixture screenshots failures)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
