"""Run status in ``tokenfab report``: a run that did not complete is visibly partial in the HTML
report, the Markdown summary and the result, with what it kept and where it stopped."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from tests.stored_runs import store_every_status, text

from tokenfab.cli.main import main
from tokenfab.report.document import view_of_document
from tokenfab.report.status import STATUSES, run_status, view_status
from tokenfab.schemas.bench import RUN_STATUSES
from tokenfab.schemas.report import ReportConfig
from tokenfab.session.report import report
from tokenfab.store import PointInfo

BANNERS = {
    "running": "running — 8 requests kept so far during point 2 of 3 (4 streams)",
    "interrupted": "interrupted during point 2 of 3 (4 streams) — 8 requests kept",
    "killed": "interrupted during point 2 of 3 (4 streams) — 8 requests kept",
    "stale": "stale — no sign of life for a while; the run stopped during point 2 of 3 "
              "(4 streams) without finishing",
    "server_lost": "server lost during point 2 of 3 (4 streams) — 8 requests kept",
    "failed": "failed before its first request — nothing was measured",
}
TAGS = {"running": "running", "interrupted": "interrupted", "killed": "interrupted",
        "stale": "stale", "server_lost": "server lost", "failed": "failed"}


@pytest.fixture()
def db(tmp_path: Path) -> str:
    return store_every_status(tmp_path / "runs.db")


@pytest.mark.parametrize("run_id", list(BANNERS))
def test_partial_runs_carry_a_banner_and_a_tag(db: str, tmp_path: Path, run_id: str) -> None:
    out = tmp_path / f"{run_id}.html"
    result = report(ReportConfig(refs=[run_id], db=db, output=str(out)))
    html = out.read_text()
    assert BANNERS[run_id] in text(html)
    assert re.search(rf'<div class="banner \w+" role="status" data-status="\w+"><b>label-'
                     rf"{run_id}</b>: {re.escape(BANNERS[run_id][:15])}", unescape(html))
    tag = re.search(r'<span class="status (\w+)" data-status="(\w+)">([^<]+)</span>', html)
    assert tag is not None and tag[3] == TAGS[run_id]
    assert result.runs[0].status_note is not None and BANNERS[run_id] in result.runs[0].status_note
    md = report(ReportConfig(refs=[run_id], db=db, format="md", output="-")).text or ""
    assert f"> **label-{run_id}**: {BANNERS[run_id]}" in md


def test_a_complete_run_has_no_banner(db: str, tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    result = report(ReportConfig(refs=["complete", "server_lost"], db=db, output=str(out)))
    html = out.read_text()
    assert html.count('role="status"') == 1 and 'data-status="server_lost"' in html
    assert 'data-status="complete"' not in html
    assert [r.status_note is None for r in result.runs] == [True, False]


def test_the_kept_requests_are_still_reported(db: str, tmp_path: Path) -> None:
    out = tmp_path / "s.html"
    report(ReportConfig(refs=["server_lost"], db=db, output=str(out)))
    assert "no completed requests" not in out.read_text()
    assert out.read_text().count('class="mark"') >= 2  # both kept points are drawn


@pytest.mark.parametrize(("status", "label", "tone"), [
    ("complete", "complete", "ok"), ("running", "running", "live"),
    ("interrupted", "interrupted", "partial"), ("stale", "stale", "partial"),
    ("server_lost", "server lost", "bad"), ("failed", "failed", "bad"),
    ("paused", "paused", "partial"),
])
def test_status_labels_and_tones(status: str, label: str, tone: str) -> None:
    st = run_status(status, n_records=3, points=[PointInfo(point_index=0, mode="rate",
                                                           value=2.0)])
    assert (st.label, st.tone, st.partial) == (label, tone, status != "complete")
    assert (st.banner is None) == (status == "complete")
    if st.banner is not None:
        assert "3 requests kept" in st.banner and "point 1 (2 req/s)" in st.banner


def test_every_status_the_store_can_report_has_a_label() -> None:
    assert set(STATUSES) == set(RUN_STATUSES)


def test_the_cli_notes_a_partial_run(db: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    main(["report", "server_lost", "complete", "--db", db, "-o", str(tmp_path / "r.html")])
    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "r.html")
    assert err.strip() == (f"tokenfab report: note: label-server_lost: {BANNERS['server_lost']}; "
                           "the server stopped answering, so later requests and points were not "
                           "measured")


def test_a_summary_file_with_a_status_counts_its_requests() -> None:
    point = {"load": {"mode": "rate", "value": 2}, "requests": {"completed": 5, "failed": 2},
             "throughput": {"output_tok_s": 10.0}}
    view = view_of_document({"status": "server_lost", "target": {"model": "m"},
                             "points": [point]}, "s.json")
    assert view_status(view).banner == ("server lost — 7 requests kept; the server stopped "
                                        "answering, so later requests and points were not "
                                        "measured")
    assert view_status(view_of_document({"points": [point]}, "s.json")).banner is None
