"""Labels that tell the truth: a modelled range is never called a confidence interval, energy
without a stored provenance is never called measured, token counts say where they came from."""

from __future__ import annotations

import copy
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

from tokenfab.report.charts_export import chart_svg
from tokenfab.report.document import view_of_document
from tokenfab.report.html import render_report
from tokenfab.report.markdown import render_markdown
from tokenfab.schemas.projection import ProjectConfig
from tokenfab.schemas.report import ReportConfig
from tokenfab.session.project import project
from tokenfab.session.report import report

POINT: dict[str, Any] = {
    "load": {"mode": "concurrency", "value": 8.0},
    "requests": {"completed": 64, "failed": 0},
    "tokens": {"input": 100, "output": 200, "token_source": "usage"},
    "throughput": {"output_tok_s": 200.0, "per_user_output_tok_s_p50": 30.0},
    "latency_ms": {},
    "cost": {"usd_per_hour": 3.0, "usd_per_mtok_output_all_in": 4.0},
}


def doc(kind: str, **cost: Any) -> dict[str, Any]:
    p = copy.deepcopy(POINT)
    p["cost"].update(cost)
    if kind == "projection":
        p.update(hardware="H100 SXM5 80GB", gpus=1)
    return {"kind": kind, "run_id": f"{kind}-1", "target": {"model": "m"}, "points": [p]}


def section(html: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', html, re.DOTALL)
    assert m is not None, sid
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", m[1])).split())


def note(svg: str) -> str:
    """A chart's note as one line (the SVG wraps it over several text elements)."""
    return " ".join(unescape(t) for t in re.findall(r'class="note">([^<]*)<', svg))


def test_a_projection_band_is_a_range_with_its_kind_never_a_ci() -> None:
    view = view_of_document(doc("projection", band={"usd_per_mtok_output_all_in": [3.2, 4.8]},
                                band_kind="efficiency ±20% (assumed)"), "p.json")
    html = render_report([view])
    cost = section(html, "cost")
    assert "range $3.20–$4.80 (efficiency ±20% (assumed))" in cost
    assert "95% CI $" not in html and "95% CI $" not in render_markdown([view])
    assert "cheapest load point: 8 streams · range $3.20–$4.80" in unescape(html)
    assert ("ranges of $ (not sampling intervals) modelled efficiency ±20% (assumed)"
            in section(html, "method"))
    assert "modelled range, not a sampling interval (efficiency ±20% (assumed))" in note(
        chart_svg([view], "cost"))
    md = render_markdown([view])
    assert "range \\$3.20–\\$4.80 (efficiency ±20% (assumed))" in md


def test_an_old_projection_ci95_is_read_as_a_range() -> None:
    view = view_of_document(doc("projection", ci95={"usd_per_mtok_output_all_in": [3.2, 4.8]}),
                            "old.json")
    cost = section(render_report([view]), "cost")
    assert "range $3.20–$4.80 (modelled range (stored as ci95" in cost and "95% CI $" not in cost


def test_a_measured_ci_is_a_bootstrap_ci() -> None:
    view = view_of_document(doc("bench", ci95={"usd_per_mtok_output_all_in": [3.9, 4.1]}),
                            "s.json")
    html = render_report([view])
    assert "95% CI $3.90–$4.10" in section(html, "cost")
    assert "95% CIs of $ measured bootstrap resampling of requests" in section(html, "method")
    assert "Whiskers: bootstrap 95% CI (measured runs)." in note(chart_svg([view], "cost"))


def test_energy_without_provenance_is_unknown_not_measured() -> None:
    d = doc("bench")
    d["points"][0]["energy"] = {"j_per_output_token": 0.5, "joules": 100.0}
    html = render_report([view_of_document(d, "s.json")])
    energy = section(html, "energy")
    # load, J/token, tokens per MWh, all tokens per MWh, W, provenance + source
    assert "8 streams 0.50 7.2 billion – – unknown source not recorded" in energy
    assert 'class="badge unknown">unknown<' in html
    assert "energy (J, J/token, tokens/MWh, W) unknown" in section(html, "method")
    d["points"][0]["energy"]["provenance"] = "measured"
    d["points"][0]["energy"]["source"] = "nvml"
    assert "measured nvml" in section(render_report([view_of_document(d, "s.json")]), "energy")


def test_token_counts_say_where_they_came_from() -> None:
    method = {}
    for src in ("usage", "client"):
        d = doc("bench")
        d["points"][0]["tokens"]["token_source"] = src
        method[src] = section(render_report([view_of_document(d, "s.json")]), "method")
    assert "token counts from server usage" in method["usage"]
    assert "token counts estimated by the client" in method["client"]
    assert "server usage" not in method["client"]


def test_a_real_projection_file_reports_its_ranges_as_ranges(tmp_path: Path) -> None:
    result = project(ProjectConfig.model_validate(
        {"model": "llama-3.1-8b", "hardware": ["H100"], "concurrency": [1, 8]}))
    path = tmp_path / "proj.json"
    path.write_text(json.dumps(result.to_json_dict()))
    out = tmp_path / "r.html"
    report(ReportConfig(refs=[str(path)], output=str(out)))
    html = out.read_text()
    kind = result.points[0].band.kind
    assert f"({kind})" in section(html, "cost") and f"({kind})" in section(html, "throughput")
    assert "95% CI" not in section(html, "cost") + section(html, "throughput")
