"""The report's sections drawn from per-request records: latency distributions (CDFs) and
errors by class over time, each with the table of numbers behind it. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tokenfab.metrics.compute import ns_to_ms, ns_to_s, tpot_ms
from tokenfab.report.charts import Distribution, Series, cdf_chart, color_of, linear_ticks, xy_chart
from tokenfab.report.data import RunView
from tokenfab.report.html_fmt import (
    badge,
    completed,
    dig,
    esc,
    failed,
    fmt_ms,
    fmt_pct,
    load_label,
    num,
    point_name,
    table_html,
    total_completed,
)
from tokenfab.report.html_sections import (
    SMALL_H,
    SMALL_W,
    WIDE,
    curve_points,
    empty_notes,
    fig,
    run_cell,
    section,
)
from tokenfab.schemas.records import RequestRecord

# ------------------------------------------------------------------------ (d) latency

def records_by_point(view: RunView) -> list[list[RequestRecord]]:
    """Measured (non-warm-up) records of each of ``view.points``, matched by load (repeats of
    a point have their own point_index)."""
    recs = [r for r in view.records if not r.warmup]
    if view.detail is not None and view.detail.points:
        key_of = {pi.point_index: (pi.mode, float(pi.value)) for pi in view.detail.points}
        return [[r for r in recs
                 if key_of.get(r.point_index) == (dig(p, "load", "mode"), num(p, "load", "value"))]
                for p in view.points]
    return [[r for r in recs if r.point_index == i] for i in range(len(view.points))]


METRIC_FNS: dict[str, tuple[str, Callable[[RequestRecord], float | None]]] = {
    "ttft": ("TTFT", lambda r: ns_to_ms(r.ttft_ns) if r.ttft_ns is not None else None),
    "tpot": ("TPOT", tpot_ms),
    "e2e": ("E2E latency", lambda r: ns_to_ms(r.e2e_ns)),
}


def latency_cdf_chart(views: Sequence[RunView], metric: str, width: int = SMALL_W,
                      height: int = SMALL_H, titled: bool = True) -> str:
    name, fn = METRIC_FNS[metric]
    measured = [v for v in views if v.records]
    dists = []
    for v in measured:
        for p, recs in zip(v.points, records_by_point(v), strict=True):
            vals = [x for r in recs if r.ok and (x := fn(r)) is not None]
            label = point_name(v, p) + (f" · {v.label}" if len(measured) > 1 else "")
            dists.append(Distribution(label, vals))
    return cdf_chart(dists, f"{name} (ms)", title=f"{name} distribution" if titled else None,
                     unit=" ms",
                     width=width, height=height, empty_text="no completed requests",
                     note="measured per request (client clock); marks at p50, p90, p99")


def latency_section(views: Sequence[RunView]) -> str:
    body = [empty_notes(views)]
    for v in views:
        if not v.records or total_completed(v) == 0:
            continue
        body.append(f"<h3>{esc(v.label)}</h3>")
        body.append('<div class="grid3">' + "".join(
            fig(latency_cdf_chart([v], m)) for m in ("ttft", "tpot", "e2e")) + "</div>")
    if any(not v.records for v in views):
        names = ", ".join(esc(v.label) for v in views if not v.records)
        body.append(f'<p class="muted">{names}: no per-request records (projections and '
                    "summary files carry percentiles only).</p>")
    rows = []
    for c, p in curve_points(views):
        def q(m: str, k: str, p: dict[str, Any] = p) -> str:
            return fmt_ms(num(p, "latency_ms", m, k))
        rows.append([run_cell(c), esc(load_label(p)), q("ttft", "p50"), q("ttft", "p90"),
                     q("ttft", "p99"), q("tpot", "p50"), q("tpot", "p99"), q("itl", "p50"),
                     q("e2e", "p50"), q("e2e", "p99")])
    head = ["run", "load", "TTFT p50", "TTFT p90", "TTFT p99", "TPOT p50", "TPOT p99",
            "ITL p50", "E2E p50", "E2E p99"]
    if rows:
        body.append(table_html(head, rows, align="llrrrrrrrr"))
    return section("latency", "Latency distributions",
                    "How long users wait: TTFT is the time to the first token, TPOT the time per "
                    "further token, E2E the whole response. Curves further left are faster; the "
                    "tail (top right) is what the slowest requests saw.", body)


# ------------------------------------------------------------------------- (e) errors

def error_timeline(view: RunView) -> tuple[list[Series], list[tuple[float, str]], float]:
    """Failed requests per time bucket (by send time, seconds since the first measured
    request), one series per error class; vertical markers where each load point starts."""
    recs = [r for r in view.records if not r.warmup]
    if not recs:
        return [], [], 0.0
    t0 = min(r.sent_ns for r in recs)
    span_s = max(ns_to_s(max(r.sent_ns for r in recs) - t0), 1e-3)
    ticks = linear_ticks(0.0, span_s, 40)
    bucket_s = ticks[1] - ticks[0]
    n = int(span_s // bucket_s) + 1
    classes = sorted({r.error_key or "unknown" for r in recs if not r.ok})
    series = []
    for k, cls in enumerate(classes):
        counts = [0] * n
        for r in recs:
            if not r.ok and (r.error_key or "unknown") == cls:
                counts[min(n - 1, int(ns_to_s(r.sent_ns - t0) // bucket_s))] += 1
        pts = [((b + 0.5) * bucket_s, float(c)) for b, c in enumerate(counts)]
        series.append(Series(cls, pts, color=color_of(k + 3)))
    vlines = [(ns_to_s(min(r.sent_ns for r in group) - t0), load_label(p))
              for p, group in zip(view.points, records_by_point(view), strict=True) if group]
    return series, vlines, bucket_s


def errors_chart(views: Sequence[RunView], width: int = WIDE, height: int = 340,
                 titled: bool = True) -> str:
    view = next((v for v in views if v.records), None)
    series, vlines, bucket_s = error_timeline(view) if view else ([], [], 0.0)
    return xy_chart(series, "seconds since the first measured request (by send time)",
                    f"failed requests per {bucket_s:g} s", width=width, height=height,
                    title=("Errors by class over time" + (f" — {view.label}" if view else ""))
                    if titled else None,
                    vlines=vlines, empty_text="no errors", y_integer=True,
                    note="measured: each failed request classified by the client; dotted lines "
                         "mark where each load point starts.")


def errors_section(views: Sequence[RunView]) -> str:
    body = [empty_notes(views)]
    rows = []
    for v in views:
        if not v.records:
            continue
        bad = [r for r in v.records if not r.warmup and not r.ok]
        n = sum(1 for r in v.records if not r.warmup)
        if bad:
            body.append(f"<h3>{esc(v.label)}</h3>" + fig(errors_chart([v], titled=False)))
        else:
            body.append(f'<p class="ok-note"><b>{esc(v.label)}</b>: no errors — all {n} '
                        "measured requests completed.</p>")
        for p, recs in zip(v.points, records_by_point(v), strict=True):
            errs = dig(p, "requests", "errors") or {}
            detail = ", ".join(f"{esc(k)} {c}" for k, c in sorted(errs.items())) or "none"
            total = len(recs)
            rows.append([esc(v.label) + " " + badge("measured"), esc(point_name(v, p)),
                         str(completed(p)), str(failed(p)),
                         fmt_pct(failed(p) / total if total else None), detail])
    if rows:
        body.append(table_html(["run", "load", "completed", "failed", "error rate",
                                "by class"], rows, align="llrrrl"))
    else:
        body.append('<p class="muted">no per-request records to show errors from.</p>')
    return section("errors", "Errors", "Requests that failed, by class (HTTP status, timeout, "
                    "disconnect, malformed stream…) and when they were sent. Failed requests "
                    "are excluded from latency and throughput but count against goodput.", body)
