"""SVG charts: valid XML, one mark per value, data attributes equal to the inputs, escaping."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tokenfab.report.charts import (
    Distribution,
    Series,
    Stack,
    cdf_chart,
    ecdf_points,
    fmt_tick,
    linear_ticks,
    quantile,
    ramp,
    stacked_bar_chart,
    xy_chart,
)
from tokenfab.report.html_svg import log_ticks

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def marks(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == "mark"]


def test_xy_chart_marks_carry_the_plotted_numbers() -> None:
    a = Series("measured", [(1.0, 10.0), (2.5, 20.25), (4.0, 33.3)])
    b = Series("modelled", [(1.5, 12.0), (3.0, 40.0)], style="dashed", marker="square")
    root = parse(xy_chart([a, b], "per-user tok/s", "tok/s", title="T"))
    got = marks(root)
    assert len(got) == 5
    seen = sorted((m.get("data-series"), float(m.get("data-x", "nan")),
                   float(m.get("data-y", "nan"))) for m in got)
    want = sorted([("measured", x, y) for x, y in a.points]
                  + [("modelled", x, y) for x, y in b.points])
    assert seen == want  # exact: data attributes are repr(float)
    assert all(m.find(f"{NS}title") is not None for m in got)  # hover tooltips
    dashed = [e for e in root.iter(f"{NS}path") if e.get("class") == "line"
              and e.get("stroke-dasharray")]
    assert [e.get("data-series") for e in dashed] == ["modelled"]
    texts = "".join(root.itertext())
    assert "per-user tok/s" in texts and "tok/s" in texts and "measured" in texts


def test_xy_chart_escapes_text_and_is_deterministic() -> None:
    evil = "<script>alert(1)</script>"
    s = [Series(evil, [(1.0, 2.0)], labels=[evil])]
    svg = xy_chart(s, evil, evil, title=evil, note=evil)
    assert "<script>" not in svg
    root = parse(svg)
    assert marks(root)[0].get("data-series") == evil  # the attribute round-trips
    assert svg == xy_chart(s, evil, evil, title=evil, note=evil)


def test_log_axes_drop_non_positive_values_and_tick_decades() -> None:
    s = Series("s", [(1.0, 0.0), (10.0, 5.0), (100.0, 500.0), (math.nan, 3.0)])
    root = parse(xy_chart([s], "x", "y", x_log=True, y_log=True))
    assert [float(m.get("data-x", "0")) for m in marks(root)] == [10.0, 100.0]
    ticks = [t.text for t in root.iter(f"{NS}text") if t.text in {"1", "10", "100", "1k"}]
    assert "10" in ticks and "100" in ticks


def test_dimmed_points_are_hollow_and_off_the_line() -> None:
    s = Series("s", [(1.0, 1.0), (2.0, 0.5), (3.0, 2.0)], dim=[1])
    root = parse(xy_chart([s], "x", "y"))
    line = next(e for e in root.iter(f"{NS}path") if e.get("class") == "line")
    assert line.get("data-n") == "2"
    dim = [m for m in marks(root) if m.get("data-dim") == "1"]
    assert len(dim) == 1 and dim[0].get("fill") == "#ffffff"


def test_ci_whiskers_and_vlines() -> None:
    s = Series("s", [(1.0, 1.0), (2.0, 2.0)], ci=[(0.8, 1.2), None])
    root = parse(xy_chart([s], "x", "y", vlines=[(1.5, "4 streams")]))
    assert len([e for e in root.iter() if e.get("class") == "ci"]) == 1
    assert len([e for e in root.iter() if e.get("class") == "vline"]) == 1
    assert "4 streams" in "".join(root.itertext())


def test_empty_chart_says_so() -> None:
    root = parse(xy_chart([Series("s", [])], "x", "y", empty_text="no errors"))
    assert marks(root) == []
    assert "no errors" in "".join(root.itertext())


def test_stacked_bars_one_rect_per_positive_value_with_totals() -> None:
    stacks = [Stack("hardware", [0.5, 0.3]), Stack("energy", [0.01, None]),
              Stack("overhead", [0.0, 0.05])]
    root = parse(stacked_bar_chart(["1 stream", "8 streams"], stacks, "$ per 1M",
                                   groups=["A", "A"], value_prefix="$"))
    got = [(m.get("data-category"), m.get("data-series"), float(m.get("data-y", "0")))
           for m in marks(root)]
    assert got == [("1 stream", "hardware", 0.5), ("1 stream", "energy", 0.01),
                   ("8 streams", "hardware", 0.3), ("8 streams", "overhead", 0.05)]
    totals = [float(e.get("data-y", "0")) for e in root.iter() if e.get("class") == "total"]
    assert totals == pytest.approx([0.51, 0.35])


def test_cdf_marks_are_the_quantiles() -> None:
    vals = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0]
    root = parse(cdf_chart([Distribution("1 stream", vals), Distribution("2 streams", [7.0])],
                           "TTFT (ms)"))
    got = marks(root)
    assert len(got) == 6  # p50, p90, p99 per distribution
    first = [float(m.get(a, "0")) for m in got if m.get("data-series") == "1 stream"
             for a in ("data-x", "data-y")]
    want = [v for q in (0.5, 0.9, 0.99) for v in (float(np.percentile(vals, q * 100)), q)]
    assert first == pytest.approx(want)


def test_ecdf_staircase_and_downsampling() -> None:
    assert ecdf_points([2.0, 1.0]) == [(1.0, 0.0), (1.0, 0.5), (2.0, 0.5), (2.0, 1.0)]
    big = ecdf_points([float(i) for i in range(10_000)], max_steps=100)
    assert len(big) <= 200 and big[-1] == (9999.0, 1.0)


@pytest.mark.parametrize(("q", "want"), [(0.5, 2.5), (0.0, 1.0), (1.0, 4.0), (0.9, 3.7)])
def test_quantile_matches_numpy_linear(q: float, want: float) -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0], q) == pytest.approx(want)


@pytest.mark.parametrize(("v", "text"), [(0, "0"), (0.005, "0.005"), (2.5, "2.5"), (250, "250"),
                                         (1500, "1.5k"), (25_000, "25k"), (3_200_000, "3.2M"),
                                         (1e-5, "0.00001")])
def test_fmt_tick(v: float, text: str) -> None:
    assert fmt_tick(v) == text


def test_ticks() -> None:
    assert linear_ticks(0, 93.8) == [0, 20, 40, 60, 80, 100]
    assert linear_ticks(0, 2, min_step=1) == [0, 1, 2]
    assert log_ticks(30, 95) == [10, 20, 50, 100]
    assert log_ticks(0.3, 7000) == [0.1, 1, 10, 100, 1000, 10000]


def test_ramp_is_ordered_and_sized() -> None:
    assert len(ramp(6)) == 6 and ramp(6)[0] != ramp(6)[-1] and ramp(0) == []
