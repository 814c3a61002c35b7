"""The plan in a real browser: the HTML report section and the dashboard's plan page show the
plan's own numbers in their charts, and the sliders re-solve it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import dashboard_at, tokenfab
from tests.unit.plan.conftest import store_run

pytestmark = pytest.mark.integration

PLAN_FILE = """power_mw = 0.5
[[tiers]]
name = "bulk"
usd_per_mtok_output = 3.0
min_tok_s_per_user = 10.0
max_mtok_per_day = 20000.0
[[tiers]]
name = "fast"
usd_per_mtok_output = 6.0
min_tok_s_per_user = 50.0
max_mtok_per_day = 30000.0
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('plan') / 'p.db'}"
    store_run(url)
    return url


def _markers(pg: Any, figure: str) -> list[dict[str, Any]]:
    return pg.eval_on_selector_all(
        f"figure.{figure} svg [data-series][data-y]",
        "els => els.map(e => ({series: e.dataset.series, x: e.dataset.x, y: e.dataset.y, "
        "category: e.dataset.category}))")


def _assert_charts_equal_plan(pg: Any, doc: dict[str, Any]) -> None:
    marks = _markers(pg, "plan-frontier")
    for f in doc["frontiers"]:
        name = f"{f['hardware']} frontier ({f['provenance']})"
        got = sorted((float(m["x"]), float(m["y"])) for m in marks if m["series"] == name)
        want = sorted((p["tok_s_per_user"], p["output_tok_s_per_gpu"]) for p in f["points"])
        assert got == want
    assert doc["allocations"], "the plan sells something"
    names = {f"{a['tier']} on {a['hardware']}" for a in doc["allocations"]}
    for name in names:  # one diamond per operating point the plan runs a tier at
        got = sorted((float(m["x"]), float(m["y"])) for m in marks if m["series"] == name)
        want = sorted((a["tok_s_per_user"], a["output_tok_s_per_gpu"]) for a in doc["allocations"]
                      if f"{a['tier']} on {a['hardware']}" == name)
        assert got == want
    bars = _markers(pg, "plan-per-mw")
    for t in doc["tiers"]:
        if t["accelerators"] == 0:
            assert not [b for b in bars if b["category"] == t["tier"]]
            continue
        margin = [float(b["y"]) for b in bars
                  if b["category"] == t["tier"] and b["series"] == "margin per MW"]
        tco = [float(b["y"]) for b in bars
               if b["category"] == t["tier"] and b["series"] == "TCO per MW"]
        assert margin == [pytest.approx(t["margin_usd_per_year"] / t["power_mw"], rel=1e-9)]
        assert tco == [pytest.approx(t["tco_usd_per_year"] / t["power_mw"], rel=1e-12)]
        total = pg.get_attribute(f"figure.plan-per-mw g.bar[data-category='{t['tier']}'] "
                                 "text.total", "data-y")
        assert float(total) == pytest.approx(t["revenue_usd_per_year"] / t["power_mw"],
                                             rel=1e-12)
    shown = pg.inner_text(".plan-totals [data-key='accelerators'] .v")
    assert shown == f"{doc['totals']['accelerators']:,}"


def test_html_report_section_shows_the_plan_s_numbers(
        page: tuple[Any, Any], db: str, tmp_path: Path) -> None:
    pg, log = page
    (tmp_path / "p.toml").write_text(PLAN_FILE)
    out, html = tmp_path / "plan.json", tmp_path / "plan.html"
    proc = tokenfab("plan", "--plan", str(tmp_path / "p.toml"), "--json", str(out),
                    "--html", str(html), db=db)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert {a["tier"] for a in doc["allocations"]} == {"bulk", "fast"}
    pg.goto(html.as_uri())
    _assert_charts_equal_plan(pg, doc)
    assert "one more MW (utility) is worth" in pg.inner_text("ul.plan-shadow")
    assert log.external() == [] and log.console_errors == []


@pytest.fixture(scope="module")
def served(db: str) -> Iterator[str]:
    with dashboard_at(db) as url:
        yield url


def test_dashboard_plan_page_and_its_sliders(page: tuple[Any, Any], served: str) -> None:
    pg, log = page
    pg.goto(served + "/")
    pg.click("header.top a[href='/plan']")
    pg.wait_for_selector("#plan-out section#plan")
    doc = httpx.get(served + "/api/plan", params={"power_mw": 1.0, "pue": 1.2,
                                                  "usd_per_kwh": 0.091, "utilization": 0.7},
                    timeout=30).json()
    _assert_charts_equal_plan(pg, doc)
    # move the power slider: the section is re-solved for the new budget
    pg.eval_on_selector("input[name=power_mw]",
                        "el => { el.value = '2.5'; el.dispatchEvent(new Event('input', "
                        "{bubbles: true})); }")
    pg.wait_for_selector("#plan-out[data-query*='power_mw=2.5'][aria-busy=false]")
    assert pg.inner_text("[data-testid=value-power_mw]") == "2.5"
    query = pg.eval_on_selector("#plan-out", "el => el.dataset.query")
    bigger = httpx.get(served + "/api/plan?" + query, timeout=30).json()
    assert bigger["config"]["power_mw"] == 2.5
    assert bigger["totals"]["accelerators"] > doc["totals"]["accelerators"]
    _assert_charts_equal_plan(pg, bigger)
    assert log.external() == [] and log.console_errors == []


def test_dashboard_plan_rejects_a_bad_budget_in_one_line(served: str) -> None:
    r = httpx.get(served + "/api/plan", params={"power_mw": -1}, timeout=10)
    assert r.status_code == 422
    assert "power_mw" in r.json()["detail"]
