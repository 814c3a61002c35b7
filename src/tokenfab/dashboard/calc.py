"""The live cost calculator: its form (sliders paired with number boxes) and its script.

The script is a constant (no data is interpolated into it): it reads the price URL from the
form's ``data-price-url`` and writes results with ``textContent`` only. Elements it updates,
by ``data-testid``: ``usd-per-hour-N``, ``usd-per-mtok-output-N``,
``usd-per-mtok-output-all-in-N`` (point N), ``headline-usd-per-mtok-output``,
``calc-best-usd-per-mtok-output``, ``calc-usd-per-hour-total``, ``calc-error``, ``calc-status``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tokenfab.dashboard.html import e, q
from tokenfab.schemas.cost import TcoProfile


@dataclass(frozen=True)
class Slider:
    name: str  # query parameter of /api/runs/{id}/price
    label: str
    hint: str
    value: float
    lo: float
    hi: float
    step: float
    basis: str | None = None  # "rent" or "own": shown only for that basis

    @property
    def testid(self) -> str:
        return "calc-" + self.name.replace("_", "-")


def slider_max(value: float, floor: float) -> float:
    """A round slider end at or above both 5 × ``value`` and ``floor``: 1, 2 or 5 × 10^k."""
    target = max(value * 5, floor)
    mag = 10 ** math.floor(math.log10(target))
    return float(next(m * mag for m in (1, 2, 5, 10) if m * mag >= target))


def sliders(p: TcoProfile | None) -> list[Slider]:
    """The calculator's inputs, starting at the run's stored profile (or plain defaults)."""
    d = p or TcoProfile(rental_usd_per_hour=2.0)
    rent = d.rental_usd_per_hour if d.rental_usd_per_hour is not None else 2.0
    capex = d.capex_usd if d.capex_usd is not None else 30000.0
    per = " per accelerator" if d.accelerators > 1 else ""
    return [
        Slider("usd_per_hour", "Rent, $/hour", f"assumed{per}", rent, 0, slider_max(rent, 1.0),
               0.01, "rent"),
        Slider("capex_usd", "Purchase, $", f"assumed{per}, incl. host share", capex, 0,
               max(100000.0, capex * 2), 100, "own"),
        Slider("amortization_years", "Amortization, years", "assumed", d.amortization_years,
               1, max(10.0, d.amortization_years), 0.5, "own"),
        Slider("cost_of_capital", "Cost of capital", "annual rate, 0–1", d.cost_of_capital,
               0, 0.3, 0.005, "own"),
        Slider("pue", "PUE", "power usage effectiveness", d.pue, 1, 3, 0.01),
        Slider("usd_per_kwh", "Electricity, $/kWh", "assumed", d.usd_per_kwh, 0,
               max(0.5, d.usd_per_kwh * 2), 0.001),
        Slider("utilization", "Utilization", "share of hours doing paid work", d.utilization,
               0.05, 1, 0.01),
        Slider("overhead_pct", "Overhead, %", "of hardware + energy",
               d.overhead_fraction * 100, 0, max(100.0, d.overhead_fraction * 100), 1),
    ]


def _row(s: Slider) -> str:
    box = f"calc-{s.name}"
    basis = f' data-basis="{e(s.basis)}"' if s.basis else ""
    return (
        f'<div class="row"{basis}><label for="{e(box)}">{e(s.label)}<small>{e(s.hint)}</small>'
        f'</label><input type="range" min="{s.lo:g}" max="{s.hi:g}" step="{s.step:g}" '
        f'value="{min(max(s.value, s.lo), s.hi):g}" data-pair="{e(box)}" '
        f'data-testid="{e(s.testid)}" aria-label="{e(s.label)}">'
        f'<input type="number" id="{e(box)}" name="{e(s.name)}" value="{s.value:g}" '
        f'step="any" data-testid="{e(s.testid)}-input"></div>')


def calculator(run_id: str, profile: TcoProfile | None, best: str = "–",
               per_hour: str = "–") -> str:
    """The calculator panel for run ``run_id``; ``best`` and ``per_hour`` are the stored
    figures, already formatted."""
    own = profile is not None and profile.capex_usd is not None
    included = profile is not None and profile.energy_included
    status = ("Move a slider to re-price every load point from the stored records."
              if profile is not None else
              "This run was stored without a price: set one to see $ figures.")
    return (
        '<section class="panel calc" aria-labelledby="calc-h"><h2 id="calc-h">'
        'Cost calculator</h2>'
        f'<form id="calc" data-price-url="/api/runs/{e(q(run_id))}/price" '
        'data-testid="calc-form" data-state="idle" autocomplete="off">'
        '<div class="basis">'
        f'<label><input type="radio" name="basis" value="rent" data-testid="calc-basis-rent"'
        f'{"" if own else " checked"}> rent</label>'
        f'<label><input type="radio" name="basis" value="own" data-testid="calc-basis-own"'
        f'{" checked" if own else ""}> own (capex)</label></div>'
        + "".join(_row(s) for s in sliders(profile))
        + '<div class="row" data-basis="rent"><label for="calc-energy_included">'
        'Rent includes power<small>cloud prices usually do</small></label>'
        f'<input type="checkbox" id="calc-energy_included" name="energy_included"'
        f'{" checked" if included else ""} data-testid="calc-energy-included"><span></span>'
        '</div>'
        '<div class="result"><div><div class="k">best $/1M output tokens</div>'
        f'<div class="v" data-testid="calc-best-usd-per-mtok-output">{e(best)}</div></div>'
        '<div><div class="k">$/hour</div><div class="v" data-testid="calc-usd-per-hour-total">'
        f'{e(per_hour)}</div></div></div>'
        '<div class="error" role="alert" data-testid="calc-error" hidden></div>'
        f'<div class="calc-status" data-testid="calc-status">{e(status)}</div>'
        '</form></section>')


SCRIPT = r"""
(() => {
  const form = document.getElementById('calc');
  if (!form) return;
  const url = form.dataset.priceUrl;
  const byId = (id) => document.querySelector('[data-testid="' + id + '"]');
  const err = byId('calc-error'), status = byId('calc-status');
  const set = (id, text) => { const el = byId(id); if (el) el.textContent = text; };
  const usd = (v) => v == null ? '\u2013' : v >= 1
    ? '$' + v.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2})
    : '$' + v.toFixed(4);
  const loadLabel = (l) => (+l.value) + (l.mode === 'concurrency' ? ' conc' : ' req/s');
  for (const range of form.querySelectorAll('input[type=range][data-pair]')) {
    const box = document.getElementById(range.dataset.pair);
    range.addEventListener('input', () => { box.value = range.value; });
    box.addEventListener('input', () => { if (box.value !== '') range.value = box.value; });
  }
  const own = () => form.elements.basis.value === 'own';
  const showBasis = () => {
    for (const el of form.querySelectorAll('[data-basis]')) {
      el.hidden = (el.dataset.basis === 'own') !== own();
    }
  };
  const params = () => {
    const p = new URLSearchParams();
    const names = own() ? ['capex_usd', 'amortization_years', 'cost_of_capital']
                        : ['usd_per_hour'];
    for (const n of names.concat(['pue', 'usd_per_kwh', 'utilization', 'overhead_pct'])) {
      const v = form.elements[n].value.trim();
      if (v !== '') p.set(n, v);
    }
    if (!own()) p.set('energy_included', form.elements.energy_included.checked ? 'true' : 'false');
    return p;
  };
  const fail = (msg) => {
    err.textContent = msg; err.hidden = false; form.dataset.state = 'error';
    status.textContent = 'Figures below still show the last valid price.';
  };
  const apply = (body) => {
    let best = null; const hours = [];
    for (const p of body.points) {
      if (p.index == null) continue;
      set('usd-per-hour-' + p.index, usd(p.usd_per_hour));
      set('usd-per-mtok-output-' + p.index, usd(p.usd_per_mtok_output));
      set('usd-per-mtok-output-all-in-' + p.index, usd(p.usd_per_mtok_output_all_in));
      if (p.usd_per_hour != null) hours.push(p.usd_per_hour);
      if (p.usd_per_mtok_output != null &&
          (best == null || p.usd_per_mtok_output < best.usd_per_mtok_output)) best = p;
    }
    const bestText = best ? usd(best.usd_per_mtok_output) : '\u2013';
    set('headline-usd-per-mtok-output', bestText);
    set('calc-best-usd-per-mtok-output', bestText);
    set('headline-usd-per-mtok-output-load', best ? 'at ' + loadLabel(best.load) : '');
    const lo = Math.min(...hours), hi = Math.max(...hours);
    set('calc-usd-per-hour-total', !hours.length ? '\u2013'
        : usd(lo) + (usd(hi) !== usd(lo) ? ' \u2013 ' + usd(hi) : ''));
    status.textContent = 'Re-priced ' + body.points.length +
      ' load point(s): assumed prices \u00d7 measured throughput.';
  };
  let timer = 0, seq = 0, ctrl = null;
  const update = async () => {
    const mine = ++seq;
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    form.dataset.state = 'loading'; status.textContent = 'updating\u2026';
    let res, body;
    try {
      res = await fetch(url + '?' + params(), {signal: ctrl.signal,
                                                headers: {Accept: 'application/json'}});
      body = await res.json();
    } catch (x) {
      if (x.name !== 'AbortError' && mine === seq) {
        fail('cannot reach the dashboard server (' + x.message + ')');
      }
      return;
    }
    if (mine !== seq) return;
    if (!res.ok) { fail(body.detail || body.error || ('HTTP ' + res.status)); return; }
    err.hidden = true; err.textContent = ''; form.dataset.state = 'ok';
    apply(body);
  };
  form.addEventListener('input', () => {
    showBasis(); clearTimeout(timer); timer = setTimeout(update, 150);
  });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); update(); });
  showBasis();
})();
"""
