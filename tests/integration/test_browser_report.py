"""`tokenfab report` opened in a real browser: charts carry the run's numbers, nothing external."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import tokenfab
from tokenfab.engines.sim import SimConfig, SimServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp("report")
    db, out, html = tmp / "r.db", tmp / "s.json", tmp / "report.html"
    with SimServer(SimConfig.from_flags(ttft=3, itl=1, error_500_rate=0.05, seed=2)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--concurrency",
                        "1,2,4,8,16,32", "--requests", "24", "--output-tokens", "16",
                        "--hourly-usd", "2", "--slo", "ttft_ms=50",
                        "--label", "<img src=x onerror=alert(1)>", "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(out.read_text())
    proc = tokenfab("report", summary["run_id"], "-o", str(html), db=db)
    assert proc.returncode == 0, proc.stderr
    return html, summary


def test_report_charts_show_the_runs_numbers(page: tuple[Any, Any],  # type: ignore[type-arg]
                                             report: tuple[Path, dict]) -> None:
    pg, log = page
    html, summary = report
    t0 = time.perf_counter()
    pg.goto(html.as_uri(), wait_until="load")
    assert time.perf_counter() - t0 < 2.0, "report must open in under 2 s"
    marks = pg.locator("#throughput svg .mark")
    ys = sorted(float(marks.nth(i).get_attribute("data-y") or "nan")
                for i in range(marks.count()))
    expected = sorted(p["throughput"]["output_tok_s"] for p in summary["points"])
    assert ys == pytest.approx(expected, rel=1e-6)
    assert pg.locator("svg").count() >= 5  # throughput, price, decomposition, CDFs, errors
    body = pg.inner_text("body")
    cheapest = min(p["cost"]["usd_per_mtok_output_all_in"] for p in summary["points"])
    assert f"{cheapest:.4f}" in body or f"{cheapest:.2f}" in body
    assert "<img src=x onerror=alert(1)>" in body  # shown as text, not executed
    assert "tokenfab bench" in body  # the command to reproduce
    assert not log.external(), log.external()
    assert not log.console_errors, log.console_errors


def test_report_is_small_and_self_contained(report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    html, _ = report
    text = html.read_text()
    assert html.stat().st_size < 5_000_000
    import re

    assert not re.search(r'(?:src|href)\s*=\s*["\']?https?://', text)
    assert "<script src" not in text and "<link" not in text


def test_markdown_and_svg_exports(tmp_path: Path, report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, summary = report
    db = report[0].parent / "r.db"
    md = tokenfab("report", summary["run_id"], "--format", "md", "-o", "-", db=db)
    assert md.returncode == 0 and "| " in md.stdout
    svg = tmp_path / "c.svg"
    proc = tokenfab("report", summary["run_id"], "--format", "svg", "--chart", "cost",
                    "-o", str(svg), db=db)
    text = svg.read_text()
    assert proc.returncode == 0 and "<svg" in text[:200] and text.rstrip().endswith("</svg>")


def test_unknown_run_report_is_one_line(tmp_path: Path) -> None:
    proc = tokenfab("report", "nope", "-o", str(tmp_path / "x.html"), db=tmp_path / "e.db")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "nope" in proc.stderr.splitlines()[-1]


def test_png_chart_is_rasterised_by_chromium(tmp_path: Path,
                                             report: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, summary = report
    db = report[0].parent / "r.db"
    out = tmp_path / "c.png"
    proc = tokenfab("report", summary["run_id"], "--format", "png", "--chart", "throughput",
                    "-o", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
