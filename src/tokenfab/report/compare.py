"""Deltas between runs at matched interactivity. Pure.

A *curve* is one system's throughput-vs-interactivity points (a measured run, or one
hardware/precision of a projection). The first curve is the baseline; every other curve is
compared with it point by point: each baseline point is matched with the other curve's point
of nearest per-user tok/s, by ``|ln(x_b / x_o)|``, and only when the two are within
``MATCH_MAX_RATIO`` of each other. For a matched pair:

- cost change  = usd_o / usd_b − 1   ($ per 1M output tokens, all-in; negative is cheaper)
- throughput ×  = tok_s_o / tok_s_b  (output tok/s per GPU, or per system)
- TPOT at the match = 1000 / per-user tok/s of the baseline point (ms)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tokenfab.metrics.pareto import pareto_indices
from tokenfab.report.data import RunView
from tokenfab.report.html_fmt import (
    completed,
    hardware_of,
    load_label,
    per_gpu_everywhere,
    per_user,
    tok_s_per_unit,
    usd_out,
)
from tokenfab.schemas.types import Provenance

MATCH_MAX_RATIO = 1.5  # per-user tok/s of matched points differ by at most this factor


@dataclass(frozen=True)
class CurvePoint:
    label: str  # the load point, e.g. "8 streams"
    per_user_tok_s: float | None
    tok_s: float | None  # output tok/s per GPU or per system
    usd_per_mtok_output: float | None  # all-in
    index: int  # position in the view's points


@dataclass(frozen=True)
class Curve:
    name: str
    kind: Provenance
    points: tuple[CurvePoint, ...]
    view_index: int


def curves_of(views: Sequence[RunView]) -> list[Curve]:
    """One curve per measured run and per (hardware, precision, GPUs) of a projection; only
    points with completed requests."""
    per_gpu = per_gpu_everywhere(views)
    curves: list[Curve] = []
    for vi, view in enumerate(views):
        groups: dict[str | None, list[CurvePoint]] = {}
        for i, p in enumerate(view.points):
            if completed(p) == 0:
                continue
            key = hardware_of(p) if view.kind == "modelled" else None
            groups.setdefault(key, []).append(CurvePoint(
                load_label(p), per_user(p), tok_s_per_unit(view, p, per_gpu), usd_out(p), i))
        for key, pts in groups.items():
            name = view.label if key is None or len(groups) == 1 else (
                f"{view.model} on {key} (modelled)")
            curves.append(Curve(name, view.kind, tuple(pts), vi))
    return curves


def frontier_of(curve: Curve) -> set[int]:
    """Positions in ``curve.points`` on the curve's own Pareto frontier of throughput vs
    per-user tok/s."""
    return pareto_indices([(p.per_user_tok_s, p.tok_s) for p in curve.points])


def match_nearest(base: Sequence[float | None], other: Sequence[float | None],
                  max_ratio: float = MATCH_MAX_RATIO) -> list[tuple[int, int]]:
    """(i, j) pairs, one-to-one: each base value takes the other value nearest on a log scale
    (ties: lower j) when within ``max_ratio``; when several base values pick the same j, only
    the nearest of them (ties: lower i) keeps it."""
    best: dict[int, tuple[float, int]] = {}
    for i, b in enumerate(base):
        if b is None or b <= 0:
            continue
        cands = [(abs(math.log(b / o)), j) for j, o in enumerate(other) if o is not None and o > 0]
        if not cands:
            continue
        dist, j = min(cands)
        if dist <= math.log(max_ratio) + 1e-12 and (j not in best or (dist, i) < best[j]):
            best[j] = (dist, i)
    return sorted((i, j) for j, (_, i) in best.items())


@dataclass(frozen=True)
class Delta:
    base: CurvePoint
    other: CurvePoint
    cost_change: float | None  # usd_o / usd_b − 1
    tok_s_ratio: float | None  # tok_s_o / tok_s_b


def deltas(base: Curve, other: Curve) -> list[Delta]:
    out = []
    for i, j in match_nearest([p.per_user_tok_s for p in base.points],
                              [p.per_user_tok_s for p in other.points]):
        b, o = base.points[i], other.points[j]
        cost = (o.usd_per_mtok_output / b.usd_per_mtok_output - 1.0
                if o.usd_per_mtok_output is not None and b.usd_per_mtok_output else None)
        ratio = o.tok_s / b.tok_s if o.tok_s is not None and b.tok_s else None
        out.append(Delta(b, o, cost, ratio))
    return out


def _x(v: float) -> str:
    return f"{v:.0f}" if v >= 10 else f"{v:.1f}"


def fmt_ratio(r: float) -> str:
    return f"{r:.0f}" if r >= 10 else f"{r:.2g}"


def cost_sentence(name: str, d: Delta) -> str | None:
    """"B is 38% cheaper per 1M output tokens at 20 tok/s/user"."""
    if d.cost_change is None or d.base.per_user_tok_s is None:
        return None
    at = f"at {_x(d.base.per_user_tok_s)} tok/s/user"
    pct = abs(d.cost_change) * 100
    if pct < 0.5:
        return f"{name} costs the same per 1M output tokens {at}"
    word = "cheaper" if d.cost_change < 0 else "more expensive"
    return f"{name} is {pct:.0f}% {word} per 1M output tokens {at}"


def throughput_sentence(name: str, d: Delta, unit: str) -> str | None:
    """"B delivers 2.1× the throughput per GPU at 50 ms TPOT"."""
    if d.tok_s_ratio is None or not d.base.per_user_tok_s:
        return None
    tpot_ms = 1000.0 / d.base.per_user_tok_s
    return (f"{name} delivers {fmt_ratio(d.tok_s_ratio)}× the throughput per {unit} at "
            f"{_x(tpot_ms)} ms TPOT")


@dataclass(frozen=True)
class Comparison:
    base: Curve
    other: Curve
    deltas: tuple[Delta, ...]
    sentences: tuple[str, ...]


def compare_curves(base: Curve, other: Curve, unit: str) -> Comparison:
    ds = deltas(base, other)
    sentences = []
    for d in ds:
        for s in (cost_sentence(other.name, d), throughput_sentence(other.name, d, unit)):
            if s is not None:
                sentences.append(s)
    return Comparison(base, other, tuple(ds), tuple(sentences))


def compare_views(views: Sequence[RunView]) -> list[Comparison]:
    """Every curve against the first (the baseline); empty with fewer than two curves."""
    curves = curves_of(views)
    if len(curves) < 2:
        return []
    unit = "GPU" if per_gpu_everywhere(views) else "system"
    return [compare_curves(curves[0], c, unit) for c in curves[1:]]
