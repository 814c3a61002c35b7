"""Resolved inputs -> the whole plan: solve, explain, test its sensitivities. No I/O.

sensitivity(p) = integer margin with p × (1 ∓ δ) (PUE floored at 1, utilization capped at
1), everything else fixed. The power shadow price is the LP dual; the integer re-solve at
power_mw + 1 is reported beside it (they differ by whole units).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tokenfab.plan.checks import world_checks
from tokenfab.plan.economics import hardware_economics
from tokenfab.plan.outcome import (
    allocations,
    bindings,
    gap_note,
    hardware_outcomes,
    shadow_prices,
    tier_outcomes,
    totals,
)
from tokenfab.plan.solver import Problem, build, elastic, solve_lp, solve_milp
from tokenfab.schemas.plan import (
    Frontier,
    HardwareEconomics,
    HardwareSpec,
    PlanConfig,
    PlanResult,
    Sensitivity,
    ShadowPrice,
    TierSpec,
)
from tokenfab.schemas.types import Provenance

RANK: dict[str, int] = {"measured": 0, "modelled": 1, "assumed": 2}


@dataclass(frozen=True)
class Resolved:
    """What the session read: tiers, frontiers, hardware specs and the local machine's power."""

    tiers: tuple[TierSpec, ...]
    frontiers: tuple[Frontier, ...]
    specs: tuple[HardwareSpec, ...]
    default_kw: dict[str, tuple[float, Provenance, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def economics_for(res: Resolved, pue: float, usd_per_kwh: float) -> tuple[HardwareEconomics, ...]:
    return tuple(hardware_economics(s, pue=pue, usd_per_kwh=usd_per_kwh,
                                    default_kw=res.default_kw.get(s.name)) for s in res.specs)


def problem_for(cfg: PlanConfig, res: Resolved, *, power_mw: float | None = None,
                pue: float | None = None, usd_per_kwh: float | None = None,
                utilization: float | None = None) -> Problem:
    p = cfg.pue if pue is None else pue
    tiers = res.tiers if utilization is None else tuple(
        t.model_copy(update={"utilization": utilization}) for t in res.tiers)
    return Problem(power_mw=cfg.power_mw if power_mw is None else power_mw,
                   power_basis=cfg.power_basis, pue=p, granularity=cfg.granularity, tiers=tiers,
                   economics=economics_for(res, p, cfg.usd_per_kwh if usd_per_kwh is None
                                           else usd_per_kwh),
                   frontiers=res.frontiers)


def integer_margin(problem: Problem) -> float:
    sol = solve_milp(build(problem))
    return sol.margin_usd_per_year


def sensitivities(cfg: PlanConfig, res: Resolved) -> list[Sensitivity]:
    d = cfg.sensitivity_pct / 100.0
    out: list[Sensitivity] = []
    base_util = sum(t.utilization for t in res.tiers) / max(len(res.tiers), 1)
    cases: list[tuple[str, float, float, float]] = [
        ("usd_per_kwh", cfg.usd_per_kwh, cfg.usd_per_kwh * (1 - d), cfg.usd_per_kwh * (1 + d)),
        ("pue", cfg.pue, max(1.0, cfg.pue * (1 - d)), min(5.0, cfg.pue * (1 + d))),
        ("utilization", base_util, base_util * (1 - d), min(1.0, base_util * (1 + d))),
    ]
    for name, base, low, high in cases:
        margins = [integer_margin(problem_for(cfg, res, **{name: v})) for v in (low, high)]
        out.append(Sensitivity(parameter=name, base=base, low=low, high=high,
                               margin_low_usd_per_year=margins[0],
                               margin_high_usd_per_year=margins[1]))
    return out


def _provenance(res: Resolved, econ: tuple[HardwareEconomics, ...]) -> dict[str, Provenance]:
    def weakest(items: list[Provenance]) -> Provenance:
        return max(items, key=lambda p: RANK[p]) if items else "assumed"
    return {"throughput": weakest([f.provenance for f in res.frontiers]),
            "power": weakest([e.kw_provenance for e in econ]), "prices": "assumed",
            "tco": "assumed", "margin": "modelled"}


def solve_plan(cfg: PlanConfig, res: Resolved, *, with_sensitivities: bool = True) -> PlanResult:
    """The plan for ``cfg`` over resolved inputs (see the module docstring)."""
    t0 = time.perf_counter()
    problem = problem_for(cfg, res)
    model = build(problem)
    mip, lp = solve_milp(model), solve_lp(model)
    notes = list(res.notes)
    if all(e.breakdown_usd_per_hour.get("energy", 0.0) == 0.0 for e in problem.economics):
        notes.append("every accelerator's price includes its power (rented), so the "
                     "electricity price moves no figure; own the hardware (--ownership own) "
                     "or set energy_included = false to pay for power")
    common = {"config": cfg, "frontiers": list(res.frontiers), "economics":
              list(problem.economics), "checks": world_checks(cfg.pue),
              "provenance": _provenance(res, problem.economics)}
    if mip.status != "optimal":
        slacks = [float(s) for s in elastic(model)]
        return PlanResult(status="infeasible", totals=None, hardware=[], tiers=[],
                          allocations=[], shadow_prices=[], lp_margin_usd_per_year=None,
                          integrality_gap=None, gap_note="no plan meets every constraint",
                          sensitivities=[], infeasible=bindings(problem, model, slacks),
                          notes=notes, solve_s=time.perf_counter() - t0, **common)
    tiers = tier_outcomes(problem, model, mip)
    hw = hardware_outcomes(problem, model, mip)
    prices = shadow_prices(problem, model, lp)
    more = integer_margin(problem_for(cfg, res, power_mw=cfg.power_mw + 1.0))
    step = more - mip.margin_usd_per_year
    prices.append(ShadowPrice(constraint="power (integer re-solve)", usd_per_year_per_unit=step,
                              unit="MW", text=f"re-solving with whole units at "
                                              f"{cfg.power_mw + 1:g} MW adds ${step:,.0f}/year"))
    gap, note = gap_note(problem, model, mip, lp)
    sens = sensitivities(cfg, res) if with_sensitivities else []
    return PlanResult(status="optimal", totals=totals(problem, tiers, hw), hardware=hw,
                      tiers=tiers, allocations=allocations(problem, model, mip),
                      shadow_prices=prices, lp_margin_usd_per_year=lp.margin_usd_per_year,
                      integrality_gap=gap, gap_note=note, sensitivities=sens, infeasible=[],
                      notes=notes, solve_s=time.perf_counter() - t0, **common)


__all__ = ["Resolved", "economics_for", "problem_for", "sensitivities", "solve_plan"]
