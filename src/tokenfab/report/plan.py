"""The plan as HTML: :func:`plan_section` (one ``<section id="plan">``) and
:func:`render_plan_page` (a self-contained document with the report's stylesheet).

Charts come from ``report.charts``: the frontiers with each tier's operating point (an xy
chart; markers carry ``data-x`` tok/s/user and ``data-y`` tok/s/GPU) and revenue and TCO per
MW of facility power by tier (a stacked bar chart; bars carry ``data-y`` in $/year per MW).
"""

from __future__ import annotations

from tokenfab.report.charts import Series, Stack, stacked_bar_chart, xy_chart
from tokenfab.report.html import CSS
from tokenfab.report.html_fmt import badge, esc, table_html
from tokenfab.schemas.plan import PlanResult, TierOutcome


def usd(v: float | None) -> str:
    if v is None:
        return "—"
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.4g}"


def usd_short(v: float) -> str:
    """$1.104 B, $367.9 M: money for a headline card."""
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(v) >= scale:
            return f"${v / scale:,.4g} {unit}"
    return usd(v)


def per_mw(t: TierOutcome) -> tuple[float, float]:
    """(revenue, TCO) per MW of the facility power the tier uses, $/year."""
    if t.power_mw <= 0:
        return 0.0, 0.0
    return t.revenue_usd_per_year / t.power_mw, t.tco_usd_per_year / t.power_mw


def frontier_chart(result: PlanResult) -> str:
    series = [Series(name=f"{f.hardware} frontier ({f.provenance})",
                     points=[(p.tok_s_per_user, p.output_tok_s_per_gpu) for p in f.points],
                     tips=[f"{f.hardware} {p.label}: {p.tok_s_per_user:,.1f} tok/s/user, "
                           f"{p.output_tok_s_per_gpu:,.1f} tok/s/GPU" for p in f.points])
              for f in result.frontiers]
    chosen = [Series(name=f"{a.tier} on {a.hardware}", style="none", marker="diamond",
                     points=[(a.tok_s_per_user, a.output_tok_s_per_gpu)],
                     tips=[f"tier {a.tier}: {a.accelerators:,} {a.hardware} at "
                           f"{a.tok_s_per_user:,.1f} tok/s/user, "
                           f"{a.output_tok_s_per_gpu:,.1f} tok/s/GPU"])
              for a in result.allocations]
    return xy_chart(series + chosen, "tok/s per user", "output tok/s per GPU",
                    title="Frontiers and the tiers' operating points",
                    note="diamonds: where the plan runs each tier", x_log=True, x_zero=False)


def per_mw_chart(result: PlanResult) -> str:
    sold = [t for t in result.tiers if t.accelerators > 0]
    values = [per_mw(t) for t in sold]
    return stacked_bar_chart(
        [t.tier for t in sold],
        [Stack("TCO per MW", [v[1] for v in values]),
         Stack("margin per MW", [v[0] - v[1] for v in values])],
        "$ per year per MW", title="Revenue per MW of facility power, by tier: TCO + margin",
        value_prefix="$", empty_text="no tier is sold")


def _summary(result: PlanResult) -> str:
    t = result.totals
    assert t is not None
    items = [("accelerators", f"{t.accelerators:,}"), ("racks", f"{t.racks:,}"),
             ("MW used", f"{t.utility_mw:,.3f} of {t.budget_mw:g}"),
             ("output tok/s", f"{t.output_tok_s:,.0f}"),
             ("tokens/year", f"{t.tokens_per_year:,.4g}"),
             ("tok/s per MW", f"{t.tok_s_per_mw:,.0f}"),
             ("revenue/year", usd_short(t.revenue_usd_per_year)),
             ("TCO/year", usd_short(t.tco_usd_per_year)),
             ("margin/year", usd_short(t.margin_usd_per_year))]
    return '<div class="cards plan-totals">' + "".join(
        f'<div class="card" data-key="{esc(k)}"><div class="k">{esc(k)}</div>'
        f'<div class="v">{esc(v)}</div></div>' for k, v in items) + "</div>"


def plan_section(result: PlanResult) -> str:
    """The plan: totals, fleet, tiers, shadow prices, sensitivities, checks and charts."""
    parts = ['<section id="plan"><h2>AI-factory plan</h2>']
    cfg = result.config
    parts.append(f'<p class="lede">{cfg.power_mw:g} MW ({esc(cfg.power_basis)}), PUE '
                 f"{cfg.pue:g}, {cfg.usd_per_kwh:g} $/kWh; throughput "
                 f"{badge(result.provenance.get('throughput', 'assumed'))}, prices "
                 f"{badge('assumed')}, margin {badge('modelled')}.</p>")
    if result.status != "optimal":
        parts.append('<div class="banner bad" role="status" data-status="infeasible">'
                     + "<br>".join(esc(b.text) for b in result.infeasible) + "</div>")
    else:
        parts.append(_summary(result))
        parts.append(f'<figure class="plan-frontier">{frontier_chart(result)}</figure>')
        parts.append(f'<figure class="plan-per-mw">{per_mw_chart(result)}</figure>')
        parts.append(table_html(
            ["hardware", "accelerators", "nodes", "racks", "MW", "$/h each", "TCO/year"],
            [[esc(h.hardware), f"{h.accelerators:,}", f"{h.nodes:,}", f"{h.racks:,}",
              f"{h.utility_mw:,.3f}", f"${h.usd_per_hour_per_accelerator:,.4g}",
              usd(h.tco_usd_per_year)] for h in result.hardware], "lrrrrrr", "plan-fleet"))
        parts.append(table_html(
            ["tier", "price /1M out", "cost /1M out", "accelerators", "Mtok/day", "revenue/year",
             "margin/year", "note"],
            [[esc(t.tier), f"${t.usd_per_mtok_output:,.4g}", usd(t.cost_usd_per_mtok_output),
              f"{t.accelerators:,}", f"{t.mtok_per_day:,.4g}", usd(t.revenue_usd_per_year),
              usd(t.margin_usd_per_year), esc(t.note)] for t in result.tiers],
            "lrrrrrrl", "plan-tiers"))
        parts.append("<ul class=\"plan-shadow\">" + "".join(
            f"<li>{esc(s.text)}</li>" for s in result.shadow_prices) + "</ul>")
        parts.append(f'<p class="muted">{esc(result.gap_note)}</p>')
        if result.sensitivities:
            parts.append(table_html(
                ["parameter", "low", "margin at low", "high", "margin at high"],
                [[esc(s.parameter), f"{s.low:,.4g}", usd(s.margin_low_usd_per_year),
                  f"{s.high:,.4g}", usd(s.margin_high_usd_per_year)]
                 for s in result.sensitivities], "lrrrr", "plan-sensitivity"))
    parts.append(table_html(
        ["world check", "expected", "computed", "exact", "how"],
        [[esc(c.name), f"{c.expected:,.6g}", f"{c.computed:,.6g}", "yes" if c.exact else "no",
          esc(c.text)] for c in result.checks], "lrrll", "plan-checks"))
    parts.append("<ul class=\"muted\">" + "".join(
        f"<li>{esc(f.hardware)}: {esc(f.source)} {badge(f.provenance)}</li>"
        for f in result.frontiers) + "".join(f"<li>{esc(n)}</li>" for n in result.notes)
        + "</ul></section>")
    return "".join(parts)


def render_plan_page(result: PlanResult) -> str:
    """A whole HTML document holding :func:`plan_section`."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>tokenfab plan — {result.config.power_mw:g} MW</title>"
            f"<style>{CSS} .plan-totals{{grid-template-columns:repeat(3,1fr)}} "
            ".plan-totals .k{color:#5b6780;font-size:12px} .plan-totals .v{font-size:1.3rem;"
            "font-weight:650}</style></head><body><main>"
            '<header><div class="eyebrow">tokenfab plan · a power budget as priced service '
            "tiers</div><h1>AI-factory plan</h1></header>" + plan_section(result)
            + "<footer>generated by tokenfab · self-contained</footer></main></body></html>\n")


__all__ = ["per_mw", "plan_section", "render_plan_page"]
