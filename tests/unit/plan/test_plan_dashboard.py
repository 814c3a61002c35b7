"""The dashboard's plan page and API over a results database (in-process)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tokenfab.dashboard.app import create_app
from tokenfab.schemas.plan import PlanConfig
from tokenfab.session.plan import plan
from tokenfab.store import Store


def test_api_plan_is_the_session_s_plan(run_db: str) -> None:
    client = TestClient(create_app(run_db))
    doc = client.get("/api/plan", params={"power_mw": 2, "pue": 1.3}).json()
    want = plan(PlanConfig(power_mw=2, pue=1.3, utilization=0.7, db_url=run_db)).to_json_dict()
    assert doc["totals"] == want["totals"] and doc["tiers"] == want["tiers"]
    page = client.get("/plan", params={"power_mw": 2})
    assert page.status_code == 200
    assert 'id="plan-out"' in page.text and 'section id="plan"' in page.text
    assert 'href="/plan"' in page.text


def test_bad_inputs_and_a_missing_run_are_one_line_422s(tmp_path: Path, run_db: str) -> None:
    client = TestClient(create_app(run_db))
    r = client.get("/api/plan", params={"power_mw": 0})
    assert r.status_code == 422 and "power_mw" in r.json()["detail"]
    r = client.get("/api/plan", params={"pue": 0.9})
    assert r.status_code == 422 and "pue" in r.json()["detail"]
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with Store(empty):
        pass
    r = TestClient(create_app(empty)).get("/api/plan")
    assert r.status_code == 422 and "tokenfab run" in r.json()["detail"]
    assert "\n" not in r.json()["detail"]
