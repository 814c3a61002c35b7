"""``render_markdown``: a compact summary for pull requests — headline per run, a per-point
table with $/1M output tokens and its bootstrap 95% CI (measured) or modelled range
(projections), and the comparison sentences. Pure."""

from __future__ import annotations

from html import escape

from tokenfab.report.compare import compare_views
from tokenfab.report.data import RunView
from tokenfab.report.html_fmt import (
    DASH,
    completed,
    failed,
    fmt_ms,
    fmt_num,
    fmt_spread,
    fmt_usd,
    headline,
    models_notice,
    num,
    per_gpu_everywhere,
    per_user,
    point_name,
    spread_heading,
    tok_s_per_unit,
    usd_out,
    usd_out_band,
    usd_out_ci,
)
from tokenfab.report.status import view_status


def md(text: str) -> str:
    """User text made inert in Markdown: HTML escaped, table pipes escaped, one line."""
    return escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _headline(view: RunView, per_gpu: bool) -> str:
    h = headline(view, per_gpu)
    st = view_status(view)
    status = f", **{md(st.label)}**" if st.partial else ""
    name = f"**{md(view.label)}** ({view.kind}{status}, `{md(view.run_id)}`)"
    if h.completed == 0:
        return f"{name}: no completed requests in this run."
    bits = []
    if h.best_usd_out is not None:
        b = h.best_usd_out
        spread = fmt_spread(b.ci, b.band)
        ci = f" ({md(spread)})" if spread != DASH else ""
        bits.append(f"**{fmt_usd(b.value)} per 1M output tokens** at {md(b.where)}{ci}")
    else:
        bits.append("not priced (add --hourly-usd, --hardware or --profile)")
    unit = "GPU" if per_gpu else "system"
    if h.max_tok_s is not None:
        bits.append(f"max {fmt_num(h.max_tok_s.value)} tok/s per {unit} at "
                    f"{md(h.max_tok_s.where)}")
    if h.lowest_ttft_ms is not None:
        bits.append(f"lowest TTFT p50 {fmt_ms(h.lowest_ttft_ms.value)} at "
                    f"{md(h.lowest_ttft_ms.where)}")
    return f"{name}: " + " · ".join(bits)


def _table(view: RunView, per_gpu: bool) -> list[str]:
    unit = "GPU" if per_gpu else "system"
    head = ["load", "completed", "failed", f"out tok/s/{unit}", "tok/s/user", "TTFT p50",
            "TPOT p50", "$/1M out", spread_heading([view])]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(
        ["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for p in view.points:
        cells = [md(point_name(view, p)), str(completed(p)), str(failed(p)),
                 fmt_num(tok_s_per_unit(view, p, per_gpu)), fmt_num(per_user(p)),
                 fmt_ms(num(p, "latency_ms", "ttft", "p50")),
                 fmt_ms(num(p, "latency_ms", "tpot", "p50")), fmt_usd(usd_out(p)),
                 md(fmt_spread(usd_out_ci(p), usd_out_band(p)))]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(views: list[RunView]) -> str:
    per_gpu = per_gpu_everywhere(views)
    models = sorted({v.model.lower(): v.model for v in views}.values())
    out = [f"### tokenfab: {md(' vs '.join(models))}", ""]
    if (notice := models_notice(views)) is not None:
        out += [f"> **Note:** {md(notice)}", ""]
    for v in views:
        out += [f"- {_headline(v, per_gpu)}"]
    for v in views:
        if (banner := view_status(v).banner) is not None:
            out += ["", f"> **{md(v.label)}**: {md(banner)}"]
    for v in views:
        out += ["", f"#### {md(v.label)}", ""]
        if sum(completed(p) for p in v.points) == 0:
            out += ["No completed requests in this run.", ""]
        out += _table(v, per_gpu)
    comps = compare_views(views)
    if comps:
        out += ["", "#### Comparison (first run is the baseline)", ""]
        for c in comps:
            if not c.sentences:
                out.append(f"- {md(c.other.name)}: no load points at comparable interactivity")
            out += [f"- {md(s)}" for s in c.sentences]
    out += ["", "_$/1M out = all-in price per 1M output tokens (assumed $/hour ÷ measured or "
            "modelled throughput); timings measured on the client, token counts from server usage "
            "or client estimates (see the full report's methodology); projections "
            "modelled. Full report: `tokenfab report " + " ".join(md(v.ref) for v in views)
            + " -o report.html`._", ""]
    return _escape_dollars("\n".join(out))


def _escape_dollars(text: str) -> str:
    """``$`` → ``\\$`` outside code spans, so GitHub does not read prices as LaTeX."""
    parts = text.split("`")
    return "`".join(p.replace("$", "\\$") if i % 2 == 0 else p for i, p in enumerate(parts))
