"""Server-rendered pages: ``/`` (runs), ``/runs/{id}`` and ``/compare``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from tokenfab.dashboard import run_page, service
from tokenfab.dashboard.api import source_of
from tokenfab.dashboard.calc import SCRIPT
from tokenfab.dashboard.html import e, load_label, num, page, pct, q, status_badge, usd
from tokenfab.dashboard.models import CompareOut, CompareSide, RunList
from tokenfab.errors import ConfigError

router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query()]


# -- runs list --------------------------------------------------------------------------------

def _select(name: str, options: list[str], chosen: str | None) -> str:
    opts = ['<option value="">any</option>'] + [
        f'<option value="{e(o)}"{" selected" if o == chosen else ""}>{e(o)}</option>'
        for o in options]
    return f'<select name="{name}" data-testid="filter-{name}">{"".join(opts)}</select>'


def render_list(data: RunList, model: str | None, kind: str | None, status: str | None,
                text: str | None) -> str:
    filters = (
        '<form class="filters panel" method="get" action="/" role="search" '
        'data-testid="filter-form">'
        f'<label>model<input type="search" name="model" value="{e(model)}" '
        'placeholder="e.g. llama" data-testid="filter-model"></label>'
        f'<label>kind{_select("kind", data.kinds, kind)}</label>'
        f'<label>status{_select("status", data.statuses, status)}</label>'
        f'<label>text<input type="search" name="q" value="{e(text)}" '
        'placeholder="label, model or run id" data-testid="filter-q"></label>'
        '<button type="submit">Filter</button><a class="btn ghost" href="/">Clear</a></form>')
    filtered = any((model, kind, status, text))
    if not data.runs:
        empty = ("No runs match this filter." if filtered and data.total else
                 "No runs in this database yet: record one with "
                 "<code>tokenfab bench --url … --model …</code> or <code>tokenfab run</code>.")
        return (f'<h1>Runs</h1>{filters}<div class="notice" data-testid="no-runs">{empty}'
                '</div>')
    rows = []
    for r in data.runs:
        link = f"/runs/{e(q(r.run_id))}"
        rows.append(
            f'<tr data-testid="run-row"><td><input type="checkbox" name="ids" '
            f'value="{e(r.run_id)}" aria-label="select {e(r.run_id)} to compare"></td>'
            f'<td><a class="mono" href="{link}">{e(r.run_id)}</a></td>'
            + (f'<td><a href="{link}">{e(r.label)}</a></td>' if r.label
               else '<td class="sub">–</td>')
            + f'<td>{e(r.model)}</td><td>{e(r.kind)}</td>'
            f'<td class="num">{e(r.started_utc)}</td><td class="num">{r.n_points}</td>'
            f'<td class="num">{r.n_records:,}</td><td>{status_badge(r.status, r.n_records)}</td>'
            f'<td class="mono sub">{e(r.target_url)}</td></tr>')
    heads = "".join(f'<th class="{c}">{h}</th>' for h, c in (
        ("", ""), ("run", ""), ("label", ""), ("model", ""), ("kind", ""),
        ("started (UTC)", "num"), ("points", "num"), ("requests", "num"), ("status", ""),
        ("target", "")))
    shown = f"{len(data.runs)} of {data.total}" if filtered else f"{data.total}"
    return (
        f'<h1>Runs</h1><p class="sub" data-testid="run-count">{shown} run(s), newest first'
        '</p>' + filters +
        '<form class="panel" method="get" action="/compare"><div class="scroll">'
        f'<table data-testid="runs-table"><thead><tr>{heads}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
        '<p><button type="submit" data-testid="compare-selected">Compare two selected</button>'
        '</p></form>')


@router.get("/", response_class=HTMLResponse)
def runs_page(request: Request, model: Text = None, kind: Text = None, status: Text = None,
              q: Text = None) -> HTMLResponse:
    source = source_of(request)
    data = service.list_runs(source.get(), model=model, kind=kind, status=status, q=q)
    return page("Runs", render_list(data, model, kind, status, q), db=data.db)


# -- one run ----------------------------------------------------------------------------------

@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_detail_page(request: Request, run_id: str) -> HTMLResponse:
    source = source_of(request)
    detail = service.run_detail(source.get(), run_id)
    title, body = run_page.render(detail)
    return page(title, body, db=detail.db, script=SCRIPT)


# -- compare ----------------------------------------------------------------------------------

_BETTER_UP = {"output_tok_s", "per_user_output_tok_s"}
_FIGURES: list[tuple[str, str, int, bool]] = [  # field, heading, digits, is $
    ("output_tok_s", "out tok/s", 1, False),
    ("per_user_output_tok_s", "tok/s / user", 1, False),
    ("ttft_p50_ms", "TTFT p50 ms", 1, False),
    ("tpot_p50_ms", "TPOT p50 ms", 2, False),
    ("usd_per_mtok_output", "$/1M out", 4, True),
    ("j_per_output_token", "J / out tok", 3, False),
]


def _delta(field: str, value: float | None) -> str:
    if value is None:
        return '<td class="num sub">–</td>'
    good = value > 0 if field in _BETTER_UP else value < 0
    cls = "" if abs(value) < 0.05 else ("delta-good" if good else "delta-bad")
    return f'<td class="num {cls}">{e(pct(value))}</td>'


def _side_cell(side: CompareSide, field: str, digits: int, is_usd: bool) -> str:
    v = getattr(side, field)
    return f'<td class="num">{e(usd(v) if is_usd else num(v, digits))}</td>'


def render_compare(c: CompareOut) -> str:
    heads = []
    for i, (r, s) in enumerate(zip(c.runs, c.summaries, strict=True)):
        name = r.label or r.model
        heads.append(
            f'<div class="panel" data-testid="compare-run-{i}"><div class="sub">'
            f'{"AB"[i]}</div><h2><a href="/runs/{e(q(r.run_id))}">{e(name)}</a></h2>'
            f'<div class="sub">model <b>{e(r.model)}</b> · <span class="mono">{e(r.run_id)}'
            f'</span> · {e(r.kind)} {status_badge(r.status)} · started {e(r.started_utc)} UTC'
            f' · target <span class="mono">{e(s.target.url)}</span></div></div>')
    notices = []
    if c.models_differ:
        notices.append(f'<div class="notice" data-testid="models-differ">{e(c.notes[0])}</div>')
    notices += [f'<div class="notice">{e(n)}</div>' for n in c.notes[1 if c.models_differ
                                                                     else 0:]]
    top = "".join(f'<th colspan="3" class="grp">{e(h)}</th>' for _, h, _, _ in _FIGURES)
    sub = "<th></th>" + ('<th class="num grp-start">A</th><th class="num">B</th>'
                         '<th class="num">Δ</th>') * len(_FIGURES)
    rows = []
    for p in c.points:
        cells = [f'<td class="load"><b>{e(load_label(p.load.mode, p.load.value))}</b></td>']
        for field, _, digits, is_usd in _FIGURES:
            cells += [_side_cell(s, field, digits, is_usd) for s in p.runs]
            cells[-2] = cells[-2].replace('class="num"', 'class="num grp-start"', 1)
            cells.append(_delta(field, p.delta_pct.get(field)))
        rows.append(f'<tr>{"".join(cells)}</tr>')
    return (
        '<h1>Compare runs</h1><div class="grid2">' + "".join(heads) + "</div>"
        + "".join(notices)
        + '<section class="panel"><h2>By load point</h2><div class="scroll">'
        f'<table data-testid="compare-table"><thead><tr><th>load</th>{top}</tr><tr>{sub}</tr>'
        f'</thead><tbody>{"".join(rows)}</tbody></table></div><p class="sub">Δ = (B − A) / A. '
        'Green is better (more throughput; less latency, cost, energy). $ figures are the '
        'prices each run was stored with (assumed inputs × measured throughput).</p></section>')


def _ask_ids(db: str, error: str | None, ids: list[str]) -> HTMLResponse:
    err = f'<div class="error" data-testid="error-message">{e(error)}</div>' if error else ""
    a, b = (ids + ["", ""])[:2]
    body = (
        f'<h1>Compare runs</h1>{err}<form class="filters panel" method="get" action="/compare">'
        f'<label>run A<input type="text" name="ids" value="{e(a)}" placeholder="run id"></label>'
        f'<label>run B<input type="text" name="ids" value="{e(b)}" placeholder="run id"></label>'
        '<button type="submit">Compare</button></form><p class="sub">Or tick two runs on the '
        '<a href="/">runs list</a>.</p>')
    return page("Compare", body, db=db, status=422 if error else 200)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request,
                 ids: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
    source = source_of(request)
    store = source.get()
    if not ids or not any(x.strip() for x in ids):
        return _ask_ids(store.label, None, [])
    try:
        wanted = service.parse_ids(ids)
    except ConfigError as exc:
        return _ask_ids(store.label, str(exc), [x for i in ids for x in i.split(",")])
    data = service.compare_runs(store, wanted)
    return page("Compare", render_compare(data), db=data.db)
