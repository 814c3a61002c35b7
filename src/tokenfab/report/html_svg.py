"""SVG building blocks for :mod:`tokenfab.report.charts`: scales, ticks, frames, axes, marks
and legends. Pure; every function returns SVG text (escaped) or numbers."""

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


# ---------------------------------------------------------------------------------- numbers

def fmt_tick(v: float) -> str:
    """Short, exponent-free label: 0.005, 2.5, 250, 1.5k, 25k, 3.2M."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e9:
        return sig(v / 1e9) + "G"
    if a >= 1e6:
        return sig(v / 1e6) + "M"
    if a >= 1000:
        return sig(v / 1e3) + "k"
    return sig(v)


def sig(x: float, digits: int = 4) -> str:
    s = f"{x:.{digits}g}"
    if "e" in s:
        s = f"{x:.10f}".rstrip("0").rstrip(".")
    return s


def px(v: float) -> str:
    """A pixel coordinate."""
    return f"{v:.1f}".removesuffix(".0")


def exact(v: float) -> str:
    """A data value, exact."""
    return repr(float(v))


def esc(s: str) -> str:
    return escape(s, quote=True)


def linear_ticks(lo: float, hi: float, target: int = 6, min_step: float = 0.0) -> list[float]:
    """Nice ticks (1, 2, 2.5, 5 × 10^k steps, at least ``min_step``) covering [lo, hi]; the
    first and last bound the domain."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(target, 1)
    if not (raw > 0 and math.isfinite(raw)):  # a span too small (or large) for a float step
        return [lo, hi] if hi > lo else [lo - 1.0, lo + 1.0]
    mag = 10 ** math.floor(math.log10(raw))
    step = max(min_step, next(m * mag for m in (1, 2, 2.5, 5, 10)
                              if raw <= m * mag * (1 + 1e-9)))
    start = math.floor(lo / step + 1e-9) * step
    stop = math.ceil(hi / step - 1e-9) * step
    n = max(1, round((stop - start) / step))
    return [float(f"{start + i * step:.12g}") for i in range(n + 1)]


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
class Scale:
    lo: float
    hi: float
    log: bool
    px0: float
    px1: float

    def __call__(self, v: float) -> float:
        if self.log:
            t = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            span = self.hi - self.lo
            t = (v - self.lo) / span if span else 0.5
        return self.px0 + t * (self.px1 - self.px0)


def ticks(values: Sequence[float], log: bool, zero: bool, integer: bool = False) -> list[float]:
    if log:
        return log_ticks(min(values), max(values))
    lo, hi = min(values), max(values)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return linear_ticks(lo, hi, min_step=1.0 if integer else 0.0)


def usable(v: float, log: bool) -> bool:
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
class Frame:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float  # y of the x axis
    legend_y: float
    note_y: float


def wrap(text: str, width_px: float, char_px: float = 6.0) -> list[str]:
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


def legend_rows(names: Sequence[str], avail_px: float) -> list[list[tuple[str, int, float]]]:
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


def frame(width: int, height: int, title: str | None, y_labels: Sequence[str],
           legend_rows: int, note_lines: int, x_label_lines: int = 1) -> Frame:
    top = 14.0 + (24 if title else 0)
    left = 22 + max((len(s) for s in y_labels), default=1) * CHAR_PX + 10
    below = 20 + 14 * x_label_lines + 18
    legend_h = legend_rows * 20 + (6 if legend_rows else 0)
    note_h = note_lines * 15 + (4 if note_lines else 0)
    bottom = float(height - below - legend_h - note_h - 6)
    if bottom - top < 80:  # never squash the plot: grow the canvas instead
        height += int(80 - (bottom - top))
        bottom = top + 80
    return Frame(width, height, left, width - 16.0, top, bottom, bottom + below,
                  bottom + below + legend_h)


def svg_open(f: Frame, title: str | None, kind: str) -> list[str]:
    label = esc(title or kind)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {f.width} {f.height}" '
           f'width="{f.width}" height="{f.height}" role="img" aria-label="{label}" '
           f'font-family="{esc(FONT)}" font-size="{FONT_PX}" class="chart chart-{kind}" '
           f'data-chart="{kind}">',
           f'<rect width="{f.width}" height="{f.height}" fill="#ffffff"/>']
    if title:
        out.append(f'<text x="{px(f.left)}" y="22" font-size="14" font-weight="600" '
                   f'fill="{TEXT}">{esc(title)}</text>')
    return out


def note_text(f: Frame, lines: Sequence[str]) -> list[str]:
    return [f'<text x="12" y="{px(f.note_y + 12 + 15 * i)}" font-size="11" fill="{MUTED}" '
            f'class="note">{esc(line)}</text>' for i, line in enumerate(lines)]


def axes(f: Frame, xs: Scale | None, ys: Scale, xt: Sequence[float], yt: Sequence[float],
          x_label: str, y_label: str) -> list[str]:
    out = ['<g class="grid">']
    for t in yt:
        y = ys(t)
        out.append(f'<line x1="{px(f.left)}" x2="{px(f.right)}" y1="{px(y)}" y2="{px(y)}" '
                   f'stroke="{GRID}"/>')
    if xs is not None:
        for t in xt:
            x = xs(t)
            out.append(f'<line x1="{px(x)}" x2="{px(x)}" y1="{px(f.top)}" y2="{px(f.bottom)}" '
                       f'stroke="{GRID}"/>')
    out.append("</g>")
    out.append(f'<path d="M{px(f.left)} {px(f.top)}V{px(f.bottom)}H{px(f.right)}" '
               f'fill="none" stroke="{AXIS}"/>')
    out.append(f'<g class="ticks" fill="{MUTED}">')
    for t in yt:
        out.append(f'<text x="{px(f.left - 7)}" y="{px(ys(t) + 4)}" '
                   f'text-anchor="end">{esc(fmt_tick(t))}</text>')
    if xs is not None:
        for t in xt:
            out.append(f'<text x="{px(xs(t))}" y="{px(f.bottom + 16)}" '
                       f'text-anchor="middle">{esc(fmt_tick(t))}</text>')
    out.append("</g>")
    mid_y = (f.top + f.bottom) / 2
    out.append(f'<text transform="translate(14 {px(mid_y)}) rotate(-90)" text-anchor="middle" '
               f'fill="{TEXT}" class="axis-title">{esc(y_label)}</text>')
    if x_label:
        out.append(f'<text x="{px((f.left + f.right) / 2)}" y="{px(f.bottom + 36)}" '
                   f'text-anchor="middle" fill="{TEXT}" class="axis-title">'
                   f'{esc(x_label)}</text>')
    return out


def marker_path(marker: Marker, x: float, y: float, r: float = 4.2) -> str:
    if marker == "square":
        return f"M{px(x - r)} {px(y - r)}h{px(2 * r)}v{px(2 * r)}h{px(-2 * r)}Z"
    if marker == "triangle":
        return (f"M{px(x)} {px(y - r * 1.2)}L{px(x + r * 1.1)} {px(y + r * 0.8)}"
                f"L{px(x - r * 1.1)} {px(y + r * 0.8)}Z")
    return (f"M{px(x)} {px(y - r * 1.3)}L{px(x + r)} {px(y)}L{px(x)} {px(y + r * 1.3)}"
            f"L{px(x - r)} {px(y)}Z")


def mark(marker: Marker, x: float, y: float, color: str, attrs: str, tip: str,
          hollow: bool) -> str:
    fill = "#ffffff" if hollow else color
    style = f'fill="{fill}" stroke="{color}" stroke-width="1.6"'
    if hollow:
        style += ' opacity="0.75"'
    body = f"<title>{esc(tip)}</title>"
    if marker in ("circle", "none"):
        r = 4.2 if marker == "circle" else 3.0
        return (f'<circle class="mark" cx="{px(x)}" cy="{px(y)}" r="{r}" {style} {attrs}>'
                f"{body}</circle>")
    return f'<path class="mark" d="{marker_path(marker, x, y)}" {style} {attrs}>{body}</path>'


def legend(f: Frame, rows: list[list[tuple[str, int, float]]],
            items: Sequence[tuple[str, str, Style, Marker]]) -> list[str]:
    out = ['<g class="legend">']
    for r, row in enumerate(rows):
        y = f.legend_y + 12 + r * 20
        for name, i, dx in row:
            _, color, style, marker = items[i]
            x = f.left + dx
            dash = ' stroke-dasharray="6 4"' if style == "dashed" else ""
            if style != "none":
                out.append(f'<line x1="{px(x)}" x2="{px(x + 24)}" y1="{px(y - 4)}" '
                           f'y2="{px(y - 4)}" stroke="{color}" stroke-width="2.2"{dash}/>')
            if marker != "none" or style == "none":
                m: Marker = "circle" if marker == "none" else marker
                shape = (f'<circle cx="{px(x + 12)}" cy="{px(y - 4)}" r="3.6"' if m == "circle"
                         else f'<path d="{marker_path(m, x + 12, y - 4, 3.6)}"')
                out.append(f'{shape} fill="{color}"/>')
            out.append(f'<text x="{px(x + 30)}" y="{px(y)}" fill="{TEXT}">{esc(name)}</text>')
    out.append("</g>")
    return out


def empty_chart(width: int, height: int, title: str | None, text: str, note: str | None,
           kind: str) -> str:
    f = frame(width, height, title, ["0"], 0, len(wrap(note, width - 24)) if note else 0)
    out = svg_open(f, title, kind)
    out.append(f'<rect x="{px(f.left)}" y="{px(f.top)}" width="{px(f.right - f.left)}" '
               f'height="{px(f.bottom - f.top)}" fill="#fafafb" stroke="{GRID}"/>')
    out.append(f'<text x="{px((f.left + f.right) / 2)}" y="{px((f.top + f.bottom) / 2)}" '
               f'text-anchor="middle" fill="{MUTED}" font-size="13" class="empty">'
               f"{esc(text)}</text>")
    if note:
        out += note_text(f, wrap(note, width - 24))
    out.append("</svg>")
    return "\n".join(out)
