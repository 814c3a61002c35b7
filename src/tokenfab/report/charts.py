"""SVG charts as strings: pure functions, no JavaScript, nothing fetched from anywhere.

Every plotted value is a *mark* (``class="mark"``) carrying ``data-series``, ``data-x`` and
``data-y`` (the exact input as ``repr(float)``) and a ``<title>`` for the hover tooltip, so a
browser test can read back what was drawn. All text is escaped. Output is deterministic: the
same input gives the same bytes.

- :func:`xy_chart`: scatter/line chart with optional log axes, CI whiskers, dimmed points.
- :func:`stacked_bar_chart`: one stacked bar per category (e.g. cost decomposition).
- :func:`cdf_chart`: empirical CDF lines with p50/p90/p99 marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tokenfab.report.html_svg import (
    AXIS,
    MUTED,
    TEXT,
    Marker,
    Scale,
    Style,
    axes,
    color_of,
    empty_chart,
    esc,
    exact,
    fmt_tick,
    frame,
    legend,
    legend_rows,
    linear_ticks,
    mark,
    note_text,
    px,
    ramp,
    svg_open,
    ticks,
    usable,
    wrap,
)


@dataclass(frozen=True)
class Series:
    """One named set of (x, y) points. ``style`` draws the connecting line (``none``: markers
    only); ``dim`` lists indices drawn hollow and left out of the line (e.g. points off the
    Pareto frontier); ``ci`` gives a (low, high) y interval per point; ``labels`` are short
    annotations drawn next to the markers; ``tips`` replace the default hover text."""

    name: str
    points: Sequence[tuple[float, float]]
    style: Style = "solid"
    marker: Marker = "circle"
    color: str | None = None
    labels: Sequence[str] = ()
    tips: Sequence[str] = ()
    dim: Sequence[int] = ()
    ci: Sequence[tuple[float, float] | None] = ()
    legend: bool = True


@dataclass(frozen=True)
class Stack:
    """One layer of a stacked bar chart: a value per category (None or 0: nothing drawn)."""

    name: str
    values: Sequence[float | None]
    color: str | None = None


@dataclass(frozen=True)
class Distribution:
    """Raw samples for one CDF line."""

    name: str
    values: Sequence[float]
    color: str | None = None
    style: Style = "solid"


# ---------------------------------------------------------------------------------- charts

def xy_chart(series: Sequence[Series], x_label: str, y_label: str, *,
             title: str | None = None, note: str | None = None, width: int = 640,
             height: int = 400, x_log: bool = False, y_log: bool = False, x_zero: bool = True,
             y_zero: bool = True, y_integer: bool = False,
             vlines: Sequence[tuple[float, str]] = (),
             empty_text: str = "no data to plot") -> str:
    """A scatter/line chart. Non-finite values (and values ≤ 0 on a log axis) are not drawn.
    ``vlines`` are labelled vertical markers at x values (e.g. where a load point starts);
    ``y_integer`` keeps y ticks on whole numbers (counts)."""
    pts = [[(i, x, y) for i, (x, y) in enumerate(s.points)
            if usable(x, x_log) and usable(y, y_log)] for s in series]
    xv = [x for p in pts for _, x, _ in p] + [v for v, _ in vlines if usable(v, x_log)]
    yv = [y for p in pts for _, _, y in p]
    for s, p in zip(series, pts, strict=True):
        for i, _, _ in p:
            c = s.ci[i] if i < len(s.ci) else None
            if c is not None:
                yv += [v for v in c if usable(v, y_log)]
    if not any(pts):
        return empty_chart(width, height, title, empty_text, note, "xy")
    xt, yt = ticks(xv, x_log, x_zero), ticks(yv, y_log, y_zero, y_integer)
    named = [s for s, p in zip(series, pts, strict=True) if s.legend and p]
    rows = legend_rows([s.name for s in named], width - 40)
    notes = wrap(note, width - 24) if note else []
    f = frame(width, height, title, [fmt_tick(t) for t in yt], len(rows), len(notes))
    xs = Scale(xt[0], xt[-1], x_log, f.left + 6, f.right - 6)
    ys = Scale(yt[0], yt[-1], y_log, f.bottom - 4, f.top + 4)
    out = svg_open(f, title, "xy")
    out += axes(f, xs, ys, xt, yt, x_label, y_label)
    ends = [-1e9, -1e9, -1e9]  # right end of the last label in each of 3 rows
    for v, text in sorted(vlines):
        if usable(v, x_log):
            x = xs(v)
            row = next((r for r, e in enumerate(ends) if x + 3 > e + 4), 0)
            ends[row] = x + 3 + len(text) * 5.8
            out.append(f'<line class="vline" x1="{px(x)}" x2="{px(x)}" y1="{px(f.top)}" '
                       f'y2="{px(f.bottom)}" stroke="{AXIS}" stroke-dasharray="2 3"/>')
            out.append(f'<text x="{px(x + 3)}" y="{px(f.top + 11 + 12 * row)}" '
                       f'font-size="10.5" fill="{MUTED}">{esc(text)}</text>')
    colors = [s.color or color_of(k) for k, s in enumerate(series)]
    for s, p, color in zip(series, pts, colors, strict=True):
        out.append(f'<g class="series" data-series="{esc(s.name)}">')
        line = [(x, y) for i, x, y in p if i not in s.dim]
        if s.style != "none" and len(line) >= 2:
            d = "".join(f"{'M' if k == 0 else 'L'}{px(xs(x))} {px(ys(y))}"
                        for k, (x, y) in enumerate(line))
            dash = ' stroke-dasharray="7 5"' if s.style == "dashed" else ""
            out.append(f'<path class="line" d="{d}" fill="none" stroke="{color}" '
                       f'stroke-width="2.2" stroke-linejoin="round"{dash} '
                       f'data-series="{esc(s.name)}" data-n="{len(line)}"/>')
        for i, x, _y in p:
            c = s.ci[i] if i < len(s.ci) else None
            if c is not None and all(usable(v, y_log) for v in c):
                cx, y0, y1 = xs(x), ys(c[0]), ys(c[1])
                out.append(f'<path class="ci" d="M{px(cx)} {px(y0)}V{px(y1)}M{px(cx - 4)} '
                           f'{px(y0)}h8M{px(cx - 4)} {px(y1)}h8" stroke="{color}" '
                           f'stroke-width="1.2" opacity="0.7" fill="none"/>')
        if s.marker != "none" or s.style == "none":
            for i, x, y in p:
                label = s.labels[i] if i < len(s.labels) else ""
                tip = s.tips[i] if i < len(s.tips) else (
                    f"{s.name}{' · ' + label if label else ''}: {x_label} {fmt_tick(x)}, "
                    f"{y_label} {fmt_tick(y)}")
                attrs = (f'data-series="{esc(s.name)}" data-x="{exact(x)}" data-y="{exact(y)}"'
                         + (f' data-label="{esc(label)}"' if label else "")
                         + (' data-dim="1"' if i in s.dim else ""))
                out.append(mark(s.marker, xs(x), ys(y), color, attrs, tip, i in s.dim))
        for i, x, y in p:
            label = s.labels[i] if i < len(s.labels) else ""
            if label:
                out.append(f'<text x="{px(xs(x) + 7)}" y="{px(ys(y) - 7)}" font-size="10.5" '
                           f'fill="{MUTED}" class="point-label">{esc(label)}</text>')
        out.append("</g>")
    out += legend(f, rows, [(s.name, colors[k], s.style, s.marker)
                             for k, (s, p) in enumerate(zip(series, pts, strict=True))
                             if s.legend and p])
    out += note_text(f, notes)
    out.append("</svg>")
    return "\n".join(out)


def _group_spans(groups: Sequence[str], n: int) -> list[tuple[str, int, int]]:
    """Consecutive runs of equal group names as (name, first, last) category indices."""
    spans: list[tuple[str, int, int]] = []
    for i in range(n):
        g = groups[i] if i < len(groups) else ""
        if spans and spans[-1][0] == g:
            spans[-1] = (g, spans[-1][1], i)
        else:
            spans.append((g, i, i))
    return spans


def stacked_bar_chart(categories: Sequence[str], stacks: Sequence[Stack], y_label: str, *,
                      x_label: str = "", groups: Sequence[str] = (), title: str | None = None,
                      note: str | None = None, width: int = 640, height: int = 400,
                      value_prefix: str = "", empty_text: str = "no data to plot") -> str:
    """One bar per category, layers stacked bottom-up in ``stacks`` order, total on top.
    ``groups`` (one name per category) clusters consecutive bars under a shared label.
    Category names may hold ``\\n`` for a second line."""
    totals = [sum(v for s in stacks if i < len(s.values) and (v := s.values[i]) is not None
                  and math.isfinite(v) and v > 0) for i in range(len(categories))]
    if not categories or not any(t > 0 for t in totals):
        return empty_chart(width, height, title, empty_text, note, "bars")
    yt = linear_ticks(0.0, max(totals) * 1.1)
    rows = legend_rows([s.name for s in stacks], width - 40)
    notes = wrap(note, width - 24) if note else []
    cat_lines = max(len(c.split("\n")) for c in categories)
    spans = _group_spans(groups, len(categories)) if groups else []
    extra = (1 if x_label else 0) + (1 if spans else 0)
    f = frame(width, height, title, [fmt_tick(t) for t in yt], len(rows), len(notes),
               x_label_lines=cat_lines + extra)
    ys = Scale(yt[0], yt[-1], False, f.bottom, f.top + 4)
    out = svg_open(f, title, "bars")
    out += axes(f, None, ys, [], yt, "", y_label)
    gap = 0.7  # empty slots between groups
    slots = len(categories) + gap * max(0, len(spans) - 1)
    band = (f.right - f.left) / slots
    bar_w = min(64.0, band * 0.64)
    centers: list[float] = []
    for k, (_, first, last) in enumerate(spans or [("", 0, len(categories) - 1)]):
        centers += [f.left + band * (i + k * gap + 0.5) for i in range(first, last + 1)]
    colors = [s.color or color_of(k) for k, s in enumerate(stacks)]
    small = "10.5" if band < 46 else "11"
    for i, cat in enumerate(categories):
        cx = centers[i]
        base = 0.0
        group = groups[i] if i < len(groups) else ""
        where = " ".join(x for x in (group, cat.replace("\n", " ")) if x)
        out.append(f'<g class="bar" data-category="{esc(cat)}"'
                   + (f' data-group="{esc(group)}"' if group else "") + ">")
        for s, color in zip(stacks, colors, strict=True):
            v = s.values[i] if i < len(s.values) else None
            if v is None or not math.isfinite(v) or v <= 0:
                continue
            y0, y1 = ys(base), ys(base + v)
            out.append(f'<rect class="mark" x="{px(cx - bar_w / 2)}" y="{px(y1)}" '
                       f'width="{px(bar_w)}" height="{px(max(y0 - y1, 0.5))}" fill="{color}" '
                       f'data-series="{esc(s.name)}" data-category="{esc(cat)}" '
                       f'data-y="{exact(v)}"><title>{esc(where)} · {esc(s.name)}: '
                       f"{esc(value_prefix + fmt_tick(v))}</title></rect>")
            base += v
        out.append(f'<text x="{px(cx)}" y="{px(ys(totals[i]) - 5)}" text-anchor="middle" '
                   f'font-size="{small}" fill="{TEXT}" class="total" data-y="{exact(totals[i])}">'
                   f"{esc(value_prefix + fmt_tick(totals[i]))}</text>")
        for k, line in enumerate(cat.split("\n")):
            out.append(f'<text x="{px(cx)}" y="{px(f.bottom + 16 + 14 * k)}" '
                       f'text-anchor="middle" fill="{MUTED}">{esc(line)}</text>')
        out.append("</g>")
    y_group = f.bottom + 16 + 14 * cat_lines + 4
    for name, first, last in spans:
        x0, x1 = centers[first] - bar_w / 2, centers[last] + bar_w / 2
        room = max(4, int((x1 - x0 + band * gap * 0.8) / 6.2))
        text = name if len(name) <= room else name[:room - 1] + "…"
        out.append(f'<path d="M{px(x0)} {px(y_group - 12)}v3H{px(x1)}v-3" fill="none" '
                   f'stroke="{AXIS}"/>')
        out.append(f'<text x="{px((x0 + x1) / 2)}" y="{px(y_group + 2)}" text-anchor="middle" '
                   f'font-size="11" fill="{TEXT}" class="group"><title>{esc(name)}</title>'
                   f"{esc(text)}</text>")
    if x_label:
        out.append(f'<text x="{px((f.left + f.right) / 2)}" '
                   f'y="{px(f.bottom + 34 + 14 * cat_lines + (18 if spans else 0))}" '
                   f'text-anchor="middle" fill="{TEXT}" class="axis-title">{esc(x_label)}</text>')
    out += legend(f, rows, [(s.name, c, "none", "square") for s, c in zip(stacks, colors,
                                                                           strict=True)])
    out += note_text(f, notes)
    out.append("</svg>")
    return "\n".join(out)


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of sorted data (numpy's default ``linear`` method)."""
    n = len(sorted_values)
    pos = q * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def ecdf_points(values: Sequence[float], max_steps: int = 240) -> list[tuple[float, float]]:
    """The empirical CDF as a staircase: (v_k, k/n) → (v_k, (k+1)/n), at most ``max_steps``
    steps (evenly spaced ranks are kept when there are more samples)."""
    v = sorted(x for x in values if math.isfinite(x))
    n = len(v)
    if n == 0:
        return []
    idx = range(n) if n <= max_steps else sorted({round(k * (n - 1) / (max_steps - 1))
                                                  for k in range(max_steps)})
    out: list[tuple[float, float]] = []
    prev = 0.0
    for k in idx:
        out += [(v[k], prev), (v[k], (k + 1) / n)]
        prev = (k + 1) / n
    return out


def cdf_chart(dists: Sequence[Distribution], x_label: str, *, title: str | None = None,
              note: str | None = None, width: int = 640, height: int = 400,
              x_log: bool | None = None, quantiles: Sequence[float] = (0.5, 0.9, 0.99),
              unit: str = "", empty_text: str = "no samples") -> str:
    """CDF lines, one per distribution, with a mark at each quantile (``data-x`` = the
    quantile value, ``data-y`` = q). ``x_log=None`` picks log when max/min > 30."""
    clean = [sorted(x for x in d.values if math.isfinite(x)) for d in dists]
    allv = [x for c in clean for x in c]
    if not allv:
        return empty_chart(width, height, title, empty_text, note, "xy")
    if x_log is None:
        x_log = min(allv) > 0 and max(allv) / min(allv) > 30
    series: list[Series] = []
    colors = [d.color or c for d, c in zip(dists, ramp(len(dists)), strict=True)]
    for d, vals, color in zip(dists, clean, colors, strict=True):
        if not vals:
            continue
        series.append(Series(d.name, ecdf_points(vals), style=d.style, marker="none",
                             color=color))
        qv = [(quantile(vals, q), q) for q in quantiles]
        names = [f"p{q * 100:g}" for q in quantiles]
        tips = [f"{d.name}: {nm} = {fmt_tick(x)}{unit} (n={len(vals)})"
                for nm, (x, _) in zip(names, qv, strict=True)]
        series.append(Series(d.name, qv, style="none", marker="none", color=color,
                             tips=tips, legend=False))
    return xy_chart(series, x_label, "fraction of requests ≤ x", title=title, note=note,
                    width=width, height=height, x_log=x_log, x_zero=False, y_zero=True)


__all__ = ["Distribution", "Series", "Stack", "cdf_chart", "color_of", "ecdf_points", "fmt_tick",
           "linear_ticks", "quantile", "ramp", "stacked_bar_chart", "xy_chart"]
