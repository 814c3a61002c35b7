"""Property tests for the summary reader (``tokenfab.report.document``): any JSON value gives a
view or one ``TokenfabError`` line, never another exception, and every accepted document
renders (HTML, Markdown and every chart) without failing.

Values are built three ways: arbitrary JSON, a real projection/summary point with one field
replaced by arbitrary JSON, and raw bytes written to a file.
"""

from __future__ import annotations

import copy
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenfab.errors import TokenfabError
from tokenfab.report.charts_export import chart_svg
from tokenfab.report.document import read_document, view_of_document
from tokenfab.report.html import render_report
from tokenfab.report.markdown import render_markdown
from tokenfab.schemas.report import CHARTS

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(alphabet=string.printable, max_size=10)
           | st.sampled_from(["concurrency", "rate", "measured", "modelled", "projection",
                              "tokenfab.run/1", "hardware", "energy", "overhead"]))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(alphabet=string.ascii_lowercase + "_", max_size=12), inner,
                    max_size=5),
    max_leaves=25)

POINT: dict[str, Any] = {
    "load": {"mode": "concurrency", "value": 8.0},
    "requests": {"completed": 64, "failed": 1, "errors": {"http_500": 1}},
    "duration_s": 10.0,
    "tokens": {"input": 100, "output": 200, "token_source": "usage"},
    "throughput": {"output_tok_s": 200.0, "output_tok_s_per_gpu": 200.0,
                   "per_user_output_tok_s_p50": 30.0, "requests_per_s": 2.0,
                   "output_tok_s_per_gpu_range": [160.0, 240.0]},
    "latency_ms": {"ttft": {"p50": 50.0, "p90": 60.0, "p95": 61.0, "p99": 70.0, "mean": 52.0,
                            "min": 40.0, "max": 80.0, "n": 64}, "tpot": None},
    "cost": {"usd_per_hour": 3.0, "usd_per_mtok_output_all_in": 4.1,
             "usd_per_mtok_output": 3.9, "usd_per_mtok_input": 0.2,
             "breakdown": {"hardware": 4.0, "energy": 0.1},
             "provenance": {"usd_per_hour": "assumed", "energy": "modelled"},
             "ci95": {"usd_per_mtok_output_all_in": [3.5, 4.9]},
             "attribution": {"source": "measured", "share_input": 0.1}},
    "energy": {"joules": 100.0, "j_per_output_token": 0.5, "source": "nvml",
               "provenance": "measured"},
    "hardware": "H100 SXM5 80GB", "precision": "bf16", "gpus": 1, "tokens_per_s_per_mw": 1e6,
}
DOC: dict[str, Any] = {"schema": "tokenfab.run/1", "run_id": "projection-1",
                       "kind": "projection", "target": {"model": "m", "url": "modelled://x"},
                       "points": [POINT]}
PATHS = [("points",), ("target",), ("kind",), ("environment",), ("label",), ("status",),
         *[("points", 0, k) for k in POINT],
         *[("points", 0, "cost", k) for k in POINT["cost"]],
         *[("points", 0, "throughput", k) for k in POINT["throughput"]],
         *[("points", 0, "latency_ms", k) for k in ("ttft", "tpot")],
         *[("points", 0, "energy", k) for k in POINT["energy"]],
         ("points", 0, "load", "mode"), ("points", 0, "load", "value"),
         ("points", 0, "requests", "errors"), ("points", 0, "cost", "provenance", "energy")]


def renders(data: object) -> None:
    """``data`` is read as a view (and then renders in every format) or refused in one line."""
    try:
        view = view_of_document(data, "x.json")
    except TokenfabError as exc:
        msg = str(exc)
        assert msg.startswith("x.json: ") and "\n" not in msg and len(msg) < 600, msg
        return
    html = render_report([view])
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    render_markdown([view])
    for name in CHARTS:
        assert chart_svg([view], name).rstrip().endswith("</svg>")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value(data: object) -> None:
    renders(data)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values, st.booleans())
def test_a_real_document_with_one_field_replaced(path: tuple[Any, ...], value: object,
                                                 measured: bool) -> None:
    doc = copy.deepcopy(DOC)
    if measured:
        doc["kind"] = "bench"
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    renders(doc)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_bytes_in_a_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(raw)
    try:
        read_document(str(path))
    except TokenfabError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)


def test_the_real_document_reads_and_old_names_map_to_new() -> None:
    view = view_of_document(copy.deepcopy(DOC), "x.json")
    cost = view.points[0]["cost"]
    assert view.kind == "modelled" and view.label == "m on H100 SXM5 80GB (modelled)"
    # run/1 "breakdown" is read as the unit-named key; a projection's old "ci95" is a band.
    assert cost["breakdown_usd_per_mtok_output"] == {"hardware": 4.0, "energy": 0.1}
    assert "breakdown" not in cost and cost["ci95"] == {}
    assert cost["band"] == {"usd_per_mtok_output_all_in": [3.5, 4.9]}
    assert "not a sampling interval" in cost["band_kind"]


def test_malformed_documents_name_the_file_and_the_field(tmp_path: Path) -> None:
    cases = {
        '{"schema": "tokenfab.run/1", "target": "x", "points": "x"}':
            "target: Input should be a valid dictionary;",
        '{"target": {"model": "m"}, "points": "x"}': "points: Input should be a valid list",
        '{"points": [{"load": {"mode": "bursty", "value": 1}}]}': "points.0.load.mode",
        "[1, 2, 3]": "holds a list",
        '{"schema": "tokenfab.tune/1", "trials": []}': "a tokenfab.tune/1 document",
        "not json": "not valid JSON",
    }
    for text, needle in cases.items():
        path = tmp_path / "d.json"
        path.write_text(text)
        try:
            read_document(str(path))
        except TokenfabError as exc:
            assert str(exc).startswith(f"{path}: ") and needle in str(exc), (text, str(exc))
        else:
            raise AssertionError(f"{text!r} was accepted")
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"points": ["caf\xe9"]}'.encode("latin-1"))
    for ref, needle in ((str(latin), "not UTF-8"), (str(tmp_path), "is a directory"),
                        (str(tmp_path / "none.json"), "no such file")):
        try:
            read_document(ref)
        except TokenfabError as exc:
            assert needle in str(exc), str(exc)
        else:
            raise AssertionError(f"{ref} was accepted")
