"""``render_report``: one self-contained HTML file (inline CSS and SVG, no script, nothing
fetched) that explains the economics of one or more runs and projections. Pure.

Sections: headline, comparison (2+ runs), throughput vs interactivity, $/1M tokens vs
interactivity, cost decomposition and input/output attribution, latency CDFs, errors over
time, energy, methodology (formulas, TCO inputs, provenance, environment, reproduce command).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tokenfab.outputs import check_writable, write_output
from tokenfab.report.compare import Comparison, compare_views
from tokenfab.report.data import RunView, stored_view
from tokenfab.report.html_fmt import (
    DASH,
    Fact,
    badge,
    esc,
    fmt_ms,
    fmt_num,
    fmt_spread,
    fmt_usd,
    fmt_when,
    headline,
    models_notice,
    per_gpu_everywhere,
    table_html,
)
from tokenfab.report.html_method import environment_line, methodology_html
from tokenfab.report.html_records import errors_section, latency_section
from tokenfab.report.html_sections import (
    cost_section,
    decomposition_section,
    energy_section,
    throughput_section,
)
from tokenfab.report.status import view_status
from tokenfab.store import Store

CSS = """
:root{--text:#1f2937;--muted:#667085;--line:#e4e7ec;--bg:#f4f5f7;--card:#fff;--accent:#2f6db3}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);
 font:14px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:28px 24px 64px}
header{margin-bottom:8px}
.eyebrow{text-transform:uppercase;font-size:11px;letter-spacing:.09em;color:var(--muted);
 font-weight:650}
h1{font-size:26px;line-height:1.25;margin:4px 0 8px;letter-spacing:-.01em}
h2{font-size:19px;margin:0 0 4px;letter-spacing:-.005em}
h3{font-size:15px;margin:18px 0 6px}
h4{font-size:13px;margin:14px 0 4px;color:var(--muted)}
.meta{color:var(--muted);margin:2px 0}
.meta b{color:var(--text);font-weight:600}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;
 padding:20px 24px;margin:16px 0;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.lede{color:var(--muted);margin:0 0 12px;max-width:88ch}
.notice{border:1px solid #f3c77a;background:#fff8eb;color:#7a4a06;padding:10px 14px;
 border-radius:8px;margin:12px 0;font-weight:500}
.empty-note{border-left:3px solid #c9403a;background:#fdf2f1;padding:8px 12px;border-radius:4px}
.ok-note{border-left:3px solid #3a9a4a;background:#f0f8f1;padding:8px 12px;border-radius:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:10px;padding:16px 18px;background:#fbfcfd}
.card h3{margin:0 0 10px;font-size:14px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.big{font-size:32px;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.1}
.big small{font-size:14px;font-weight:500;color:var(--muted)}
.sub{color:var(--muted);font-size:13px;margin-top:2px}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;
 margin-top:14px;border-top:1px solid var(--line);padding-top:12px}
.fact .v{font-size:17px;font-weight:650;font-variant-numeric:tabular-nums}
.fact .k{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.fact .w{font-size:12px;color:var(--muted)}
.explain{color:var(--muted);font-size:13px;margin:12px 0 0}
nav.toc{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px;margin:10px 0 0}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
.tw{overflow-x:auto;margin:10px 0}
table{border-collapse:collapse;width:100%;font-size:12.5px;font-variant-numeric:tabular-nums}
th{text-align:left;font-weight:600;color:var(--muted);font-size:11.5px;
 border-bottom:1px solid var(--line);padding:6px 8px;white-space:nowrap}
td{padding:5px 8px;border-bottom:1px solid #f0f2f5;vertical-align:top;white-space:nowrap}
td:first-child{white-space:normal;min-width:140px}
table.kv{width:auto}
table.kv td:first-child{min-width:0}
table.wrap td{white-space:normal}
.runs{list-style:none;padding:0;margin:10px 0 6px;display:grid;gap:6px}
.runs li{line-height:1.45}
.unpriced{color:var(--muted);margin:4px 0 0}
.n{text-align:right;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
.badge{display:inline-block;font-size:10.5px;line-height:1.6;padding:0 7px;border-radius:999px;
 font-weight:650;letter-spacing:.02em;white-space:nowrap}
.badge.measured{background:#e3f4e8;color:#1d6b37}
.badge.modelled{background:#eee8f8;color:#5a3d8e}
.badge.assumed{background:#fcefd9;color:#8a5710}
.badge.unknown{background:#eceef1;color:#475467}
.status{display:inline-block;font-size:10.5px;line-height:1.6;padding:0 7px;border-radius:4px;
 font-weight:700;letter-spacing:.03em;text-transform:uppercase;white-space:nowrap}
.status.live{background:#dbeafe;color:#1e40af}
.status.partial{background:#fef0c7;color:#93370d}
.status.bad{background:#fee4e2;color:#b42318}
.banner{border:1px solid #f3c77a;background:#fff8eb;color:#7a4a06;padding:10px 14px;
 border-radius:8px;margin:12px 0;font-weight:500}
.banner.bad{border-color:#fda29b;background:#fef3f2;color:#912018}
.banner.live{border-color:#b2ccff;background:#eff4ff;color:#1d3a8a}
figure{margin:6px 0 0}
svg{max-width:100%;height:auto;display:block}
.grid3{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:10px}
.sentences{margin:6px 0 12px;padding-left:20px}
.sentences li{margin:3px 0}
pre{background:#f5f6f8;border:1px solid var(--line);padding:10px 12px;border-radius:8px;
 overflow:auto;font-size:12px;line-height:1.45;max-height:420px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.cmd code{white-space:pre-wrap;overflow-wrap:anywhere}
details summary{cursor:pointer;margin:6px 0}
.muted{color:var(--muted)}
.small{font-size:12px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media print{body{background:#fff}section{break-inside:avoid;box-shadow:none}}
"""

SECTIONS = (("compare", "Comparison"), ("throughput", "Throughput"), ("cost", "Price"),
            ("decomposition", "Cost decomposition"), ("latency", "Latency"),
            ("errors", "Errors"), ("energy", "Energy"), ("method", "Methodology"))


def _fact(key: str, f: Fact | None, value: str) -> str:
    if f is None:
        return f'<div class="fact"><div class="k">{esc(key)}</div><div class="v">–</div></div>'
    return (f'<div class="fact"><div class="k">{esc(key)}</div><div class="v">{value}</div>'
            f'<div class="w">at {esc(f.where)}</div></div>')


def headline_card(view: RunView, per_gpu: bool) -> str:
    h = headline(view, per_gpu)
    unit = "GPU" if per_gpu else "system"
    title = f"<h3>{esc(view.label)} {badge(view.kind)}{_status_tag(view)}</h3>"
    if h.completed == 0:
        return (f'<div class="card">{title}<p class="empty-note">no completed requests in this '
                "run — nothing to price or time.</p></div>")
    if h.best_usd_out is not None:
        b = h.best_usd_out
        spread = fmt_spread(b.ci, b.band)
        big = (f'<div class="big" data-headline="usd_per_mtok_output">{fmt_usd(b.value)} '
               f'<small>per 1M output tokens</small></div><div class="sub">cheapest load point: '
               f"{esc(b.where)}{esc(' · ' + spread if spread != DASH else '')}</div>")
    else:
        big = ('<p class="unpriced">Not priced: add <code>--hourly-usd</code>, '
               "<code>--hardware</code> or <code>--profile</code> to see $ per token.</p>")
    facts = [_fact(f"max throughput per {unit}", h.max_tok_s,
                   fmt_num(h.max_tok_s.value) + " tok/s" if h.max_tok_s else ""),
             _fact("lowest TTFT (p50)", h.lowest_ttft_ms,
                   fmt_ms(h.lowest_ttft_ms.value) if h.lowest_ttft_ms else "")]
    if h.best_usd_goodput is not None:
        facts.append(_fact("$/1M out meeting the SLO", h.best_usd_goodput,
                           fmt_usd(h.best_usd_goodput.value)))
    return f'<div class="card">{title}{big}<div class="facts">{"".join(facts)}</div></div>'


def _status_tag(view: RunView) -> str:
    st = view_status(view)
    if not st.partial:
        return ""
    return (f' <span class="status {st.tone}" data-status="{esc(st.status)}">'
            f"{esc(st.label)}</span>")


def comparison_section(comps: Sequence[Comparison], unit: str) -> str:
    body = []
    for c in comps:
        body.append(f"<h3>{esc(c.other.name)} vs {esc(c.base.name)} (baseline)</h3>")
        if not c.sentences:
            body.append('<p class="muted">no load points at comparable interactivity (per-user '
                        "tok/s within 1.5× of each other).</p>")
            continue
        body.append('<ul class="sentences">' + "".join(f"<li>{esc(s)}</li>"
                                                       for s in c.sentences) + "</ul>")
        rows = [[esc(d.base.label), esc(d.other.label),
                 f"{fmt_num(d.base.per_user_tok_s)} → {fmt_num(d.other.per_user_tok_s)}",
                 f"{fmt_usd(d.base.usd_per_mtok_output)} → {fmt_usd(d.other.usd_per_mtok_output)}",
                 "–" if d.cost_change is None else f"{d.cost_change * 100:+.0f}%",
                 f"{fmt_num(d.base.tok_s)} → {fmt_num(d.other.tok_s)}",
                 "–" if d.tok_s_ratio is None else f"{d.tok_s_ratio:.2f}×"] for d in c.deltas]
        body.append(table_html(["baseline load", "matched load", "tok/s/user",
                                "$/1M out", "Δ $", f"tok/s per {unit}", "× throughput"], rows,
                               align="llrrrrr"))
    return ('<section id="compare"><h2>Comparison</h2><p class="lede">Each run against the first '
            "(the baseline), at matched interactivity: every baseline load point is paired with "
            "the other run's point of nearest per-user tok/s.</p>" + "\n".join(body)
            + "</section>")


def _header(views: Sequence[RunView]) -> str:
    models = sorted({v.model.lower(): v.model for v in views}.values())
    when = sorted(fmt_when(v.detail.started_unix_ns) for v in views if v.detail is not None)
    dates = " – ".join(dict.fromkeys([when[0], when[-1]])) if when else ""
    n = len(views)
    meta = " · ".join(x for x in (dates, f"{n} run{'s' if n > 1 else ''}"
                                  if n > 1 else "") if x)
    runs = "".join(
        "<li>" + badge(v.kind) + f" <b>{esc(v.label)}</b> <code>{esc(v.run_id)}</code>"
        + _status_tag(v) + f'<br><span class="muted small">{environment_line(v)}</span></li>'
        for v in views)
    toc = "".join(f'<a href="#{sid}">{esc(t)}</a>' for sid, t in SECTIONS
                  if sid != "compare" or len(views) > 1)
    return (f'<header><div class="eyebrow">tokenfab report · the economics of a token</div>'
            f"<h1>{esc(' vs '.join(models))}</h1>"
            + (f'<p class="meta">{esc(meta)}</p>' if meta else "")
            + f'<ul class="runs">{runs}</ul><nav class="toc">{toc}</nav></header>')


def render_report(views: list[RunView], *, command: str | None = None) -> str:
    """The whole report as one HTML document."""
    per_gpu = per_gpu_everywhere(views)
    unit = "GPU" if per_gpu else "system"
    notices = []
    if (msg := models_notice(views)) is not None:
        notices.append(msg)
    banners = [(v, st) for v in views if (st := view_status(v)).banner is not None]
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>tokenfab report — {esc(', '.join(sorted({v.model for v in views})))}"
             "</title>", f"<style>{CSS}</style></head><body><main>", _header(views)]
    parts += [f'<div class="notice" role="note">{esc(n)}</div>' for n in notices]
    parts += [f'<div class="banner {st.tone}" role="status" data-status="{esc(st.status)}">'
              f"<b>{esc(v.label)}</b>: {esc(st.banner or '')}</div>" for v, st in banners]
    parts.append('<section id="headline" class="headline"><h2>Headline</h2><div class="cards">'
                 + "".join(headline_card(v, per_gpu) for v in views) + "</div>"
                 '<p class="explain">Price per token = (hardware + energy + overhead) per hour '
                 "÷ tokens generated per hour. Serving more users at once shares the hardware, "
                 "so tokens get cheaper, but each user waits longer per token. "
                 f"{badge('measured')} timings come from this machine's clock and token "
                 "counts from the server's usage reports (or client estimates; see "
                 "Methodology); "
                 f"{badge('assumed')} prices are inputs; {badge('modelled')} figures come from a "
                 "model.</p></section>")
    if len(views) > 1:
        parts.append(comparison_section(compare_views(views), unit))
    parts += [throughput_section(views), cost_section(views), decomposition_section(views),
              latency_section(views), errors_section(views), energy_section(views),
              methodology_html(views, command)]
    parts.append("<footer>generated by tokenfab · self-contained: no scripts, fonts or images "
                 "are loaded from anywhere</footer></main></body></html>")
    return "\n".join(parts) + "\n"


def write_run_report(store: Store, run_id: str, path: str | Path, *,
                     flag: str = "--report") -> Path:
    """Render one stored run's report to ``path`` (``tokenfab run --report`` calls this at its
    end; check the path before the run with
    :func:`tokenfab.outputs.check_writable`). Errors name ``flag`` in one line."""
    out = check_writable(path, flag) or Path(path)
    write_output(render_report([stored_view(store, run_id)]), out, flag)
    return out
