"""``tokenfab report`` and its library entry point (``tokenfab.session.report.report``): files
written, formats, errors (stored runs in a temporary SQLite)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tokenfab.cli.report import report_cmd
from tokenfab.errors import ConfigError, StoreError
from tokenfab.metrics.compute import summarize_point
from tokenfab.report import charts_export, png
from tokenfab.report.html import write_run_report
from tokenfab.report.png import svg_size
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.report import CHARTS, ReportConfig
from tokenfab.schemas.summary import RunSummary, Target
from tokenfab.session.report import report
from tokenfab.store import Store

MS = 1_000_000


def _records(point: int, n: int = 6) -> list[RequestRecord]:
    out = []
    for i in range(n):
        sent = (point * 5_000 + i * 200) * MS
        chunks = [sent + (50 + 10 * k) * MS for k in range(8)]
        out.append(RequestRecord(point_index=point, request_index=i, sent_ns=sent,
                                 end_ns=chunks[-1], first_chunk_ns=chunks[0], chunk_ns=chunks,
                                 output_tokens=8, input_tokens=16))
    return out


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with Store(url) as store:
        store.create_run("abc123def456", kind="bench", label="sim run", config={
            "url": "http://127.0.0.1:9", "model": "sim-model", "mode": "concurrency",
            "values": [1.0, 2.0], "requests_per_point": 6, "warmup_requests": 0},
            environment={"tokenfab_version": "0.1.0"}, target_url="http://127.0.0.1:9",
            model="sim-model", started_unix_ns=1_795_000_000_000_000_000, clock_offset_ns=0)
        points = []
        for pi, value in enumerate((1.0, 2.0)):
            recs = _records(pi)
            store.add_point("abc123def456", pi, "concurrency", value)
            store.append_records("abc123def456", recs)
            store.finish_point("abc123def456", pi, recs[0].sent_ns, recs[-1].end_ns)
            points.append(summarize_point(recs, mode="concurrency", value=value))
        store.finish_run("abc123def456", RunSummary(
            run_id="abc123def456", target=Target(url="http://127.0.0.1:9", model="sim-model"),
            points=points, label="sim run"))
    return url


def projection(tmp_path: Path) -> Path:
    pts: list[dict[str, Any]] = []
    for c, (per_user, tok_s) in zip((1, 8), ((60.0, 55.0), (30.0, 200.0)), strict=True):
        pts.append({"load": {"mode": "concurrency", "value": float(c)},
                    "requests": {"completed": 64, "failed": 0, "errors": {}},
                    "throughput": {"output_tok_s": tok_s, "output_tok_s_per_gpu": tok_s,
                                   "per_user_output_tok_s_p50": per_user},
                    "latency_ms": {"ttft": None}, "hardware": "H100 SXM5 80GB",
                    "precision": "bf16", "gpus": 1, "tokens_per_s_per_mw": 1e6,
                    "cost": {"usd_per_hour": 3.0, "usd_per_mtok_output_all_in":
                             3.0 / (tok_s * 3600) * 1e6,
                             "breakdown": {"hardware": 3.0 / (tok_s * 3600) * 1e6}}})
    path = tmp_path / "proj.json"
    path.write_text(json.dumps({"schema": "tokenfab.run/1", "run_id": "projection-1",
                                "kind": "projection", "target": {"model": "sim-model",
                                                                 "url": "modelled://x"},
                                "points": pts}))
    return path


def test_html_report_of_a_run_and_a_projection(db: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(report_cmd, ["abc123", str(projection(tmp_path)), "--db", db,
                                          "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == str(out)
    html = out.read_text()
    assert "sim run" in html and 'id="compare"' in html
    assert "$4.17" in html  # 3 $/h ÷ (200 tok/s × 3600) × 1e6 = $4.1667 at 8 streams
    assert "$15.15" in html  # 3 $/h ÷ (55 tok/s × 3600) × 1e6 at 1 stream
    assert "no completed requests" not in html


def test_markdown_to_stdout_and_svg_chart(db: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(report_cmd, ["abc123", "--db", db, "--format", "md", "-o", "-"])
    assert res.exit_code == 0 and "| load | completed |" in res.output
    svg = tmp_path / "c.svg"
    res = CliRunner().invoke(report_cmd, ["abc123", "--db", db, "--format", "svg",
                                          "--chart", "ttft-cdf", "-o", str(svg)])
    assert res.exit_code == 0
    root = ET.fromstring(svg.read_text().split("\n", 1)[1])
    assert len([e for e in root.iter() if e.get("class") == "mark"]) == 6  # 2 points × 3 q


def test_projection_files_need_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENFAB_HOME", str(tmp_path / "home"))
    res = CliRunner().invoke(report_cmd, [str(projection(tmp_path)), "-o",
                                          str(tmp_path / "p.html")])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "home").exists()


def test_unknown_run_and_missing_file_are_one_line_errors(db: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(report_cmd, ["nope", "--db", db])
    assert isinstance(res.exception, StoreError) and "no run 'nope'" in str(res.exception)
    res = CliRunner().invoke(report_cmd, [str(tmp_path / "missing.json")])
    assert isinstance(res.exception, StoreError) and "no such file" in str(res.exception)


def test_png_without_chromium_says_what_to_do(db: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(png.shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="(?i)install chromium.*svg"):
        report(ReportConfig(refs=["abc123"], db=db, format="png",
                            output=str(tmp_path / "c.png")))
    assert not (tmp_path / "c.png").exists()


def test_library_entry_point_writes_and_says_what_it_wrote(db: str, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    result = report(ReportConfig(refs=["abc123", str(projection(tmp_path))], db=db,
                                 format="md", output=str(out)))
    assert result.schema_ == "tokenfab.report/1" and result.path == str(out)
    assert result.text is None and out.read_text().startswith("### tokenfab: sim-model")
    assert [(r.run_id, r.kind, r.status) for r in result.runs] == [
        ("abc123def456", "measured", "complete"), ("projection-1", "modelled", "complete")]
    to_stdout = report(ReportConfig(refs=["abc123"], db=db, format="svg", chart="cost",
                                    output="-"))
    assert to_stdout.path is None and to_stdout.chart == "cost"
    assert to_stdout.text is not None and to_stdout.text.rstrip().endswith("</svg>")


def test_default_output_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    proj = str(projection(tmp_path))
    assert report(ReportConfig(refs=[proj])).path == "report.html"
    assert report(ReportConfig(refs=[proj], format="md")).path == "report.md"
    assert report(ReportConfig(refs=[proj], format="svg", chart="energy")).path == "energy.svg"
    assert (tmp_path / "energy.svg").read_text().startswith("<?xml")


def test_chart_names_are_the_ones_the_config_accepts() -> None:
    assert tuple(charts_export.CHARTS) == CHARTS


def test_write_run_report(db: str, tmp_path: Path) -> None:
    with Store(db) as store:
        path = write_run_report(store, "abc123def456", tmp_path / "run.html")
        assert path.read_text().startswith("<!DOCTYPE html>")
        with pytest.raises(ConfigError, match=r"^--report /nonexistent/d/run\.html: cannot "
                                              r"write \(the directory /nonexistent/d does not "
                                              r"exist\)"):
            write_run_report(store, "abc123def456", "/nonexistent/d/run.html")


def test_svg_size() -> None:
    assert svg_size('<svg xmlns="x" viewBox="0 0 5 6" width="640" height="380">') == (640, 380)
