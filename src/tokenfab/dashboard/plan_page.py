"""The plan page: ``/plan`` (sliders over power, PUE, electricity price and utilization),
``/plan/section`` (the plan's HTML section, which the sliders fetch) and ``/api/plan`` (the
``tokenfab.plan/1`` document). The plan is ``session.plan.plan`` over this dashboard's
database: the local machine's measured frontier from its newest complete ``tokenfab run``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import HTMLResponse

from tokenfab.dashboard.api import source_of
from tokenfab.dashboard.html import e, page
from tokenfab.errors import ConfigError, format_validation
from tokenfab.report.plan import plan_section
from tokenfab.schemas.plan import PlanConfig, PlanResult
from tokenfab.session.plan import plan

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["plan"])

PowerMw = Annotated[float, Query(gt=0, le=100_000, description="power budget, MW (utility)")]
Pue = Annotated[float, Query(ge=1, le=5, description="power usage effectiveness")]
Kwh = Annotated[float, Query(ge=0, le=10, description="electricity price, USD/kWh")]
Util = Annotated[float | None, Query(gt=0, le=1, description="share of capacity sold")]

SLIDERS: tuple[tuple[str, str, float, float, float], ...] = (
    ("power_mw", "power budget (MW)", 0.1, 100.0, 0.1),
    ("pue", "PUE", 1.0, 2.0, 0.01),
    ("usd_per_kwh", "electricity ($/kWh)", 0.0, 0.3, 0.001),
    ("utilization", "utilization (share sold)", 0.05, 1.0, 0.01),
)

SCRIPT = """
const form = document.getElementById('plan-form');
const out = document.getElementById('plan-out');
let timer = null, seq = 0;
function params() {
  const p = new URLSearchParams();
  for (const el of form.querySelectorAll('input[type=range]')) {
    p.set(el.name, el.value);
    document.getElementById('v-' + el.name).textContent = el.value;
  }
  return p;
}
async function refresh() {
  const mine = ++seq;
  const p = params();
  out.setAttribute('aria-busy', 'true');
  const r = await fetch('/plan/section?' + p.toString());
  const html = await r.text();
  if (mine !== seq) return;
  out.innerHTML = html;
  out.dataset.query = p.toString();
  out.setAttribute('aria-busy', 'false');
}
form.addEventListener('input', () => {
  clearTimeout(timer); params(); timer = setTimeout(refresh, 150);
});
form.addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
"""


def _plan(request: Request, power_mw: float, pue: float, usd_per_kwh: float,
          utilization: float | None) -> PlanResult:
    try:
        cfg = PlanConfig(power_mw=power_mw, pue=pue, usd_per_kwh=usd_per_kwh,
                         utilization=utilization, db_url=source_of(request).url)
    except ValidationError as exc:
        raise ConfigError(format_validation(exc)) from None
    return plan(cfg)


def _sliders(values: dict[str, float]) -> str:
    rows = []
    for name, label, lo, hi, step in SLIDERS:
        v = values[name]
        rows.append(f'<label>{e(label)} <b id="v-{name}" data-testid="value-{name}">{v:g}</b>'
                    f'<input type="range" name="{name}" min="{lo:g}" max="{max(hi, v):g}" '
                    f'step="{step:g}" value="{v:g}" data-testid="slider-{name}"></label>')
    return ('<form id="plan-form" class="filters panel" method="get" action="/plan" '
            'data-testid="plan-form">' + "".join(rows)
            + '<noscript><button type="submit">Plan</button></noscript></form>')


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, power_mw: PowerMw = 1.0, pue: Pue = 1.2,
              usd_per_kwh: Kwh = 0.091, utilization: Util = 0.7) -> HTMLResponse:
    result = _plan(request, power_mw, pue, usd_per_kwh, utilization)
    values = {"power_mw": power_mw, "pue": pue, "usd_per_kwh": usd_per_kwh,
              "utilization": utilization if utilization is not None else 0.7}
    body = ('<h1>Plan an AI factory</h1><p class="sub">A power budget split into hardware and '
            "priced service tiers (the gtc2026 preset) that maximise margin, over the local "
            "machine's measured frontier. Move a slider to re-solve.</p>" + _sliders(values)
            + f'<div id="plan-out" class="panel" data-testid="plan-out">'
              f"{plan_section(result)}</div>")
    return page("Plan", body, db=source_of(request).label, script=SCRIPT)


@router.get("/plan/section", response_class=HTMLResponse)
def plan_fragment(request: Request, power_mw: PowerMw = 1.0, pue: Pue = 1.2,
                  usd_per_kwh: Kwh = 0.091, utilization: Util = 0.7) -> HTMLResponse:
    result = _plan(request, power_mw, pue, usd_per_kwh, utilization)
    return HTMLResponse(plan_section(result), headers={"Cache-Control": "no-store"})


@api_router.get("/plan", summary="The plan for a power budget (tokenfab.plan/1)")
def plan_api(request: Request, power_mw: PowerMw = 1.0, pue: Pue = 1.2,
             usd_per_kwh: Kwh = 0.091, utilization: Util = 0.7) -> dict[str, Any]:
    return _plan(request, power_mw, pue, usd_per_kwh, utilization).to_json_dict()


__all__ = ["api_router", "router"]
