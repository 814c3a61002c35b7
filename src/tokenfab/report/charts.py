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
from html import escape
from typing import Literal

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
PALETTE = ("#2f6db3", "#e07b19", "#3a9a4a", "#c9403a", "#7b5ea7", "#1f9e9b", "#8c6d4f",
           "#d45d9a", "#5f6b7a")
RAMP = ("#3b1c8c", "#34508f", "#21808c", "#2a9d6f", "#6cb33f", "#b7a51f")  # dark → light
TEXT = "#1f2937"
MUTED = "#6b7280"
GRID = "#e8eaee"
AXIS = "#9aa1ab"
FONT_PX = 12
CHAR_PX = 6.6  # average glyph advance at 12 px, for layout estimates

Style = Literal["solid", "dashed", "none"]
Marker = Literal["circle", "square", "triangle", "diamond", "none"]


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


# ---------------------------------------------------------------------------------- numbers

def fmt_tick(v: float) -> str:
    """Short, exponent-free label: 0.005, 2.5, 250, 1.5k, 25k, 3.2M."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e9:
        return _sig(v / 1e9) + "G"
    if a >= 1e6:
        return _sig(v / 1e6) + "M"
    if a >= 1000:
        return _sig(v / 1e3) + "k"
    return _sig(v)


def _sig(x: float, digits: int = 4) -> str:
    s = f"{x:.{digits}g}"
    if "e" in s:
        s = f"{x:.10f}".rstrip("0").rstrip(".")
    return s


def _n(v: float) -> str:
    """A pixel coordinate."""
    return f"{v:.1f}".removesuffix(".0")


def _d(v: float) -> str:
    """A data value, exact."""
    return repr(float(v))


def _esc(s: str) -> str:
    return escape(s, quote=True)


def linear_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Nice ticks (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi]; first/last bound the domain."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if raw <= m * mag * (1 + 1e-9))
    start = math.floor(lo / step + 1e-9) * step
    stop = math.ceil(hi / step - 1e-9) * step
    n = max(1, round((stop - start) / step))
    return [round(start + i * step, 12) for i in range(n + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Decade ticks covering [lo, hi] (lo > 0), with 2 and 5 in between over ≤ 2 decades."""
    e_lo = math.floor(math.log10(lo) + 1e-12)
    e_hi = math.ceil(math.log10(hi) - 1e-12)
    if e_hi <= e_lo:
        e_hi = e_lo + 1
    mults = (1.0,) if e_hi - e_lo > 2 else (1.0, 2.0, 5.0)
    ticks = [float(f"{m * 10.0 ** e:.12g}") for e in range(e_lo, e_hi + 1) for m in mults]
    return [t for t in ticks if 10.0 ** e_lo <= t <= 10.0 ** e_hi * (1 + 1e-9)]


@dataclass(frozen=True)
class _Scale:
    lo: float
    hi: float
    log: bool
    px0: float
    px1: float

    def __call__(self, v: float) -> float:
        if self.log:
            t = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            t = (v - self.lo) / (self.hi - self.lo)
        return self.px0 + t * (self.px1 - self.px0)


def _ticks(values: Sequence[float], log: bool, zero: bool) -> list[float]:
    if log:
        return log_ticks(min(values), max(values))
    lo, hi = min(values), max(values)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return linear_ticks(lo, hi)


def _usable(v: float, log: bool) -> bool:
    return math.isfinite(v) and (v > 0 or not log)


def color_of(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def ramp(n: int) -> list[str]:
    """``n`` colours from dark to light (ordered categories such as load points)."""
    if n <= 1:
        return [RAMP[0]] * n
    out = []
    for i in range(n):
        t = i / (n - 1) * (len(RAMP) - 1)
        a, b = RAMP[int(math.floor(t))], RAMP[min(len(RAMP) - 1, int(math.floor(t)) + 1)]
        f = t - math.floor(t)
        rgb = [round(int(a[k:k + 2], 16) * (1 - f) + int(b[k:k + 2], 16) * f) for k in (1, 3, 5)]
        out.append("#" + "".join(f"{c:02x}" for c in rgb))
    return out


# ---------------------------------------------------------------------------------- layout

@dataclass(frozen=True)
class _Frame:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float  # y of the x axis
    legend_y: float
    note_y: float


def _wrap(text: str, width_px: float, char_px: float = 6.0) -> list[str]:
    per = max(20, int(width_px / char_px))
    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for word in para.split():
            if cur and len(cur) + 1 + len(word) > per:
                lines.append(cur)
                cur = word
            else:
                cur = f"{cur} {word}".strip()
        lines.append(cur)
    return lines


def _legend_rows(names: Sequence[str], avail_px: float) -> list[list[tuple[str, int, float]]]:
    """Entries (name, index, x offset) flowed into rows."""
    rows: list[list[tuple[str, int, float]]] = [[]]
    x = 0.0
    for i, name in enumerate(names):
        w = 30 + len(name) * CHAR_PX + 18
        if rows[-1] and x + w > avail_px:
            rows.append([])
            x = 0.0
        rows[-1].append((name, i, x))
        x += w
    return rows if rows[0] else []


def _frame(width: int, height: int, title: str | None, y_labels: Sequence[str],
           legend_rows: int, note_lines: int, x_label_lines: int = 1) -> _Frame:
    top = 14.0 + (24 if title else 0)
    left = 22 + max((len(s) for s in y_labels), default=1) * CHAR_PX + 10
    below = 20 + 14 * x_label_lines + 18
    legend_h = legend_rows * 20 + (6 if legend_rows else 0)
    note_h = note_lines * 15 + (4 if note_lines else 0)
    bottom = float(height - below - legend_h - note_h - 6)
    if bottom - top < 80:  # never squash the plot: grow the canvas instead
        height += int(80 - (bottom - top))
        bottom = top + 80
    return _Frame(width, height, left, width - 16.0, top, bottom, bottom + below,
                  bottom + below + legend_h)


def _open(f: _Frame, title: str | None, kind: str) -> list[str]:
    label = _esc(title or kind)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {f.width} {f.height}" '
           f'width="{f.width}" height="{f.height}" role="img" aria-label="{label}" '
           f'font-family="{_esc(FONT)}" font-size="{FONT_PX}" class="chart chart-{kind}" '
           f'data-chart="{kind}">',
           f'<rect width="{f.width}" height="{f.height}" fill="#ffffff"/>']
    if title:
        out.append(f'<text x="{_n(f.left)}" y="22" font-size="14" font-weight="600" '
                   f'fill="{TEXT}">{_esc(title)}</text>')
    return out


def _note(f: _Frame, lines: Sequence[str]) -> list[str]:
    return [f'<text x="12" y="{_n(f.note_y + 12 + 15 * i)}" font-size="11" fill="{MUTED}" '
            f'class="note">{_esc(line)}</text>' for i, line in enumerate(lines)]


def _axes(f: _Frame, xs: _Scale | None, ys: _Scale, xt: Sequence[float], yt: Sequence[float],
          x_label: str, y_label: str) -> list[str]:
    out = ['<g class="grid">']
    for t in yt:
        y = ys(t)
        out.append(f'<line x1="{_n(f.left)}" x2="{_n(f.right)}" y1="{_n(y)}" y2="{_n(y)}" '
                   f'stroke="{GRID}"/>')
    if xs is not None:
        for t in xt:
            x = xs(t)
            out.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(f.top)}" y2="{_n(f.bottom)}" '
                       f'stroke="{GRID}"/>')
    out.append("</g>")
    out.append(f'<path d="M{_n(f.left)} {_n(f.top)}V{_n(f.bottom)}H{_n(f.right)}" '
               f'fill="none" stroke="{AXIS}"/>')
    out.append(f'<g class="ticks" fill="{MUTED}">')
    for t in yt:
        out.append(f'<text x="{_n(f.left - 7)}" y="{_n(ys(t) + 4)}" '
                   f'text-anchor="end">{_esc(fmt_tick(t))}</text>')
    if xs is not None:
        for t in xt:
            out.append(f'<text x="{_n(xs(t))}" y="{_n(f.bottom + 16)}" '
                       f'text-anchor="middle">{_esc(fmt_tick(t))}</text>')
    out.append("</g>")
    mid_y = (f.top + f.bottom) / 2
    out.append(f'<text transform="translate(14 {_n(mid_y)}) rotate(-90)" text-anchor="middle" '
               f'fill="{TEXT}" class="axis-title">{_esc(y_label)}</text>')
    if x_label:
        out.append(f'<text x="{_n((f.left + f.right) / 2)}" y="{_n(f.bottom + 36)}" '
                   f'text-anchor="middle" fill="{TEXT}" class="axis-title">'
                   f'{_esc(x_label)}</text>')
    return out


def _marker_path(marker: Marker, x: float, y: float, r: float = 4.2) -> str:
    if marker == "square":
        return f"M{_n(x - r)} {_n(y - r)}h{_n(2 * r)}v{_n(2 * r)}h{_n(-2 * r)}Z"
    if marker == "triangle":
        return (f"M{_n(x)} {_n(y - r * 1.2)}L{_n(x + r * 1.1)} {_n(y + r * 0.8)}"
                f"L{_n(x - r * 1.1)} {_n(y + r * 0.8)}Z")
    return (f"M{_n(x)} {_n(y - r * 1.3)}L{_n(x + r)} {_n(y)}L{_n(x)} {_n(y + r * 1.3)}"
            f"L{_n(x - r)} {_n(y)}Z")


def _mark(marker: Marker, x: float, y: float, color: str, attrs: str, tip: str,
          hollow: bool) -> str:
    fill = "#ffffff" if hollow else color
    style = f'fill="{fill}" stroke="{color}" stroke-width="1.6"'
    if hollow:
        style += ' opacity="0.75"'
    body = f"<title>{_esc(tip)}</title>"
    if marker in ("circle", "none"):
        r = 4.2 if marker == "circle" else 3.0
        return (f'<circle class="mark" cx="{_n(x)}" cy="{_n(y)}" r="{r}" {style} {attrs}>'
                f"{body}</circle>")
    return f'<path class="mark" d="{_marker_path(marker, x, y)}" {style} {attrs}>{body}</path>'


def _legend(f: _Frame, rows: list[list[tuple[str, int, float]]],
            items: Sequence[tuple[str, str, Style, Marker]]) -> list[str]:
    out = ['<g class="legend">']
    for r, row in enumerate(rows):
        y = f.legend_y + 12 + r * 20
        for name, i, dx in row:
            _, color, style, marker = items[i]
            x = f.left + dx
            dash = ' stroke-dasharray="6 4"' if style == "dashed" else ""
            if style != "none":
                out.append(f'<line x1="{_n(x)}" x2="{_n(x + 24)}" y1="{_n(y - 4)}" '
                           f'y2="{_n(y - 4)}" stroke="{color}" stroke-width="2.2"{dash}/>')
            if marker != "none" or style == "none":
                m: Marker = "circle" if marker == "none" else marker
                shape = (f'<circle cx="{_n(x + 12)}" cy="{_n(y - 4)}" r="3.6"' if m == "circle"
                         else f'<path d="{_marker_path(m, x + 12, y - 4, 3.6)}"')
                out.append(f'{shape} fill="{color}"/>')
            out.append(f'<text x="{_n(x + 30)}" y="{_n(y)}" fill="{TEXT}">{_esc(name)}</text>')
    out.append("</g>")
    return out


def _empty(width: int, height: int, title: str | None, text: str, note: str | None,
           kind: str) -> str:
    f = _frame(width, height, title, ["0"], 0, len(_wrap(note, width - 24)) if note else 0)
    out = _open(f, title, kind)
    out.append(f'<rect x="{_n(f.left)}" y="{_n(f.top)}" width="{_n(f.right - f.left)}" '
               f'height="{_n(f.bottom - f.top)}" fill="#fafafb" stroke="{GRID}"/>')
    out.append(f'<text x="{_n((f.left + f.right) / 2)}" y="{_n((f.top + f.bottom) / 2)}" '
               f'text-anchor="middle" fill="{MUTED}" font-size="13" class="empty">'
               f"{_esc(text)}</text>")
    if note:
        out += _note(f, _wrap(note, width - 24))
    out.append("</svg>")
    return "\n".join(out)


# ---------------------------------------------------------------------------------- charts

def xy_chart(series: Sequence[Series], x_label: str, y_label: str, *,
             title: str | None = None, note: str | None = None, width: int = 640,
             height: int = 400, x_log: bool = False, y_log: bool = False, x_zero: bool = True,
             y_zero: bool = True, vlines: Sequence[tuple[float, str]] = (),
             empty_text: str = "no data to plot") -> str:
    """A scatter/line chart. Non-finite values (and values ≤ 0 on a log axis) are not drawn.
    ``vlines`` are labelled vertical markers at x values (e.g. where a load point starts)."""
    pts = [[(i, x, y) for i, (x, y) in enumerate(s.points)
            if _usable(x, x_log) and _usable(y, y_log)] for s in series]
    xv = [x for p in pts for _, x, _ in p] + [v for v, _ in vlines if _usable(v, x_log)]
    yv = [y for p in pts for _, _, y in p]
    for s, p in zip(series, pts, strict=True):
        for i, _, _ in p:
            c = s.ci[i] if i < len(s.ci) else None
            if c is not None:
                yv += [v for v in c if _usable(v, y_log)]
    if not any(pts):
        return _empty(width, height, title, empty_text, note, "xy")
    xt, yt = _ticks(xv, x_log, x_zero), _ticks(yv, y_log, y_zero)
    named = [s for s, p in zip(series, pts, strict=True) if s.legend and p]
    rows = _legend_rows([s.name for s in named], width - 40)
    notes = _wrap(note, width - 24) if note else []
    f = _frame(width, height, title, [fmt_tick(t) for t in yt], len(rows), len(notes))
    xs = _Scale(xt[0], xt[-1], x_log, f.left + 6, f.right - 6)
    ys = _Scale(yt[0], yt[-1], y_log, f.bottom - 4, f.top + 4)
    out = _open(f, title, "xy")
    out += _axes(f, xs, ys, xt, yt, x_label, y_label)
    for v, text in vlines:
        if _usable(v, x_log):
            x = xs(v)
            out.append(f'<line class="vline" x1="{_n(x)}" x2="{_n(x)}" y1="{_n(f.top)}" '
                       f'y2="{_n(f.bottom)}" stroke="{AXIS}" stroke-dasharray="2 3"/>')
            out.append(f'<text x="{_n(x + 3)}" y="{_n(f.top + 11)}" font-size="10.5" '
                       f'fill="{MUTED}">{_esc(text)}</text>')
    colors = [s.color or color_of(k) for k, s in enumerate(series)]
    for s, p, color in zip(series, pts, colors, strict=True):
        out.append(f'<g class="series" data-series="{_esc(s.name)}">')
        line = [(x, y) for i, x, y in p if i not in s.dim]
        if s.style != "none" and len(line) >= 2:
            d = "".join(f"{'M' if k == 0 else 'L'}{_n(xs(x))} {_n(ys(y))}"
                        for k, (x, y) in enumerate(line))
            dash = ' stroke-dasharray="7 5"' if s.style == "dashed" else ""
            out.append(f'<path class="line" d="{d}" fill="none" stroke="{color}" '
                       f'stroke-width="2.2" stroke-linejoin="round"{dash} '
                       f'data-series="{_esc(s.name)}" data-n="{len(line)}"/>')
        for i, x, _y in p:
            c = s.ci[i] if i < len(s.ci) else None
            if c is not None and all(_usable(v, y_log) for v in c):
                px, y0, y1 = xs(x), ys(c[0]), ys(c[1])
                out.append(f'<path class="ci" d="M{_n(px)} {_n(y0)}V{_n(y1)}M{_n(px - 4)} '
                           f'{_n(y0)}h8M{_n(px - 4)} {_n(y1)}h8" stroke="{color}" '
                           f'stroke-width="1.2" opacity="0.7" fill="none"/>')
        if s.marker != "none" or s.style == "none":
            for i, x, y in p:
                label = s.labels[i] if i < len(s.labels) else ""
                tip = s.tips[i] if i < len(s.tips) else (
                    f"{s.name}{' · ' + label if label else ''}: {x_label} {fmt_tick(x)}, "
                    f"{y_label} {fmt_tick(y)}")
                attrs = (f'data-series="{_esc(s.name)}" data-x="{_d(x)}" data-y="{_d(y)}"'
                         + (f' data-label="{_esc(label)}"' if label else "")
                         + (' data-dim="1"' if i in s.dim else ""))
                out.append(_mark(s.marker, xs(x), ys(y), color, attrs, tip, i in s.dim))
        for i, x, y in p:
            label = s.labels[i] if i < len(s.labels) else ""
            if label:
                out.append(f'<text x="{_n(xs(x) + 7)}" y="{_n(ys(y) - 7)}" font-size="10.5" '
                           f'fill="{MUTED}" class="point-label">{_esc(label)}</text>')
        out.append("</g>")
    out += _legend(f, rows, [(s.name, colors[k], s.style, s.marker)
                             for k, (s, p) in enumerate(zip(series, pts, strict=True))
                             if s.legend and p])
    out += _note(f, notes)
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
        return _empty(width, height, title, empty_text, note, "bars")
    yt = linear_ticks(0.0, max(totals) * 1.1)
    rows = _legend_rows([s.name for s in stacks], width - 40)
    notes = _wrap(note, width - 24) if note else []
    cat_lines = max(len(c.split("\n")) for c in categories)
    spans = _group_spans(groups, len(categories)) if groups else []
    extra = (1 if x_label else 0) + (1 if spans else 0)
    f = _frame(width, height, title, [fmt_tick(t) for t in yt], len(rows), len(notes),
               x_label_lines=cat_lines + extra)
    ys = _Scale(yt[0], yt[-1], False, f.bottom, f.top + 4)
    out = _open(f, title, "bars")
    out += _axes(f, None, ys, [], yt, "", y_label)
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
        out.append(f'<g class="bar" data-category="{_esc(cat)}"'
                   + (f' data-group="{_esc(group)}"' if group else "") + ">")
        for s, color in zip(stacks, colors, strict=True):
            v = s.values[i] if i < len(s.values) else None
            if v is None or not math.isfinite(v) or v <= 0:
                continue
            y0, y1 = ys(base), ys(base + v)
            out.append(f'<rect class="mark" x="{_n(cx - bar_w / 2)}" y="{_n(y1)}" '
                       f'width="{_n(bar_w)}" height="{_n(max(y0 - y1, 0.5))}" fill="{color}" '
                       f'data-series="{_esc(s.name)}" data-category="{_esc(cat)}" '
                       f'data-y="{_d(v)}"><title>{_esc(where)} · {_esc(s.name)}: '
                       f"{_esc(value_prefix + fmt_tick(v))}</title></rect>")
            base += v
        out.append(f'<text x="{_n(cx)}" y="{_n(ys(totals[i]) - 5)}" text-anchor="middle" '
                   f'font-size="{small}" fill="{TEXT}" class="total" data-y="{_d(totals[i])}">'
                   f"{_esc(value_prefix + fmt_tick(totals[i]))}</text>")
        for k, line in enumerate(cat.split("\n")):
            out.append(f'<text x="{_n(cx)}" y="{_n(f.bottom + 16 + 14 * k)}" '
                       f'text-anchor="middle" fill="{MUTED}">{_esc(line)}</text>')
        out.append("</g>")
    y_group = f.bottom + 16 + 14 * cat_lines + 4
    for name, first, last in spans:
        x0, x1 = centers[first] - bar_w / 2, centers[last] + bar_w / 2
        room = max(4, int((x1 - x0 + band * gap * 0.8) / 6.2))
        text = name if len(name) <= room else name[:room - 1] + "…"
        out.append(f'<path d="M{_n(x0)} {_n(y_group - 12)}v3H{_n(x1)}v-3" fill="none" '
                   f'stroke="{AXIS}"/>')
        out.append(f'<text x="{_n((x0 + x1) / 2)}" y="{_n(y_group + 2)}" text-anchor="middle" '
                   f'font-size="11" fill="{TEXT}" class="group"><title>{_esc(name)}</title>'
                   f"{_esc(text)}</text>")
    if x_label:
        out.append(f'<text x="{_n((f.left + f.right) / 2)}" '
                   f'y="{_n(f.bottom + 34 + 14 * cat_lines + (18 if spans else 0))}" '
                   f'text-anchor="middle" fill="{TEXT}" class="axis-title">{_esc(x_label)}</text>')
    out += _legend(f, rows, [(s.name, c, "none", "square") for s, c in zip(stacks, colors,
                                                                           strict=True)])
    out += _note(f, notes)
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
        return _empty(width, height, title, empty_text, note, "xy")
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
