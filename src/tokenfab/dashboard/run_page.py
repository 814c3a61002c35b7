"""``/runs/{id}``: headline numbers, the per-point table, the trade-off chart and the calculator."""

from __future__ import annotations

import json
from typing import Any

from tokenfab.dashboard.calc import calculator
from tokenfab.dashboard.html import badge, e, load_label, num, status_badge, usd
from tokenfab.dashboard.models import RunDetailOut
from tokenfab.report.data import RunView, normalise_point
from tokenfab.report.html_sections import throughput_chart
from tokenfab.report.status import run_status
from tokenfab.schemas.summary import LatencyStats, PointSummary


def _lat(p: PointSummary, name: str, pct: str, digits: int = 1) -> str:
    st: LatencyStats | None = p.latency_ms.get(name)
    return num(getattr(st, pct) if st is not None else None, digits)


def _best_cost(points: list[PointSummary]) -> PointSummary | None:
    priced = [(p.cost.usd_per_mtok_output, i) for i, p in enumerate(points)
              if p.cost and p.cost.usd_per_mtok_output is not None]
    return points[min(priced)[1]] if priced else None


def _hour_range(points: list[PointSummary]) -> str:
    hours = [p.cost.usd_per_hour for p in points if p.cost]
    if not hours:
        return "–"
    lo, hi = min(hours), max(hours)
    return usd(lo) + (f" – {usd(hi)}" if usd(hi) != usd(lo) else "")


def chart(d: RunDetailOut, title: str) -> str:
    """The report's throughput-vs-interactivity chart of this run (one chart code for both),
    or a note when no point has a per-user speed to plot."""
    points = d.summary.points
    if not any(p.throughput.per_user_output_tok_s_p50 is not None and p.requests.completed > 0
               for p in points):
        return ('<p class="sub" data-testid="chart-empty">No per-user speed was measured '
                '(requests need at least two output tokens), so there is nothing to plot.</p>')
    view = RunView(ref=d.run.run_id, run_id=d.run.run_id, label=title, model=d.run.model,
                   kind="measured", environment=d.run.environment,
                   points=[normalise_point(p.model_dump(mode="json"), modelled=False)
                           for p in points])
    svg = throughput_chart([view], width=640, height=420, titled=False)
    return f'<figure class="chart" data-testid="throughput-chart">{svg}</figure>'


def status_banner(d: RunDetailOut) -> str:
    """A partial run says so before any figure: what happened, where, and what was kept."""
    r = d.run
    st = run_status(r.status, n_records=r.n_records, points=r.points, config=r.config)
    if st.banner is None:
        return ""
    return (f'<div class="banner st-{e(st.tone)}" role="status" data-testid="run-status-banner" '
            f'data-status="{e(st.status)}">{e(st.banner)}</div>')


def _source(source: str) -> str:
    """A meter name for people: ``modelled:cpu-utilization`` -> ``cpu-utilization``."""
    return source.split(":", 1)[-1]


def _card(key: str, value: str, detail: str, tags: str, testid: str) -> str:
    return (f'<div class="card"><div class="k">{e(key)}</div>'
            f'<div class="v" data-testid="{e(testid)}">{e(value)}</div>'
            f'<div class="d"><span data-testid="{e(testid)}-load">{e(detail)}</span> '
            f'{tags}</div></div>')


def _cards(points: list[PointSummary]) -> str:
    done = [p for p in points if p.requests.completed > 0]
    peak = max(done, key=lambda p: p.throughput.output_tok_s)
    best = _best_cost(points)
    first = done[0]
    ttft = first.latency_ms.get("ttft")
    e_peak = peak.energy
    cards = [
        _card("peak output throughput", f"{num(peak.throughput.output_tok_s)} tok/s",
              f"at {load_label(peak.load.mode, peak.load.value)}", badge("measured"),
              "headline-output-tok-s"),
        _card("best $ / 1M output tokens",
              usd(best.cost.usd_per_mtok_output) if best and best.cost else "–",
              f"at {load_label(best.load.mode, best.load.value)}" if best else
              "no price stored: use the calculator", badge("assumed", "price"),
              "headline-usd-per-mtok-output"),
        _card("TTFT p50, lightest load", f"{num(ttft.p50 if ttft else None)} ms",
              f"at {load_label(first.load.mode, first.load.value)}", badge("measured"),
              "headline-ttft-p50"),
        _card("energy / output token",
              f"{num(e_peak.j_per_output_token, 3)} J" if e_peak and e_peak.j_per_output_token
              else "–",
              f"at {load_label(peak.load.mode, peak.load.value)} · {_source(e_peak.source)}"
              if e_peak and e_peak.valid
              else (e_peak.note or "not measured") if e_peak else "energy was not metered",
              badge(e_peak.provenance) if e_peak and e_peak.valid else "",
              "headline-j-per-output-token"),
    ]
    n_ok = sum(p.requests.completed for p in points)
    n_bad = sum(p.requests.failed for p in points)
    cards.append(_card("requests", f"{n_ok:,} ok", f"{n_bad:,} failed", badge("measured"),
                       "headline-requests"))
    return f'<div class="cards">{"".join(cards)}</div>'


def _prov(p: PointSummary) -> str:
    tags = [badge("measured", "tok/s, latency")]
    if p.cost:
        tags.append(badge(p.cost.provenance.get("usd_per_hour", "assumed"), "$/h"))
    if p.energy and p.energy.valid:
        tags.append(badge(p.energy.provenance, "energy"))
    return "".join(tags)


def _table(points: list[PointSummary]) -> str:
    heads = [("load", ""), ("ok / failed", "num"), ("out tok/s", "num"),
             ("tok/s / user", "num"), ("TTFT p50 ms", "num"), ("TTFT p99 ms", "num"),
             ("TPOT p50 ms", "num"), ("TPOT p99 ms", "num"), ("$/hour", "num"),
             ("$/1M out", "num"), ("$/1M out all-in", "num"), ("J / out tok", "num"),
             ("provenance", "")]
    rows = []
    for i, p in enumerate(points):
        c, en = p.cost, p.energy
        cells = [
            f'<td class="load"><b>{e(load_label(p.load.mode, p.load.value))}</b></td>',
            f'<td class="num">{p.requests.completed:,} / {p.requests.failed:,}</td>',
            f'<td class="num">{e(num(p.throughput.output_tok_s))}</td>',
            f'<td class="num">{e(num(p.throughput.per_user_output_tok_s_p50))}</td>',
            f'<td class="num">{e(_lat(p, "ttft", "p50"))}</td>',
            f'<td class="num">{e(_lat(p, "ttft", "p99"))}</td>',
            f'<td class="num">{e(_lat(p, "tpot", "p50", 2))}</td>',
            f'<td class="num">{e(_lat(p, "tpot", "p99", 2))}</td>',
            f'<td class="num" data-testid="usd-per-hour-{i}">'
            f'{e(usd(c.usd_per_hour if c else None))}</td>',
            f'<td class="num usd" data-testid="usd-per-mtok-output-{i}">'
            f'{e(usd(c.usd_per_mtok_output if c else None))}</td>',
            f'<td class="num" data-testid="usd-per-mtok-output-all-in-{i}">'
            f'{e(usd(c.usd_per_mtok_output_all_in if c else None))}</td>',
            f'<td class="num">{e(num(en.j_per_output_token if en else None, 3))}</td>',
            f'<td class="prov">{_prov(p)}</td>',
        ]
        rows.append(f'<tr data-testid="point-row-{i}">{"".join(cells)}</tr>')
    head = "".join(f'<th class="{cls}">{e(h)}</th>' for h, cls in heads)
    note = ('<p class="sub">$/1M out is attributed by measured prefill/decode time shares '
            '(with $/1M in it adds up to the cost); all-in charges the whole cost to output '
            'tokens. TTFT: time to first token; TPOT: time per output token.</p>')
    return (f'<section class="panel"><h2>Load points</h2><div class="scroll">'
            f'<table data-testid="points-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>{note}</section>')


def _errors(points: list[PointSummary]) -> str:
    errs: dict[str, int] = {}
    for p in points:
        for k, v in p.requests.errors.items():
            errs[k] = errs.get(k, 0) + v
    if not errs:
        return ""
    items = ", ".join(f"{e(k)} × {v}" for k, v in sorted(errs.items()))
    return (f'<div class="error" data-testid="errors-by-class">failed requests by class: '
            f'{items}</div>')


def _json_block(title: str, data: dict[str, Any]) -> str:
    text = json.dumps(data, indent=2, sort_keys=True, default=str)
    return f"<details><summary>{e(title)}</summary><pre>{e(text)}</pre></details>"


def render(d: RunDetailOut) -> tuple[str, str]:
    """(title, body) of the run page; every stored string is escaped."""
    r, s = d.run, d.summary
    title = r.label or f"{r.model} ({r.run_id[:8]})"
    took = (f" · took {(r.finished_unix_ns - r.started_unix_ns) / 1e9:,.0f} s"
            if r.finished_unix_ns else "")
    head = (
        '<p class="sub"><a href="/">← all runs</a></p>'
        f'<h1 data-testid="run-title">{e(title)}</h1>'
        f'<p class="sub"><span class="mono" data-testid="run-id">{e(r.run_id)}</span> · '
        f'{e(r.kind)} {status_badge(r.status)} · model <b data-testid="run-model">'
        f'{e(r.model)}</b> · target <span class="mono">{e(r.target_url)}</span> · started '
        f'{e(r.started_utc)} UTC{e(took)} · {r.n_records:,} records</p>')
    notes = status_banner(d) + "".join(
        f'<div class="notice" data-testid="run-note">{e(n)}</div>' for n in d.notes)
    points = s.points
    completed = sum(p.requests.completed for p in points)
    details = (f'<section class="panel"><h2>Stored with the run</h2>'
               f'{_json_block("config", r.config)}'
               f'{_json_block("environment", r.environment)}</section>')
    if completed == 0:
        table = _table(points) if points else ""
        return title, head + notes + _errors(points) + table + details
    best = _best_cost(points)
    calc = calculator(r.run_id, d.profile,
                      best=usd(best.cost.usd_per_mtok_output) if best and best.cost else "–",
                      per_hour=_hour_range(points))
    figure = ('<section class="panel"><h2>Throughput against speed per user</h2>'
              f'{chart(d, title)}<p class="sub">Each dot is a load point: up is more '
              'tokens for the machine (cheaper tokens), right is a faster stream for each '
              'user.</p></section>')
    body = (head + notes + _cards(points) + f'<div class="grid2">{figure}{calc}</div>'
            + _table(points) + _errors(points) + details)
    return title, body
