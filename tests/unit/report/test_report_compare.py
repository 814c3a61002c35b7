"""Comparison deltas at matched interactivity, checked against hand-computed numbers."""

from __future__ import annotations

from typing import Any

import pytest

from tokenfab.report.compare import (
    Curve,
    CurvePoint,
    compare_curves,
    compare_views,
    cost_sentence,
    deltas,
    match_nearest,
    pareto_indices,
    throughput_sentence,
)
from tokenfab.report.data import RunView


def cp(label: str, per_user: float, tok_s: float, usd: float | None, i: int = 0) -> CurvePoint:
    return CurvePoint(label, per_user, tok_s, usd, i)


@pytest.mark.parametrize(
    ("base", "other", "pairs"),
    [
        ([20.0], [21.0, 50.0], [(0, 0)]),
        ([20.0], [40.0], []),  # 2× apart: beyond the 1.5× window
        ([10.0, 11.0], [10.5], [(1, 0)]),  # one-to-one: 11 is nearer 10.5 on a log scale
        ([None, 5.0], [5.0, None], [(1, 0)]),
    ],
)
def test_match_nearest(base: list[float | None], other: list[float | None],
                       pairs: list[tuple[int, int]]) -> None:
    assert match_nearest(base, other) == pairs


def test_match_ties_go_to_the_lower_index() -> None:
    assert match_nearest([5.0, 20.0], [10.0], max_ratio=3.0) == [(0, 0)]


def test_pareto_indices() -> None:
    # (per-user, throughput): (10, 100) dominates (9, 90); (20, 50) and (5, 200) are on it
    pts: list[tuple[float | None, float | None]] = [(10, 100), (9, 90), (20, 50), (5, 200),
                                                    (None, 300)]
    assert pareto_indices(pts) == {0, 2, 3}


def test_sentences_with_hand_computed_deltas() -> None:
    a = Curve("A", "measured", (cp("1 stream", 20.0, 100.0, 1.00),), 0)
    b = Curve("B", "measured", (cp("4 streams", 21.0, 210.0, 0.62),), 1)
    (d,) = deltas(a, b)
    assert d.cost_change == pytest.approx(0.62 / 1.00 - 1)  # -38%
    assert d.tok_s_ratio == pytest.approx(2.1)  # 210 / 100
    assert cost_sentence("B", d) == "B is 38% cheaper per 1M output tokens at 20 tok/s/user"
    # TPOT at the match = 1000 / 20 tok/s = 50 ms
    assert throughput_sentence("B", d, "GPU") == \
        "B delivers 2.1× the throughput per GPU at 50 ms TPOT"


def test_more_expensive_and_unpriced() -> None:
    a = Curve("A", "measured", (cp("1", 8.0, 100.0, 2.0), cp("2", 50.0, 10.0, None)), 0)
    b = Curve("B", "modelled", (cp("1", 8.4, 45.0, 2.5), cp("2", 49.0, 30.0, 1.0)), 1)
    c = compare_curves(a, b, "system")
    assert c.sentences == (
        "B is 25% more expensive per 1M output tokens at 8.0 tok/s/user",  # 2.5 / 2.0 - 1
        "B delivers 0.45× the throughput per system at 125 ms TPOT",  # 45 / 100; 1000 / 8
        "B delivers 3× the throughput per system at 20 ms TPOT",  # 30 / 10; 1000 / 50
    )


def _view(label: str, model: str, pts: list[tuple[float, float, float]]) -> RunView:
    points: list[dict[str, Any]] = [
        {"load": {"mode": "concurrency", "value": float(2 ** i)},
         "requests": {"completed": 10, "failed": 0},
         "throughput": {"output_tok_s": t, "per_user_output_tok_s_p50": u},
         "cost": {"usd_per_mtok_output_all_in": c}} for i, (u, t, c) in enumerate(pts)]
    return RunView(ref=label, run_id=label, label=label, model=model, kind="measured",
                   points=points)


def test_compare_views_first_is_the_baseline() -> None:
    base = _view("base", "m", [(40.0, 100.0, 1.0), (20.0, 150.0, 0.8)])
    new = _view("new", "m", [(41.0, 120.0, 0.5), (19.0, 300.0, 0.4)])
    (c,) = compare_views([base, new])
    assert c.base.name == "base" and c.other.name == "new"
    assert "new is 50% cheaper per 1M output tokens at 40 tok/s/user" in c.sentences
    assert "new delivers 2× the throughput per system at 50 ms TPOT" in c.sentences
    assert compare_views([base]) == []
