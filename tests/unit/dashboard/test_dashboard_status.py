"""Run status in the dashboard: every status the store reports reads distinctly in the run list
and on the run page, and a partial run says what it kept and where it stopped."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette asks for httpx2; httpx is what tokenfab ships
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.stored_runs import store_every_status, text

from tokenfab.dashboard import create_app

# stored how -> (the list's badge, the run page's banner; None: no banner)
EXPECTED: dict[str, tuple[str, str | None]] = {
    "complete": ("complete", None),
    "running": ("running",
                "running — 8 requests kept so far during point 2 of 3 (4 streams); figures "
                "are partial"),
    "interrupted": ("interrupted · 8 kept",
                    "interrupted during point 2 of 3 (4 streams) — 8 requests kept; figures are "
                    "recomputed from the requests that finished"),
    "killed": ("interrupted · 8 kept",
               "interrupted during point 2 of 3 (4 streams) — 8 requests kept"),
    "stale": ("stale · 8 kept",
              "stale — no sign of life for a while; the run stopped during point 2 of 3 "
              "(4 streams) without finishing"),
    "server_lost": ("server lost · 8 kept",
                    "server lost during point 2 of 3 (4 streams) — 8 requests kept; the server "
                    "stopped answering"),
    "failed": ("failed · 0 kept", "failed before its first request — nothing was measured"),
}


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store_every_status(tmp_path / "runs.db"))) as c:
        yield c


def test_the_store_reports_each_status(client: TestClient) -> None:
    got = {r["run_id"]: r["status"] for r in client.get("/api/runs").json()["runs"]}
    assert got == {"complete": "complete", "running": "running", "interrupted": "interrupted",
                   "killed": "interrupted", "stale": "stale", "server_lost": "server_lost",
                   "failed": "failed"}


def test_run_list_shows_each_status_distinctly(client: TestClient) -> None:
    html = client.get("/").text
    for run_id, (badge, _) in EXPECTED.items():
        row = re.search(rf'<tr data-testid="run-row">(?:(?!</tr>).)*value="{run_id}"'
                        r"(?:(?!</tr>).)*</tr>", html)
        assert row is not None, run_id
        tag = re.search(r'<span class="badge (st-\w+)" data-status="(\w+)"[^>]*>([^<]*)</span>',
                        row[0])
        assert tag is not None and tag[3] == badge, (run_id, tag and tag[3])
    tones = {m[2]: m[1] for m in re.finditer(r'class="badge (st-\w+)" data-status="(\w+)"', html)}
    assert tones == {"complete": "st-ok", "running": "st-live", "interrupted": "st-partial",
                     "stale": "st-partial", "server_lost": "st-bad", "failed": "st-bad"}


@pytest.mark.parametrize("run_id", list(EXPECTED))
def test_run_page_says_what_a_partial_run_kept(client: TestClient, run_id: str) -> None:
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    banner = re.search(r'<div class="banner[^"]*"[^>]*data-testid="run-status-banner"[^>]*>'
                       r"([^<]*)</div>", page.text)
    expected = EXPECTED[run_id][1]
    if expected is None:
        assert banner is None
        assert client.get(f"/api/runs/{run_id}").json()["status_note"] is None
    else:
        assert banner is not None and expected in unescape(banner[1]), banner and banner[1]
        assert expected in client.get(f"/api/runs/{run_id}").json()["status_note"]
        # the banner comes before any figure
        at = page.text.index('data-testid="run-status-banner"')
        figures = [page.text.find(x) for x in ('data-testid="headline-output-tok-s"',
                                                'data-testid="points-table"')]
        assert all(at < f for f in figures if f >= 0)
        assert any(f >= 0 for f in figures) or run_id == "failed"  # nothing to show there


def test_a_run_with_records_still_shows_its_figures(client: TestClient) -> None:
    page = text(client.get("/runs/server_lost").text)
    assert "8 ok" in page and "Load points" in page  # the kept requests are not hidden
