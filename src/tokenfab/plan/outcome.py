"""A solved program as the plan's figures: fleet, tiers, shadow prices, gap, bindings. Pure.

tokens_per_year_t = Σ_{j∈t} x_j u_h thr_k ρ_t × 3600 × 8760
cost_usd_per_mtok_output_t = TCO_t / (tokens_per_year_t / 1e6)   (unsold tiers: the cheapest
                              eligible point's TCO per sold token)
tok_s_per_mw = Σ output tok/s (at full load) / facility MW used
nodes = ⌈accelerators / per node⌉, racks = ⌈accelerators / per rack⌉
"""

from __future__ import annotations

import math

from tokenfab.plan.economics import mtok_per_day, tokens_per_year, utility_mw
from tokenfab.plan.solver import HOURS_PER_YEAR, Model, Problem, Solution
from tokenfab.schemas.plan import (
    Allocation,
    Binding,
    HardwareOutcome,
    PlanTotals,
    ShadowPrice,
    TierOutcome,
)

GAP_TOLERANCE = 0.01
TINY = 1e-9


def allocations(problem: Problem, model: Model, sol: Solution) -> list[Allocation]:
    out: list[Allocation] = []
    for col, units in zip(model.columns, sol.units, strict=True):
        n = int(round(units)) * col.unit
        if n <= 0:
            continue
        thr = col.point.output_tok_s_per_gpu
        out.append(Allocation(
            tier=problem.tiers[col.tier].name, hardware=problem.economics[col.hw].hardware,
            accelerators=n, tok_s_per_user=col.point.tok_s_per_user,
            output_tok_s_per_gpu=thr, ttft_ms=col.point.ttft_ms, point_label=col.point.label,
            output_tok_s=n * thr, kw_it=n * col.kw_it_per_acc))
    return out


def _cheapest(model: Model, ti: int) -> float | None:
    costs = [c.cost_per_acc / (c.mtok_day_per_acc * 365.0) for c in model.columns
             if c.tier == ti and c.mtok_day_per_acc > 0]
    return min(costs) if costs else None


def tier_outcomes(problem: Problem, model: Model, sol: Solution) -> list[TierOutcome]:
    out: list[TierOutcome] = []
    for ti, tier in enumerate(problem.tiers):
        acc = 0
        tok_s = revenue = tco = kw = 0.0
        for col, units in zip(model.columns, sol.units, strict=True):
            if col.tier != ti or units <= 0:
                continue
            n = int(round(units)) * col.unit
            acc += n
            tok_s += n * col.point.output_tok_s_per_gpu
            revenue += n * col.revenue_per_acc
            tco += n * col.cost_per_acc
            kw += n * col.kw_it_per_acc
        tokens = tokens_per_year(tok_s, tier.utilization)
        cost = tco / (tokens / 1e6) if tokens > 0 else _cheapest(model, ti)
        reachable = ti not in model.unreachable
        if not reachable:
            note = "not served: " + model.unreachable[ti]
        elif acc == 0 and cost is not None and cost >= tier.usd_per_mtok_output:
            note = (f"not sold: its cheapest point costs ${cost:,.4g} per 1M output tokens, "
                    f"at or above its ${tier.usd_per_mtok_output:g} price")
        elif acc == 0:
            note = "not sold: other tiers earn more per MW"
        else:
            note = ""
        out.append(TierOutcome(
            tier=tier.name, usd_per_mtok_output=tier.usd_per_mtok_output,
            usd_per_mtok_input=tier.usd_per_mtok_input,
            min_tok_s_per_user=tier.min_tok_s_per_user, accelerators=acc, output_tok_s=tok_s,
            mtok_per_day=mtok_per_day(tok_s, tier.utilization), tokens_per_year=tokens,
            revenue_usd_per_year=revenue, tco_usd_per_year=tco,
            margin_usd_per_year=revenue - tco, cost_usd_per_mtok_output=cost,
            power_mw=utility_mw(kw, problem.pue), reachable=reachable, note=note))
    return out


def hardware_outcomes(problem: Problem, model: Model, sol: Solution) -> list[HardwareOutcome]:
    out: list[HardwareOutcome] = []
    for hi, econ in enumerate(problem.economics):
        n = sum(int(round(u)) * c.unit for c, u in zip(model.columns, sol.units, strict=True)
                if c.hw == hi)
        kw = n * econ.kw_it_per_accelerator
        out.append(HardwareOutcome(
            hardware=econ.hardware, accelerators=n,
            nodes=math.ceil(n / econ.accelerators_per_node),
            racks=math.ceil(n / econ.accelerators_per_rack), kw_it=kw,
            utility_mw=utility_mw(kw, problem.pue),
            tco_usd_per_year=n * econ.usd_per_hour_per_accelerator * HOURS_PER_YEAR,
            usd_per_hour_per_accelerator=econ.usd_per_hour_per_accelerator,
            kw_it_per_accelerator=econ.kw_it_per_accelerator))
    return out


def totals(problem: Problem, tiers: list[TierOutcome],
           hardware: list[HardwareOutcome]) -> PlanTotals:
    kw = sum(h.kw_it for h in hardware)
    mw = utility_mw(kw, problem.pue)
    tok_s = sum(t.output_tok_s for t in tiers)
    revenue = sum(t.revenue_usd_per_year for t in tiers)
    tco = sum(t.tco_usd_per_year for t in tiers)
    return PlanTotals(
        accelerators=sum(h.accelerators for h in hardware), racks=sum(h.racks for h in hardware),
        kw_it=kw, utility_mw=mw, budget_mw=problem.power_mw, output_tok_s=tok_s,
        tokens_per_year=sum(t.tokens_per_year for t in tiers),
        tok_s_per_mw=tok_s / mw if mw > 0 else 0.0, revenue_usd_per_year=revenue,
        tco_usd_per_year=tco, margin_usd_per_year=revenue - tco)


def shadow_prices(problem: Problem, model: Model, lp: Solution) -> list[ShadowPrice]:
    """Each row's LP dual as a sentence; the power row always, others when non-zero."""
    if lp.duals is None:
        return []
    out: list[ShadowPrice] = []
    basis = "utility" if problem.power_basis == "utility" else "critical IT"
    for row, dual in zip(model.rows, lp.duals, strict=True):
        value = float(dual)
        if row.kind != "power" and abs(value) < TINY:
            continue
        name = row.name.split(":", 1)[-1]
        if row.kind == "power":
            text = f"one more MW ({basis}) is worth ${value:,.0f}/year"
        elif row.kind == "cap":
            text = (f"the '{name}' tier's demand cap costs ${value:,.0f}/year per 1M "
                    "output tokens/day it holds back")
        elif row.kind == "share":
            text = f"the '{name}' tier's share cap costs ${value:,.0f}/year per 1M tokens/day"
        elif row.kind == "floor":
            text = (f"committing to the '{name}' tier's demand costs ${-value:,.0f}/year per "
                    "1M output tokens/day")
        else:
            text = f"one more {name} accelerator is worth ${value:,.0f}/year"
        out.append(ShadowPrice(constraint=row.name, usd_per_year_per_unit=value, unit=row.unit,
                               text=text))
    return out


def gap_note(problem: Problem, model: Model, mip: Solution, lp: Solution) -> tuple[
        float | None, str]:
    """(LP − integer)/|LP| and a sentence; above 1% it says why (whole units)."""
    if lp.status != "optimal" or mip.status != "optimal":
        return None, "no integer plan"
    if abs(lp.margin_usd_per_year) < TINY:
        return 0.0, "the LP relaxation earns nothing either: no tier earns more than it costs"
    gap = (lp.margin_usd_per_year - mip.margin_usd_per_year) / abs(lp.margin_usd_per_year)
    gap = max(gap, 0.0)
    if gap <= GAP_TOLERANCE:
        return gap, f"integer plan within {gap:.2%} of its LP relaxation"
    used = sum(u * c.unit for c, u in zip(model.columns, lp.units, strict=True))
    unit = problem.granularity
    factor = problem.pue if problem.power_basis == "utility" else 1.0
    per_unit_mw = max((c.unit * c.kw_it_per_acc * factor / 1000.0 for c in model.columns),
                      default=0.0)
    return gap, (f"integer plan is {gap:.1%} below its LP relaxation: the LP buys "
                 f"{used:,.2f} accelerators in fractional {unit}s, and a whole {unit} draws up "
                 f"to {per_unit_mw:,.4g} MW of the {problem.power_mw:g} MW budget; use a finer "
                 "--granularity or a larger budget")


def bindings(problem: Problem, model: Model, slacks: list[float]) -> list[Binding]:
    """Why no plan exists: each relaxed constraint and by how much."""
    out: list[Binding] = []
    for row, s in zip(model.rows, slacks, strict=True):
        if s <= 1e-7 * max(1.0, abs(float(model.b[model.rows.index(row)]))):
            continue
        name = row.name.split(":", 1)[-1]
        if row.kind == "power":
            text = (f"power binds: the committed demand needs {problem.power_mw + s:,.4g} MW, "
                    f"{s:,.4g} MW more than the {problem.power_mw:g} MW budget")
        elif row.kind == "avail":
            text = (f"{name} availability binds: {s:,.0f} more accelerators are needed than "
                    "max_accelerators allows")
        elif row.kind == "floor":
            ti = row.index
            why = model.unreachable.get(ti, "its SLOs and the other constraints leave no room")
            text = (f"tier '{name}' cannot serve its committed {-model.b[model.rows.index(row)]:g}"
                    f" Mtok/day (short by {s:,.4g}): {why}")
        elif row.kind == "share":
            text = f"tier '{name}''s max_share is exceeded by {s:,.4g} Mtok/day"
        else:
            text = f"tier '{name}''s demand cap is exceeded by {s:,.4g} Mtok/day"
        out.append(Binding(constraint=row.name, shortfall=s, unit=row.unit, text=text))
    if not out:
        out.append(Binding(constraint="integrality", shortfall=1.0, unit=problem.granularity,
                           text=f"whole {problem.granularity}s: the committed demand fits "
                                f"only with a fraction of a {problem.granularity}; use "
                                "--granularity accelerator or a larger budget"))
    return out


__all__ = ["allocations", "bindings", "gap_note", "hardware_outcomes", "shadow_prices",
           "tier_outcomes", "totals"]
