"""`tokenfab serve` in a real browser: the runs page, a run, and the live cost calculator."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import dashboard_at, tokenfab
from tokenfab.engines.sim import SimConfig, SimServer
from tokenfab.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict]]:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp("dash")
    db = f"sqlite:///{tmp / 'd.db'}"
    out = tmp / "s.json"
    with SimServer(SimConfig.from_flags(ttft=5, itl=2)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--concurrency",
                        "1,4", "--requests", "10", "--output-tokens", "16", "--hourly-usd", "2",
                        "--label", "<script>alert(1)</script>", "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(out.read_text())
    with dashboard_at(db) as url:
        yield url, summary["run_id"], summary


def test_runs_list_and_run_page(page: tuple[Any, Any], served: tuple[str, str, dict]) -> None:  # type: ignore[type-arg]
    pg, log = page
    url, run_id, summary = served
    pg.goto(url + "/")
    assert run_id[:8] in pg.content()
    # the label is user input: shown as text, never executed
    assert "<script>alert(1)</script>" in pg.inner_text("body")
    pg.goto(f"{url}/runs/{run_id}")
    table = pg.inner_text("[data-testid=points-table]")
    tput = summary["points"][1]["throughput"]["output_tok_s"]
    assert f"{tput:,.1f}" in table or f"{tput:.1f}" in table or f"{tput:,.0f}" in table
    assert not log.external(), log.external()


def test_calculator_slider_changes_the_price(page: tuple[Any, Any],  # type: ignore[type-arg]
                                             served: tuple[str, str, dict]) -> None:
    from playwright.sync_api import expect

    pg, log = page
    url, run_id, _ = served
    pg.goto(f"{url}/runs/{run_id}")
    cell = pg.locator("[data-testid=usd-per-mtok-output-0]")
    before = cell.inner_text()
    box = pg.locator("[data-testid=calc-usd-per-hour-input]")
    box.fill("4")
    box.dispatch_event("input")
    box.dispatch_event("change")
    expect(pg.locator("#calc")).to_have_attribute("data-state", "ok", timeout=10_000)
    expect(cell).not_to_have_text(before, timeout=10_000)
    after = cell.inner_text()

    def dollars(t: str) -> float:
        return float(re.sub(r"[^0-9.]", "", t))

    # doubling $/hour (no energy priced on this run) doubles $/1M output tokens
    assert dollars(after) == pytest.approx(2 * dollars(before), rel=0.02)
    assert not log.external(), log.external()


def test_unknown_run_is_a_page_not_a_500(page: tuple[Any, Any],  # type: ignore[type-arg]
                                         served: tuple[str, str, dict]) -> None:
    pg, _ = page
    url, _, _ = served
    resp = pg.goto(url + "/runs/does-not-exist")
    assert resp is not None and resp.status == 404
    assert "no run 'does-not-exist'" in pg.inner_text("body")


def test_a_partial_run_is_visibly_partial(page: tuple[Any, Any],  # type: ignore[type-arg]
                                          served: tuple[str, str, dict],
                                          tmp_path: Path) -> None:
    """A run that stopped early (here: marked interrupted in the store) reads as such in the
    list and carries a visible banner on its page; its kept requests are still shown."""
    from playwright.sync_api import expect

    pg, log = page
    url, _, _ = served
    db = httpx.get(url + "/api/runs", timeout=5).json()["db"]
    out = tmp_path / "p.json"
    with SimServer(SimConfig.from_flags(ttft=5, itl=2)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--concurrency",
                        "1,4", "--requests", "6", "--output-tokens", "8", "--label", "partial",
                        "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(out.read_text())["run_id"]
    with Store(db) as store:
        store.mark_run(run_id, "interrupted")
        kept = store.get_run_detail(run_id).n_records
    pg.goto(url + "/")
    row = pg.locator("[data-testid=run-row]", has_text=run_id)
    expect(row.locator("[data-status=interrupted]")).to_have_text(f"interrupted · {kept} kept")
    pg.goto(f"{url}/runs/{run_id}")
    banner = pg.locator("[data-testid=run-status-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"interrupted during point 2 of 2 (4 streams) — {kept} "
                                   "requests kept")
    expect(pg.locator("[data-testid=points-table]")).to_be_visible()
    assert not log.external(), log.external()


def test_serve_refuses_remote_bind() -> None:
    proc = tokenfab("serve", "--host", "0.0.0.0", "--port", "0", timeout=30)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "--allow-remote" in proc.stderr



