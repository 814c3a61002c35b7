"""HTML building blocks: escaping, number formats, the page layout and its inline CSS.

Pages are self-contained (no CDN, no external fonts) and every value that came from a user or
a database (labels, model names, URLs, error messages) goes through :func:`e`.
"""

from __future__ import annotations

import html
import secrets
from urllib.parse import quote

from starlette.responses import HTMLResponse

from tokenfab.report import fmt
from tokenfab.report.status import run_status

CSS = """
:root{--bg:#f5f6f8;--panel:#fff;--ink:#172033;--muted:#5b6780;--line:#e1e5eb;
--accent:#2563eb;--accent-soft:#e8effd;--good:#15803d;--bad:#b91c1c;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent)}
header.top{background:#0f172a;color:#e2e8f0;padding:.65rem 1.5rem;display:flex;gap:1.4rem;
align-items:center;flex-wrap:wrap}
header.top a{color:#cbd5e1;text-decoration:none}
header.top a:hover{color:#fff}
header.top .brand{font-weight:700;color:#fff;letter-spacing:.01em}
header.top .db{margin-left:auto;color:#94a3b8;font:12px var(--mono)}
main{max-width:1280px;margin:0 auto;padding:1.25rem 1.5rem 3rem}
h1{font-size:1.45rem;margin:.25rem 0 .15rem;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:0 0 .7rem}
.sub{color:var(--muted);font-size:14px;overflow-wrap:anywhere}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;
padding:1rem 1.2rem;margin:1rem 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:.42rem .6rem;border-bottom:1px solid var(--line);text-align:left;
vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:11.5px;text-transform:uppercase;
letter-spacing:.03em;background:#f8fafc;vertical-align:bottom}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
tbody tr:hover{background:#f4f7fc}
td.usd{font-weight:600}
td.load{white-space:nowrap}
th.grp{text-align:center;border-left:1px solid var(--line)}
.grp-start{border-left:1px solid var(--line)}
td.prov{min-width:11rem}
.mono{font-family:var(--mono);font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:.75rem;
margin:1rem 0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:10px;
padding:.8rem 1rem}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:1.65rem;font-weight:650;font-variant-numeric:tabular-nums;margin:.1rem 0}
.card .d{color:var(--muted);font-size:13px}
.badge{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:11px;
font-weight:600;line-height:1.7;margin:0 .15rem .1rem 0;white-space:nowrap}
.b-measured{background:#dcfce7;color:#166534}
.b-modelled{background:#ede9fe;color:#5b21b6}
.b-assumed{background:#fef3c7;color:#92400e}
.b-status,.b-unknown{background:#e2e8f0;color:#334155}
.st-ok{background:#dcfce7;color:#166534}
.st-live{background:#dbeafe;color:#1e40af}
.st-partial{background:#fef3c7;color:#92400e}
.st-bad{background:#fee2e2;color:#991b1b}
.banner{padding:.6rem .9rem;border-radius:8px;margin:.75rem 0;font-weight:550;
border:1px solid #fcd34d}
.banner.st-bad{border-color:#fca5a5}
.banner.st-live{border-color:#93c5fd}
figure.chart{margin:0}
figure.chart svg{max-width:100%;height:auto;display:block}
.notice{background:#fffbeb;border:1px solid #fcd34d;color:#78350f;padding:.6rem .9rem;
border-radius:8px;margin:.75rem 0}
.error{background:#fef2f2;border:1px solid #fca5a5;color:#7f1d1d;padding:.6rem .9rem;
border-radius:8px;margin:.75rem 0;overflow-wrap:anywhere}
form.filters{display:flex;gap:.6rem;flex-wrap:wrap;align-items:flex-end}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:.15rem}
input,select,button{font:inherit}
input[type=text],input[type=search],input[type=number],select{padding:.35rem .5rem;
border:1px solid #cbd5e1;border-radius:6px;background:#fff;color:var(--ink)}
button,.btn{background:var(--accent);color:#fff;border:0;border-radius:6px;padding:.4rem .95rem;
cursor:pointer;text-decoration:none;display:inline-block;font-size:14px}
.btn.ghost{background:transparent;color:var(--accent);border:1px solid #bfd0f5}
.grid2{display:grid;grid-template-columns:minmax(0,1.15fr) minmax(0,1fr);gap:1rem}
@media (max-width:960px){.grid2{grid-template-columns:1fr}}
.grid2>.panel{margin:0}
.calc .row{display:grid;grid-template-columns:9.5rem 1fr 6.5rem;gap:.65rem;align-items:center;
margin:.4rem 0}
.calc .row label{font-size:14px}
.calc .row small{display:block;color:var(--muted);font-size:11.5px}
.calc input[type=range]{width:100%;accent-color:var(--accent)}
.calc input[type=number]{width:100%}
.calc .basis{display:flex;gap:1rem;margin-bottom:.4rem;font-size:14px}
.calc .result{display:flex;gap:1.5rem;flex-wrap:wrap;border-top:1px solid var(--line);
margin-top:.7rem;padding-top:.7rem}
.calc .result .v{font-size:1.25rem;font-weight:650;font-variant-numeric:tabular-nums}
.calc .result .k{font-size:12px;color:var(--muted)}
.calc-status{color:var(--muted);font-size:12.5px;min-height:1.2em}
.delta-good{color:var(--good);font-weight:600}
.delta-bad{color:var(--bad);font-weight:600}
details summary{cursor:pointer;color:var(--muted)}
pre{background:#f8fafc;border:1px solid var(--line);border-radius:8px;padding:.7rem;
overflow:auto;font:12.5px/1.45 var(--mono)}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
footer{color:var(--muted);font-size:12px;margin-top:2rem}
"""


def e(value: object) -> str:
    """HTML-escape anything for text and for attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def q(value: str) -> str:
    """A value as one URL path segment (then escape it with :func:`e` for an attribute)."""
    return quote(value, safe="")


def num(v: float | None, digits: int = 1) -> str:
    return fmt.num(v, digits, missing="–")


def usd(v: float | None) -> str:
    """$1,234.56 at or above a dollar, $0.1234 below (the calculator's JS does the same)."""
    return fmt.usd(v, missing="–")


def pct(v: float | None) -> str:
    return "–" if v is None else f"{v:+.1f}%"


def badge(provenance: str, prefix: str = "") -> str:
    cls = provenance if provenance in ("measured", "modelled", "assumed") else "unknown"
    label = f"{prefix} {provenance}".strip()
    return f'<span class="badge b-{cls}" title="provenance">{e(label)}</span>'


def status_badge(status: str, n_records: int | None = None) -> str:
    """The run's status as a coloured tag (labels and tones from
    :mod:`tokenfab.report.status`); a partial run says how many requests it kept."""
    st = run_status(status, n_records=n_records or 0)
    kept = (f" · {n_records:,} kept" if st.partial and st.status != "running"
            and n_records is not None else "")
    return (f'<span class="badge st-{e(st.tone)}" data-status="{e(st.status)}" '
            f'title="run status">{e(st.label + kept)}</span>')


def load_label(mode: str, value: float) -> str:
    return f"{value:g} {'conc' if mode == 'concurrency' else 'req/s'}"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def layout(title: str, body: str, *, db: str, nonce: str, script: str = "") -> str:
    """A whole page. ``title`` and ``db`` are escaped here; ``body`` must already be safe."""
    js = f'<script nonce="{e(nonce)}">{script}</script>' if script else ""
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<link rel=\"icon\" href=\"data:,\">"
        f"<title>{e(title)} · tokenfab</title><style nonce=\"{e(nonce)}\">{CSS}</style></head>"
        "<body><header class=\"top\"><a class=\"brand\" href=\"/\">tokenfab</a>"
        "<a href=\"/\">Runs</a><a href=\"/compare\">Compare</a><a href=\"/plan\">Plan</a>"
        "<a href=\"/openapi.json\">API schema</a>"
        f"<span class=\"db\" data-testid=\"db-label\">{e(db)}</span></header>"
        f"<main>{body}<footer>tokenfab dashboard · figures are tagged "
        f"{badge('measured')}{badge('modelled')}{badge('assumed')}</footer></main>{js}"
        "</body></html>"
    )


def page(title: str, body: str, *, db: str, status: int = 200, script: str = "") -> HTMLResponse:
    """An HTML response with a strict Content-Security-Policy: only this page's own inline
    script and style (by nonce) run, and fetch() may only reach this server."""
    nonce = new_nonce()
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
           "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'none'")
    headers = {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
    return HTMLResponse(layout(title, body, db=db, nonce=nonce, script=script),
                        status_code=status, headers=headers)


def error_page(status: int, heading: str, message: str, *, db: str) -> HTMLResponse:
    body = (f'<h1>{e(heading)}</h1><div class="error" data-testid="error-message">'
            f'{e(message)}</div><p><a href="/">← all runs</a></p>')
    return page(heading, body, db=db, status=status)
