"""The HTML report and the Markdown summary, built from synthetic records (no server)."""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tokenfab.cli.bench import bench_cmd
from tokenfab.cost.attribution import phase_times
from tokenfab.cost.price import price_point
from tokenfab.cost.tco import hourly_cost
from tokenfab.metrics.compute import summarize_point
from tokenfab.report.data import RunView
from tokenfab.report.html import render_report
from tokenfab.report.html_fmt import fmt_ci, fmt_usd
from tokenfab.report.html_method import reproduce_command
from tokenfab.report.markdown import render_markdown
from tokenfab.schemas.config import BenchConfig, Slo
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.records import RequestRecord

MS = 1_000_000
EVIL = "<script>alert(1)</script>"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def rec(point: int, i: int, sent_ms: float, ttft_ms: float, tpot_ms: float, out: int = 10,
        ok: bool = True, status: int | None = None) -> RequestRecord:
    sent = int(sent_ms * MS)
    if not ok:
        return RequestRecord(point_index=point, request_index=i, sent_ns=sent,
                             end_ns=sent + 5 * MS, ok=False, error_class="http",
                             http_status=status)
    first = sent + int(ttft_ms * MS)
    chunks = [first + int(k * tpot_ms * MS) for k in range(out)]
    return RequestRecord(point_index=point, request_index=i, sent_ns=sent, end_ns=chunks[-1],
                         first_chunk_ns=first, chunk_ns=chunks, output_tokens=out,
                         input_tokens=20)


def make_view(label: str = "run A", model: str = "m", *, usd_per_hour: float | None = 2.0,
              tpots: tuple[float, ...] = (10.0, 20.0, 40.0), fail_all: bool = False,
              run_id: str = "aaaaaaaaaaaa") -> RunView:
    """Three concurrency points (1, 2, 4); 8 requests each; point 2 has one HTTP 500."""
    records: list[RequestRecord] = []
    points: list[dict[str, Any]] = []
    profile = TcoProfile(name="hourly", rental_usd_per_hour=usd_per_hour or 1.0)
    for pi, tpot in enumerate(tpots):
        recs = [rec(pi, k, pi * 10_000 + k * 300, 40.0 * (pi + 1) + k, tpot + k * 0.1,
                    ok=not fail_all) for k in range(8)]
        if pi == 2:
            recs.append(rec(pi, 8, pi * 10_000 + 2_500, 0, 0, ok=False, status=500))
        s = summarize_point(recs, mode="concurrency", value=float(2 ** pi),
                            slo=Slo(ttft_ms=100))
        if usd_per_hour is not None and not fail_all:
            s.cost = price_point(s, hourly_cost(profile), phase_times(recs), [], samples=0)
            lo, hi = s.cost.usd_per_mtok_output_all_in or 0, s.cost.usd_per_mtok_output_all_in
            s.cost.ci95 = {"usd_per_mtok_output_all_in": [lo * 0.95, (hi or 0) * 1.05]}
        points.append(s.model_dump(mode="json"))
        records += recs
    cfg = BenchConfig(url="http://127.0.0.1:9", model=model, values=(1, 2, 4),
                      requests_per_point=8, slo=Slo(ttft_ms=100), label=label,
                      hourly_usd=usd_per_hour,
                      tco=profile if usd_per_hour is not None else None)
    return RunView(ref=run_id, run_id=run_id, label=label, model=model, kind="measured",
                   points=points, records=records,
                   config=cfg.model_dump(mode="json", exclude={"api_key"}),
                   environment={"cpu": {"model": "Test CPU", "logical_cores": 2}, "gpus": [],
                                "tokenfab_version": "0.1.0", "note": EVIL})


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, re.DOTALL)]


def test_report_is_self_contained_and_shows_the_numbers() -> None:
    view = make_view()
    html = render_report([view])
    assert html.startswith("<!DOCTYPE html>")
    assert not EXTERNAL.search(html)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    p0 = view.points[0]
    usd = p0["cost"]["usd_per_mtok_output_all_in"]
    # the all-in price equals $/hour ÷ (tok/s × 3600) × 1e6
    assert usd == pytest.approx(2.0 / (p0["throughput"]["output_tok_s"] * 3600) * 1e6)
    assert fmt_usd(usd) in html
    best = min(p["cost"]["usd_per_mtok_output_all_in"] for p in view.points)
    ci = view.points[-1]["cost"]["ci95"]["usd_per_mtok_output_all_in"]
    assert f'data-headline="usd_per_mtok_output">{fmt_usd(best)}' in html
    assert fmt_ci((ci[0], ci[1])) in html
    for section in ("throughput", "cost", "decomposition", "latency", "errors", "energy",
                    "method"):
        assert f'<section id="{section}">' in html
    assert "http_500" in html  # errors by class
    assert 'id="compare"' not in html  # one run: no comparison
    assert html == render_report([view])  # deterministic


def test_every_chart_is_valid_svg_with_marks() -> None:
    html = render_report([make_view()])
    charts = svgs(html)
    assert len(charts) >= 6  # throughput, cost, decomposition, 3 CDFs, errors
    kinds = {c.get("data-chart") for c in charts}
    assert kinds >= {"xy", "bars"}
    tput = charts[0]
    xs = sorted(float(m.get("data-y", "0")) for m in tput.iter() if m.get("class") == "mark")
    view = make_view()
    assert xs == pytest.approx(sorted(p["throughput"]["output_tok_s"] for p in view.points))


def test_cdf_marks_match_the_summary_percentiles() -> None:
    view = make_view()
    cdfs = [c for c in svgs(render_report([view])) if "TTFT (ms)" in "".join(c.itertext())]
    p50 = [float(m.get("data-x", "0")) for m in cdfs[0].iter()
           if m.get("class") == "mark" and m.get("data-y") == "0.5"]
    assert p50 == pytest.approx([p["latency_ms"]["ttft"]["p50"] for p in view.points])


def test_user_text_is_escaped() -> None:
    html = render_report([make_view(label=EVIL, model=EVIL)])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_zero_completed_requests_still_renders() -> None:
    html = render_report([make_view(fail_all=True)])
    assert "no completed requests in this run" in html
    for c in svgs(html):  # every chart is still valid XML
        assert c.tag.endswith("svg")


def test_different_models_notice_and_comparison() -> None:
    a = make_view("A", "model-a", tpots=(10.0, 20.0, 40.0), run_id="a" * 12)
    b = make_view("B", "model-b", tpots=(10.0, 21.0, 40.0), usd_per_hour=1.0, run_id="b" * 12)
    html = render_report([a, b])
    assert ("these runs measure different models: model-a, model-b — comparisons are across "
            "models") in html.lower()
    assert 'id="compare"' in html
    # same throughput, half the $/hour: B is 50% cheaper at A's first point
    assert "B is 50% cheaper per 1M output tokens at" in html


def test_reproduce_command_round_trips_through_the_bench_parser() -> None:
    rebuilt = reproduce_command(make_view())
    assert rebuilt is not None
    cmd, toml = rebuilt
    assert toml is None
    assert cmd.startswith("tokenfab bench --url http://127.0.0.1:9 --model m --concurrency 1,2,4")
    assert "--hourly-usd 2" in cmd and "--slo ttft_ms=100" in cmd
    ctx = bench_cmd.make_context("bench", shlex.split(cmd)[2:])
    assert ctx.params["hourly_usd"] == 2.0 and ctx.params["requests"] == 8
    assert ctx.params["label"] == "run A" and ctx.params["slo"] == "ttft_ms=100"


def test_command_argument_is_shown() -> None:
    html = render_report([make_view()], command="tokenfab run --hourly-usd 0.1 <x>")
    assert "tokenfab run --hourly-usd 0.1 &lt;x&gt;" in html


def test_markdown_summary() -> None:
    a = make_view("A", "m", run_id="a" * 12)
    b = make_view("B", "m", usd_per_hour=1.0, run_id="b" * 12)
    text = render_markdown([a, b])
    assert "| load | completed | failed |" in text
    usd = a.points[0]["cost"]["usd_per_mtok_output_all_in"]
    assert fmt_usd(usd).replace("$", "\\$") in text
    assert "B is 50% cheaper per 1M output tokens" in text
    assert "different models" not in text
    evil = render_markdown([make_view(EVIL, "x|y")])
    assert "<script>" not in evil and "x\\|y" in evil
    assert "No completed requests in this run." in render_markdown([make_view(fail_all=True)])
