"""`tokenfab plan --power-mw 1` on a fresh database: it measures the local frontier with the
embedded engine (tokenfab run's default sweep), stores it, plans on it, and reuses it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.conftest import tokenfab
from tokenfab.engines.build import find_tool

pytestmark = [pytest.mark.integration, pytest.mark.slow]

if find_tool("llama-server") is None:
    if os.environ.get("CI"):
        raise RuntimeError("llama-server is not built; `make setup` must run before the tests")
    pytest.skip("llama-server not built (run `make setup`)", allow_module_level=True)


def test_plan_measures_the_local_frontier_once(tmp_path: Path) -> None:
    db = tmp_path / "plan.db"
    first = tokenfab("plan", "--power-mw", "1", "--json", "-", db=db, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    doc = json.loads(first.stdout)
    runs = tokenfab("runs", "list", db=db)
    assert runs.returncode == 0 and runs.stdout.count("complete") == 1, runs.stdout
    assert doc["totals"]["accelerators"] > 0, doc["totals"]
    second = tokenfab("plan", "--power-mw", "1", "--json", "-", db=db, timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]
    assert tokenfab("runs", "list", db=db).stdout.count("complete") == 1  # reused, not re-run
    assert json.loads(second.stdout)["totals"] == doc["totals"]
