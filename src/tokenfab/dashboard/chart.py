"""A small inline SVG: aggregate output tok/s against per-user tok/s, one dot per load point.

The trade-off curve of serving: moving right is a faster experience for each user, moving up is
more tokens per second (so cheaper tokens) for the machine. Presentation attributes only (no
``style``), so the page's Content-Security-Policy holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tokenfab.dashboard.html import e, load_label, num
from tokenfab.schemas.summary import PointSummary

W, H = 560, 320
LEFT, RIGHT, TOP, BOTTOM = 62, 20, 16, 48


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """About ``n`` round ticks from at or below ``lo`` to at or above ``hi`` (steps of 1, 2 or
    5 × 10^k)."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    ticks = [math.floor(lo / step) * step]
    while ticks[-1] < hi - 1e-12:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def tick_label(t: float, step: float) -> str:
    """Integers when the step is whole, else as many decimals as the step needs."""
    if step >= 1:
        return f"{t:,.0f}"
    decimals = max(0, -math.floor(math.log10(step)))
    return f"{t:.{decimals}f}"


def throughput_chart(points: Sequence[PointSummary]) -> str:
    """The SVG, or a one-line note when fewer than one point has both figures."""
    xy = [(p.throughput.per_user_output_tok_s_p50, p.throughput.output_tok_s, p)
          for p in points if p.throughput.per_user_output_tok_s_p50 is not None
          and p.requests.completed > 0]
    if not xy:
        return ('<p class="sub" data-testid="chart-empty">No per-user speed was measured '
                '(requests need at least two output tokens), so there is nothing to plot.</p>')
    xs = nice_ticks(0.0, max(x for x, _, _ in xy) * 1.05)
    ys = nice_ticks(0.0, max(y for _, y, _ in xy) * 1.08)
    x_hi, y_hi = xs[-1], ys[-1]
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + x / x_hi * pw

    def sy(y: float) -> float:
        return TOP + ph - y / y_hi * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" '
             'role="img" aria-label="output tokens per second against per-user tokens per '
             'second" data-testid="throughput-chart">']
    for t in ys:
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
                     'stroke="#e5e9f0"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{sy(t) + 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#5b6780">{e(tick_label(t, ys[1] - ys[0]))}</text>')
    for t in xs:
        parts.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{TOP + ph}" '
                     f'y2="{TOP + ph + 4}" stroke="#94a3b8"/>')
        parts.append(f'<text x="{sx(t):.1f}" y="{TOP + ph + 17}" font-size="11" '
                     f'text-anchor="middle" fill="#5b6780">{e(tick_label(t, xs[1] - xs[0]))}'
                     '</text>')
    parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{TOP + ph}" y2="{TOP + ph}" '
                 'stroke="#94a3b8"/>')
    parts.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 8}" font-size="12" '
                 'text-anchor="middle" fill="#334155">per-user output tok/s (p50, measured)'
                 '</text>')
    parts.append(f'<text transform="translate(14 {TOP + ph / 2:.1f}) rotate(-90)" '
                 'font-size="12" text-anchor="middle" fill="#334155">output tok/s, all users '
                 '(measured)</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}"
                    for i, (x, y, _) in enumerate(xy))
    parts.append(f'<path d="{path}" fill="none" stroke="#2563eb" stroke-width="2" '
                 'stroke-opacity="0.55"/>')
    for x, y, p in xy:
        tip = (f"{load_label(p.load.mode, p.load.value)}: {num(y)} tok/s total, "
               f"{num(x)} tok/s per user")
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="5" fill="#2563eb" '
                     f'stroke="#fff" stroke-width="1.5"><title>{e(tip)}</title></circle>')
        anchor = "end" if sx(x) > W - RIGHT - 60 else "start"
        dx = -8 if anchor == "end" else 8
        parts.append(f'<text x="{sx(x) + dx:.1f}" y="{sy(y) - 8:.1f}" font-size="11" '
                     f'text-anchor="{anchor}" fill="#1e3a8a">'
                     f'{e(load_label(p.load.mode, p.load.value))}</text>')
    parts.append("</svg>")
    return "".join(parts)
