"""Reading and formatting the numbers of a ``RunView`` for reports (HTML and Markdown). Pure.

Points are ``tokenfab.run/1`` JSON dicts; every accessor returns ``None`` for a missing or
non-finite value so a report can say "–" instead of failing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from tokenfab.report.data import RunView

DASH = "–"


def dig(d: Any, *keys: str) -> Any:
    """``d[k1][k2]…`` or None when any level is missing."""
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d


def num(d: Any, *keys: str) -> float | None:
    v = dig(d, *keys)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def interval(d: Any, *keys: str) -> tuple[float, float] | None:
    """A ``[low, high]`` pair (CI or range) as a tuple, or None."""
    v = dig(d, *keys)
    if (isinstance(v, list | tuple) and len(v) == 2
            and all(isinstance(x, int | float) and math.isfinite(x) for x in v)):
        return float(v[0]), float(v[1])
    return None


# --------------------------------------------------------------------------- point values

def usd_out(p: Mapping[str, Any]) -> float | None:
    """$ per 1M output tokens, all-in (the whole cost over output tokens)."""
    return num(p, "cost", "usd_per_mtok_output_all_in")


def usd_out_ci(p: Mapping[str, Any]) -> tuple[float, float] | None:
    """The bootstrap 95% CI of the all-in $/1M output tokens (measured runs only)."""
    return interval(p, "cost", "ci95", "usd_per_mtok_output_all_in")


@dataclass(frozen=True)
class Band:
    """A modelled range (e.g. the projection's efficiency ±20%): never a sampling interval."""

    low: float
    high: float
    kind: str  # what the range is, e.g. "efficiency ±20% (assumed)"


def usd_out_band(p: Mapping[str, Any]) -> Band | None:
    """The modelled range of the all-in $/1M output tokens, with what it is."""
    iv = interval(p, "cost", "band", "usd_per_mtok_output_all_in")
    if iv is None:
        return None
    kind = dig(p, "cost", "band_kind")
    return Band(iv[0], iv[1], str(kind) if isinstance(kind, str) and kind else "modelled range")


def breakdown_term(p: Mapping[str, Any], term: str) -> float | None:
    """One term (hardware, energy, overhead) of the all-in $/1M output tokens; reads
    ``breakdown_usd_per_mtok_output`` and, in older summaries, ``breakdown``."""
    v = num(p, "cost", "breakdown_usd_per_mtok_output", term)
    return v if v is not None else num(p, "cost", "breakdown", term)


def has_breakdown(p: Mapping[str, Any]) -> bool:
    return any(breakdown_term(p, t) is not None for t in ("hardware", "energy", "overhead"))


def per_user(p: Mapping[str, Any]) -> float | None:
    """Interactivity: median per-request output tok/s (1000 / TPOT_ms)."""
    return num(p, "throughput", "per_user_output_tok_s_p50")


def completed(p: Mapping[str, Any]) -> int:
    return int(num(p, "requests", "completed") or 0)


def failed(p: Mapping[str, Any]) -> int:
    return int(num(p, "requests", "failed") or 0)


def gpu_count(view: RunView, p: Mapping[str, Any]) -> int | None:
    """Accelerators behind a point: a projection's ``gpus``; for a measured run the GPUs in its
    environment manifest (None on a CPU-only machine)."""
    if view.kind == "modelled":
        g = num(p, "gpus")
        return int(g) if g else None
    gpus = view.environment.get("gpus")
    return len(gpus) if isinstance(gpus, list) and gpus else None


def per_gpu_everywhere(views: Sequence[RunView]) -> bool:
    """True when every point of every view has a GPU count, so throughput can be per GPU."""
    return all(gpu_count(v, p) for v in views for p in v.points) and any(v.points for v in views)


def tok_s_per_unit(view: RunView, p: Mapping[str, Any], per_gpu: bool) -> float | None:
    """Output tok/s per GPU (``per_gpu``) or per system."""
    if per_gpu:
        direct = num(p, "throughput", "output_tok_s_per_gpu")
        if direct is not None:
            return direct
        g = gpu_count(view, p)
        t = num(p, "throughput", "output_tok_s")
        return t / g if t is not None and g else None
    return num(p, "throughput", "output_tok_s")


def load_label(p: Mapping[str, Any]) -> str:
    mode = dig(p, "load", "mode")
    v = num(p, "load", "value") or 0.0
    if mode == "rate":
        return f"{v:g} req/s"
    return f"{v:g} stream" + ("" if v == 1 else "s")


def hardware_of(p: Mapping[str, Any]) -> str | None:
    hw = dig(p, "hardware")
    if not hw:
        return None
    prec = dig(p, "precision")
    gpus = num(p, "gpus") or 1
    return f"{hw}{' ' + str(prec) if prec else ''}{f' ×{gpus:g}' if gpus > 1 else ''}"


def point_name(view: RunView, p: Mapping[str, Any]) -> str:
    """The load point, with its hardware when a projection covers several."""
    hws = {hardware_of(q) for q in view.points}
    hw = hardware_of(p)
    return f"{hw}, {load_label(p)}" if hw and len(hws) > 1 else load_label(p)


def total_completed(view: RunView) -> int:
    return sum(completed(p) for p in view.points)


# ----------------------------------------------------------------------------- formatting

def fmt_usd(v: float | None) -> str:
    if v is None:
        return DASH
    if v == 0:
        return "$0"
    if abs(v) >= 100:
        return f"${v:,.0f}"
    if abs(v) >= 1:
        return f"${v:,.2f}"
    if abs(v) >= 0.01:
        return f"${v:.4f}"
    digits = 2 - math.floor(math.log10(abs(v)))
    return f"${v:.{digits}f}"


def fmt_num(v: float | None, unit: str = "") -> str:
    """3 significant digits below 100, thousands separators above."""
    if v is None:
        return DASH
    a = abs(v)
    if a >= 100:
        s = f"{v:,.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    elif a >= 0.01 or v == 0:
        s = f"{v:.2f}"
    else:
        s = f"{v:.2g}"
    return f"{s} {unit}" if unit else s


def fmt_ms(v: float | None) -> str:
    return fmt_num(v, "ms")


def fmt_pct(v: float | None) -> str:
    return DASH if v is None else f"{v * 100:.0f}%"


def fmt_big(v: float | None) -> str:
    """Large counts: 2.33e10 → 23.3 billion."""
    if v is None:
        return DASH
    for div, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(v) >= div:
            return f"{v / div:.3g} {word}"
    return fmt_num(v)


def fmt_ci(ci: tuple[float, float] | None, f: Any = fmt_usd) -> str:
    return DASH if ci is None else f"{f(ci[0])}–{f(ci[1])}"


def spread_heading(views: Sequence[RunView]) -> str:
    """The column heading for :func:`fmt_spread`: names only the kinds the views hold."""
    measured = any(v.kind == "measured" for v in views)
    modelled = any(v.kind != "measured" for v in views)
    if measured and modelled:
        return "95% CI (measured) or range (modelled)"
    return "bootstrap 95% CI" if measured else "modelled range"


def fmt_spread(ci: tuple[float, float] | None, band: Band | None, f: Any = fmt_usd) -> str:
    """"95% CI $1.00–$1.20" (bootstrap) or "range $1.00–$1.20 (efficiency ±20% (assumed))"
    (modelled); never calls a modelled range a CI."""
    if ci is not None:
        return f"95% CI {fmt_ci(ci, f)}"
    if band is not None:
        return f"range {fmt_ci((band.low, band.high), f)} ({band.kind})"
    return DASH


def fmt_when(unix_ns: int | None) -> str:
    if not unix_ns:
        return DASH
    return dt.datetime.fromtimestamp(unix_ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------------------- headline

@dataclass(frozen=True)
class Fact:
    value: float
    where: str  # the load point
    ci: tuple[float, float] | None = None  # bootstrap 95% CI (measured)
    band: Band | None = None  # modelled range (projections)


@dataclass(frozen=True)
class Headline:
    """What a newcomer needs: the cheapest point, the fastest and the most responsive."""

    best_usd_out: Fact | None
    max_tok_s: Fact | None
    lowest_ttft_ms: Fact | None
    best_usd_goodput: Fact | None
    completed: int


def headline(view: RunView, per_gpu: bool) -> Headline:
    pts = [p for p in view.points if completed(p) > 0]
    cost = [(v, p) for p in pts if (v := usd_out(p)) is not None]
    tput = [(v, p) for p in pts if (v := tok_s_per_unit(view, p, per_gpu)) is not None]
    ttft = [(v, p) for p in pts if (v := num(p, "latency_ms", "ttft", "p50")) is not None]
    good = [(v, p) for p in pts if (v := num(p, "cost", "usd_per_mtok_goodput")) is not None]

    def fact(items: Sequence[tuple[float, Mapping[str, Any]]], best: Any,
             ci: bool = False) -> Fact | None:
        if not items:
            return None
        v, p = best(items, key=lambda t: t[0])
        if not ci:
            return Fact(v, point_name(view, p))
        return Fact(v, point_name(view, p), usd_out_ci(p), usd_out_band(p))

    return Headline(fact(cost, min, ci=True), fact(tput, max), fact(ttft, min), fact(good, min),
                    total_completed(view))


def models_notice(views: Sequence[RunView]) -> str | None:
    models = sorted({v.model.lower(): v.model for v in views}.values())
    if len(models) < 2:
        return None
    return (f"These runs measure different models: {', '.join(models)} — comparisons are "
            "across models.")


# ------------------------------------------------------------------------------------ html

def esc(s: object) -> str:
    return escape(str(s), quote=True)


def badge(prov: str) -> str:
    """A provenance tag; anything but measured/modelled/assumed is shown as itself, neutral
    (e.g. ``unknown`` for energy a file does not say the source of)."""
    cls = prov if prov in ("measured", "modelled", "assumed") else "unknown"
    return f'<span class="badge {cls}">{esc(prov)}</span>'


def table_html(head: Sequence[str], rows: Sequence[Sequence[str]], align: str = "",
               cls: str = "") -> str:
    """Cells are HTML already. ``align`` has one letter per column: ``r`` right-aligns it
    (numbers), anything else leaves it left-aligned."""

    def a(i: int) -> str:
        return ' class="n"' if i < len(align) and align[i] == "r" else ""

    th = "".join(f"<th{a(i)}>{h}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{a(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    klass = f' class="{cls}"' if cls else ""
    return (f'<div class="tw"><table{klass}><thead><tr>{th}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")
