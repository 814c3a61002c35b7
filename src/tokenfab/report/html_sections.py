"""The chart sections of the HTML report, each with the table of numbers behind it. Pure.

Every chart is also available alone for slides (``report.charts_export.chart_svg``, used by
``tokenfab report --format svg --chart NAME``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from tokenfab.report.charts import (
    Series,
    Stack,
    color_of,
    stacked_bar_chart,
    xy_chart,
)
from tokenfab.report.compare import Curve, CurvePoint, curves_of, frontier_of
from tokenfab.report.data import RunView
from tokenfab.report.html_fmt import (
    DASH,
    Band,
    badge,
    breakdown_term,
    dig,
    esc,
    fmt_big,
    fmt_num,
    fmt_pct,
    fmt_spread,
    fmt_usd,
    has_breakdown,
    interval,
    load_label,
    num,
    per_gpu_everywhere,
    spread_heading,
    table_html,
    total_completed,
    usd_out_band,
    usd_out_ci,
)

WIDE, TALL = 1000, 430
SMALL_W, SMALL_H = 340, 330
X_USER = "per-user output tok/s (interactivity, higher is snappier)"
MODELLED_MARKERS = ("square", "triangle", "diamond")
NOTE_LINES = ("Solid lines: measured (client timestamps). Dashed: modelled (roofline "
              "projection).")


def _unit(views: Sequence[RunView]) -> str:
    return "GPU" if per_gpu_everywhere(views) else "system"


def _short(p: dict[str, Any]) -> str:
    v = num(p, "load", "value") or 0.0
    return f"{v:g}/s" if dig(p, "load", "mode") == "rate" else f"{v:g}"


def _auto_log(values: Sequence[float | None]) -> bool:
    v = [x for x in values if x is not None and x > 0]
    return len(v) >= 2 and max(v) / min(v) > 50


def _style(curve: Curve, k: int) -> dict[str, Any]:
    modelled = curve.kind == "modelled"
    return {"style": "dashed" if modelled else "solid", "color": color_of(k),
            "marker": MODELLED_MARKERS[k % 3] if modelled else "circle"}


def empty_notes(views: Sequence[RunView]) -> str:
    return "".join(f'<p class="empty-note"><b>{esc(v.label)}</b>: no completed requests in '
                   "this run</p>" for v in views if total_completed(v) == 0)


def run_cell(c: Curve) -> str:
    """The curve's name with its provenance badge."""
    return esc(c.name.removesuffix(" (modelled)")) + " " + badge(c.kind)


def curve_points(views: Sequence[RunView]) -> list[tuple[Curve, dict[str, Any]]]:
    """Every point with completed requests, with the curve it belongs to."""
    return [(c, views[c.view_index].points[cp.index]) for c in curves_of(views)
            for cp in c.points]


NOT_PRICED = ('<p class="muted">Not priced: run with <code>--hourly-usd</code>, '
              "<code>--hardware</code> or <code>--profile</code> (or re-price a stored run with "
              "<code>tokenfab cost --run ID</code>) to see $ per token.</p>")


def section(sid: str, title: str, lede: str, body: Sequence[str]) -> str:
    intro = f'<p class="lede">{lede}</p>' if lede else ""
    return (f'<section id="{sid}"><h2>{esc(title)}</h2>{intro}' + "\n".join(body)
            + "</section>")


def fig(svg: str, cls: str = "") -> str:
    return f'<figure class="{cls}">{svg}</figure>'


# --------------------------------------------------------------------- (a) throughput

def _curve_series(views: Sequence[RunView], y_of: Callable[[CurvePoint], float | None],
                  *, frontier: bool = False,
                  ci_of: Callable[[RunView, CurvePoint], tuple[float, float] | None] | None
                  = None) -> list[Series]:
    out = []
    for k, c in enumerate(curves_of(views)):
        view = views[c.view_index]
        front = frontier_of(c) if frontier else set(range(len(c.points)))
        pts = [(cp.per_user_tok_s if cp.per_user_tok_s is not None else math.nan,
                y if (y := y_of(cp)) is not None else math.nan) for cp in c.points]
        out.append(Series(
            c.name, pts, labels=[_short(view.points[cp.index]) for cp in c.points],
            dim=[i for i in range(len(c.points)) if i not in front],
            ci=[ci_of(view, cp) for cp in c.points] if ci_of else (), **_style(c, k)))
    return out


def throughput_chart(views: Sequence[RunView], width: int = WIDE, height: int = TALL,
                     titled: bool = True) -> str:
    unit = _unit(views)
    series = _curve_series(views, lambda cp: cp.tok_s, frontier=True)
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    return xy_chart(series, X_USER, f"output tok/s per {unit}", width=width, height=height,
                    title=f"Throughput per {unit} vs interactivity" if titled else None,
                    x_log=_auto_log(xs), y_log=_auto_log(ys),
                    note=NOTE_LINES + " Filled points are on the Pareto frontier (no other point "
                    "is both faster per user and higher in throughput); hollow points are "
                    "dominated. Numbers next to points: concurrent streams (or req/s).")


def throughput_section(views: Sequence[RunView]) -> str:
    unit = _unit(views)
    title = f"Throughput per {unit} vs interactivity"
    if not curve_points(views):
        return section("throughput", title, "", [empty_notes(views)])
    rows = []
    for c in curves_of(views):
        view = views[c.view_index]
        front = frontier_of(c)
        for i, cp in enumerate(c.points):
            p = view.points[cp.index]
            rng = interval(p, "throughput", "output_tok_s_per_gpu_range")
            ci = interval(p, "ci95", "output_tok_s") if unit == "system" else None
            kind = dig(p, "band", "kind")  # a projection point says what its range is
            band = (Band(*rng, kind if isinstance(kind, str) and kind else "modelled range")
                    if rng and c.kind == "modelled" else None)
            rows.append([run_cell(c), esc(cp.label), fmt_num(cp.per_user_tok_s),
                         fmt_num(cp.tok_s), esc(fmt_spread(ci, band, fmt_num)),
                         fmt_num(num(p, "throughput", "requests_per_s")),
                         "●" if i in front else ""])
    head = ["run", "load", "per-user tok/s", f"out tok/s per {unit}", spread_heading(views),
            "req/s", "on frontier"]
    return section("throughput", title,
                    "Each point is one load level. Moving right, every user sees tokens faster; "
                    "moving up, the hardware serves more tokens in total. More concurrent "
                    "streams trade the first for the second.",
                    [fig(throughput_chart(views, titled=False)), empty_notes(views),
                     table_html(head, rows, align="llrrrrr")])


# ------------------------------------------------------------------------------ (b) cost

def _cost_whisker(view: RunView, cp: CurvePoint) -> tuple[float, float] | None:
    """A measured point's bootstrap 95% CI, or a modelled point's range."""
    p = view.points[cp.index]
    band = usd_out_band(p)
    return usd_out_ci(p) or ((band.low, band.high) if band else None)


def whisker_note(views: Sequence[RunView]) -> str:
    """What the cost chart's whiskers are, naming only the kinds it draws."""
    parts = []
    if any(usd_out_ci(p) for v in views for p in v.points):
        parts.append("bootstrap 95% CI (measured runs)")
    kinds = sorted({b.kind for v in views for p in v.points if (b := usd_out_band(p))})
    if kinds:
        parts.append("modelled range, not a sampling interval (" + "; ".join(kinds) + ")")
    return f" Whiskers: {' and '.join(parts)}." if parts else ""


def cost_chart(views: Sequence[RunView], width: int = WIDE, height: int = TALL,
               titled: bool = True) -> str:
    series = _curve_series(views, lambda cp: cp.usd_per_mtok_output, ci_of=_cost_whisker)
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    return xy_chart(series, X_USER, "$ per 1M output tokens (all-in)", width=width,
                    height=height,
                    title="Price per 1M output tokens vs interactivity" if titled else None,
                    x_log=_auto_log(xs), y_log=_auto_log(ys),
                    empty_text="no priced points: run with --hourly-usd, --hardware or --profile",
                    note=NOTE_LINES + " $ = assumed $/hour ÷ throughput." + whisker_note(views)
                    + " Lower is cheaper.")


def cost_section(views: Sequence[RunView]) -> str:
    title = "Price per 1M output tokens vs interactivity"
    if not any(cp.usd_per_mtok_output is not None for c in curves_of(views) for cp in c.points):
        return section("cost", title, "", [empty_notes(views),
                                             NOT_PRICED if curve_points(views) else ""])
    rows = []
    unpriced = []
    for c in curves_of(views):
        view = views[c.view_index]
        if all(cp.usd_per_mtok_output is None for cp in c.points):
            unpriced.append(esc(c.name))
            continue
        for cp in c.points:
            p = view.points[cp.index]
            rows.append([run_cell(c), esc(cp.label), fmt_num(cp.per_user_tok_s),
                         fmt_usd(cp.usd_per_mtok_output),
                         esc(fmt_spread(usd_out_ci(p), usd_out_band(p))),
                         fmt_usd(num(p, "cost", "usd_per_mtok_goodput")),
                         fmt_usd(num(p, "cost", "usd_per_hour"))])
    head = ["run", "load", "per-user tok/s", "$/1M out", spread_heading(views),
            "$/1M SLO-meeting out",
            f"$/hour {badge('assumed')}"]
    return section("cost", title,
                    "What a million generated tokens cost at each load level: the hourly cost of "
                    "the hardware, energy and overhead divided by the tokens produced per hour. "
                    "Serving users faster costs more per token.",
                    [fig(cost_chart(views, titled=False)), empty_notes(views),
                     table_html(head, rows, align="llrrrrr")]
                    + ([f'<p class="muted">not priced: {", ".join(unpriced)}</p>']
                       if unpriced else []))


# --------------------------------------------------------------- (c) cost decomposition

TERMS = (("hardware", "#2f6db3"), ("energy", "#e07b19"), ("overhead", "#9aa1ab"))


def _priced(views: Sequence[RunView]) -> list[tuple[Curve, dict[str, Any]]]:
    """(curve, point) of every priced point, grouped by curve."""
    return [(c, p) for c, p in curve_points(views) if has_breakdown(p)]


def decomposition_chart(views: Sequence[RunView], width: int = WIDE, height: int = TALL,
                        titled: bool = True) -> str:
    items = _priced(views)
    grouped = len({c.name for c, _ in items}) > 1
    cats = [_short(p) if grouped else load_label(p) for _, p in items]
    stacks = [Stack(t, [breakdown_term(p, t) for _, p in items], color)
              for t, color in TERMS]
    return stacked_bar_chart(cats, stacks, "$ per 1M output tokens (all-in)", width=width,
                             height=height, groups=[c.name for c, _ in items] if grouped else (),
                             x_label="concurrent streams (or req/s)" if grouped else "",
                             title="What the price of a token is made of" if titled else None,
                             value_prefix="$",
                             empty_text="no priced points: run with --hourly-usd, --hardware or "
                                        "--profile",
                             note="hardware and overhead: assumed prices; energy: measured or "
                                  "modelled power × PUE × $/kWh (assumed). Each term ÷ measured "
                                  "(or modelled) output tokens per hour.")


def decomposition_section(views: Sequence[RunView]) -> str:
    if not _priced(views):
        return section("decomposition", "Cost decomposition and input/output attribution", "",
                        [empty_notes(views), NOT_PRICED if curve_points(views) else ""])
    rows = []
    for c, p in _priced(views):
        prov = dig(p, "cost", "provenance")
        prov = prov if isinstance(prov, dict) else {}
        rows.append([run_cell(c), esc(load_label(p)),
                     fmt_usd(breakdown_term(p, "hardware")),
                     fmt_usd(breakdown_term(p, "energy")),
                     fmt_usd(breakdown_term(p, "overhead")),
                     fmt_usd(num(p, "cost", "usd_per_mtok_output_all_in")),
                     " ".join(badge(str(prov[k])) for k in ("hardware", "energy", "overhead")
                              if k in prov)])
    rows2 = []
    for c, p in _priced(views):
        if num(p, "cost", "usd_per_mtok_input") is None:
            continue  # projections price output tokens only
        att = dig(p, "cost", "attribution") or {}
        share = num(att, "share_input")
        ratio = num(p, "cost", "blend_ratio")
        rows2.append([run_cell(c), esc(load_label(p)),
                      fmt_usd(num(p, "cost", "usd_per_mtok_input")),
                      fmt_usd(num(p, "cost", "usd_per_mtok_output")),
                      fmt_usd(num(p, "cost", "usd_per_mtok_blended"))
                      + (f" <span class=muted>({ratio:g}:1)</span>" if ratio else ""),
                      fmt_usd(num(p, "cost", "usd_per_mtok_input_cached")),
                      fmt_pct(share), esc(str(att.get("source", DASH)).replace("_", " "))])
    head = ["run", "load", "hardware", "energy", "overhead", "all-in $/1M out",
            "provenance (hardware, energy, overhead)"]
    head2 = ["run", "load", "$/1M in", "$/1M out", "blended", "$/1M cached in",
             "prefill share of time", "split measured from"]
    return section("decomposition", "Cost decomposition and input/output attribution",
                    "Bars split each load point's all-in price per 1M output tokens into "
                    "hardware, energy and overhead. The second table charges input and output "
                    "tokens separately by measured prefill/decode time, so input × $/1M in + "
                    "output × $/1M out adds up to the point's cost.",
                    [fig(decomposition_chart(views, titled=False)), empty_notes(views),
                     table_html(head, rows, align="llrrrrr"), "<h3>Input vs output</h3>",
                     table_html(head2, rows2, align="llrrrrrr") if rows2 else
                     '<p class="muted">no input/output split: it needs measured prefill and '
                     "decode times (projections price output tokens only).</p>"])


# ------------------------------------------------------------------------- (f) energy

def j_per_out_token(p: dict[str, Any]) -> tuple[float | None, str | None]:
    """(J per output token, provenance): measured/modelled meter, or a projection's
    ``tokens_per_s_per_mw`` (J/token = 1e6 / (tok/s per MW)). Energy whose provenance was not
    stored is ``unknown``: never claimed as measured."""
    j = num(p, "energy", "j_per_output_token")
    if j is not None:
        prov = dig(p, "energy", "provenance")
        return j, prov if prov in ("measured", "modelled", "assumed") else "unknown"
    per_mw = num(p, "tokens_per_s_per_mw")
    if per_mw:
        return 1e6 / per_mw, "modelled"
    return None, None


def energy_chart(views: Sequence[RunView], width: int = WIDE, height: int = 380,
                 titled: bool = True) -> str:
    series = _curve_series(views, lambda cp: None)
    out = []
    for s, c in zip(series, curves_of(views), strict=True):
        view = views[c.view_index]
        pts = [(x, y if (y := j_per_out_token(view.points[cp.index])[0]) is not None
                else math.nan) for (x, _), cp in zip(s.points, c.points, strict=True)]
        out.append(Series(s.name, pts, style=s.style, marker=s.marker, color=s.color,
                          labels=s.labels))
    ys = [y for s in out for _, y in s.points if math.isfinite(y)]
    return xy_chart(out, X_USER, "joules per output token", width=width, height=height,
                    title="Energy per output token vs interactivity" if titled else None,
                    y_log=_auto_log(ys),
                    x_log=_auto_log([x for s in out for x, _ in s.points]),
                    empty_text="no energy data: run with --energy auto",
                    note="Provenance per point in the table: measured (hardware counters), "
                         "modelled (CPU-utilization model or roofline projection), unknown "
                         "(not stored with the figures).")


def energy_section(views: Sequence[RunView]) -> str:
    rows = []
    for c, p in curve_points(views):
        j, prov = j_per_out_token(p)
        if j is None:
            continue
        source = str(dig(p, "energy", "source") or (
            "catalog power" if prov == "modelled" else "source not recorded"))
        rows.append([run_cell(c), esc(load_label(p)), fmt_num(j),
                     fmt_big(3.6e9 / j if j else None),
                     fmt_big(num(p, "energy", "tokens_per_mwh")),
                     fmt_num(num(p, "energy", "avg_power_w")),
                     badge(prov or "unknown") + " " + esc(source)])
    if not rows:
        return section("energy", "Energy", "No energy figures: this run had no energy meter "
                        "(run with <code>--energy auto</code>).", [])
    head = ["run", "load", "J per output token", "output tokens per MWh",
            "all tokens per MWh", "avg W", "source"]
    notes = sorted({str(n) for v in views for p in v.points
                    if (n := dig(p, "energy", "note"))})
    return section("energy", "Energy", "Joules spent per generated token and, inverted, how "
                    "many tokens a megawatt-hour buys.",
                    [fig(energy_chart(views, titled=False)),
                     table_html(head, rows, align="llrrrrl")]
                    + [f'<p class="muted small">{esc(n)}</p>' for n in notes[:2]]
                    + ([f'<p class="muted small">(+{len(notes) - 2} similar notes)</p>']
                       if len(notes) > 2 else []))
