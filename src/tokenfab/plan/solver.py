"""The plan as a mixed-integer program, solved by HiGHS (scipy ``milp`` / ``linprog``). Pure.

Variables: x[j] ≥ 0, whole units (accelerators, nodes or racks) of hardware h serving tier t
at frontier point k, for every (t, h, k) where point k meets t's interactivity and TTFT SLOs.
With u_h accelerators per unit, thr_k output tok/s per accelerator and ρ_t the tier's
utilization (share of capacity sold):

maximise  Σ_j x_j u_h [thr_k ρ_t × 3600 × 8760 / 1e6 × (p_out,t + p_in,t × isl_t/osl_t)
                        − usd_per_hour_h × 8760]                       (margin, $/year)
subject to
  power      Σ_j x_j u_h kw_h × f / 1000 ≤ power_mw      (f = PUE on a utility budget, else 1)
  cap_t      Σ_{j∈t} x_j u_h thr_k ρ_t × 86400 / 1e6 ≤ max_mtok_per_day_t
  share_t    T_t − s_t Σ_t' T_t' ≤ 0                     (T: Mtok/day sold, s: max_share)
  floor_t    −T_t ≤ −min_mtok_per_day_t                  (committed demand)
  avail_h    Σ_{j∈h} x_j u_h ≤ max_accelerators_h

The LP relaxation (x real) gives the shadow prices: the dual of each row is d(margin)/d(rhs),
so the power row's dual is "one more MW is worth $X/year". An infeasible plan is diagnosed by
the elastic LP  min Σ_r w_r s_r  s.t. A x − s ≤ b, whose non-zero slacks say which
constraint binds and by how much (committed demand is relaxed last: w = 1e6).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import (  # type: ignore[import-untyped,unused-ignore]
    Bounds,
    LinearConstraint,
    linprog,
    milp,
)

from tokenfab.plan.economics import S_PER_DAY, S_PER_HOUR
from tokenfab.schemas.plan import (
    Frontier,
    FrontierPoint,
    Granularity,
    HardwareEconomics,
    PowerBasis,
    TierSpec,
)

HOURS_PER_YEAR = 8760.0
MIP_REL_GAP = 1e-6
TIME_LIMIT_S = 30.0
FloatArr = NDArray[np.float64]


@dataclass(frozen=True)
class Problem:
    """Resolved inputs: tiers carry their final utilization; one economics per hardware."""

    power_mw: float
    power_basis: PowerBasis
    pue: float
    granularity: Granularity
    tiers: tuple[TierSpec, ...]
    economics: tuple[HardwareEconomics, ...]
    frontiers: tuple[Frontier, ...]


@dataclass(frozen=True)
class Column:
    tier: int
    hw: int
    point: FrontierPoint
    unit: int                  # accelerators per integer unit
    margin_per_acc: float      # $/year
    revenue_per_acc: float     # $/year
    cost_per_acc: float        # $/year
    mtok_day_per_acc: float    # sold output Mtok/day
    kw_it_per_acc: float


@dataclass(frozen=True)
class Row:
    name: str
    kind: str                  # power, cap, share, floor, avail
    index: int                 # tier or hardware index (-1 for power)
    unit: str


@dataclass
class Solution:
    status: str                # optimal, infeasible
    units: FloatArr
    margin_usd_per_year: float
    duals: FloatArr | None = None
    slacks: FloatArr | None = None
    seconds: float = 0.0


@dataclass
class Model:
    columns: list[Column]
    rows: list[Row]
    a: FloatArr
    b: FloatArr
    c: FloatArr               # −margin per unit (minimised)
    unreachable: dict[int, str] = field(default_factory=dict)


def frontier_for(problem: Problem, hw: str, tier: TierSpec) -> Frontier | None:
    """The hardware's frontier at the tier's shape, else its first frontier."""
    mine = [f for f in problem.frontiers if f.hardware.lower() == hw.lower()]
    same = [f for f in mine if (f.isl, f.osl) == (tier.isl, tier.osl)]
    found = same or mine
    return found[0] if found else None


def unit_size(econ: HardwareEconomics, granularity: Granularity) -> int:
    return {"accelerator": 1, "node": econ.accelerators_per_node,
            "rack": econ.accelerators_per_rack}[granularity]


def eligible(point: FrontierPoint, tier: TierSpec) -> bool:
    """The point meets the tier: tok/s/user ≥ minimum and TTFT ≤ SLO (a point without TTFT
    never meets a TTFT SLO)."""
    if point.tok_s_per_user < tier.min_tok_s_per_user:
        return False
    if tier.max_ttft_ms is None:
        return True
    return point.ttft_ms is not None and point.ttft_ms <= tier.max_ttft_ms


def _unreachable_text(problem: Problem, tier: TierSpec) -> str:
    best = [(p.tok_s_per_user, f.hardware) for f in problem.frontiers for p in f.points]
    if not best:
        return "no frontier has any point"
    fastest, hw = max(best)
    need = f"≥ {tier.min_tok_s_per_user:g} tok/s/user"
    if tier.max_ttft_ms is not None:
        need += f" and TTFT ≤ {tier.max_ttft_ms:g} ms"
    return f"needs {need}; the fastest frontier point reaches {fastest:,.1f} tok/s/user ({hw})"


def build(problem: Problem) -> Model:
    """The columns and rows of the program (see the module docstring)."""
    cols: list[Column] = []
    unreachable: dict[int, str] = {}
    for ti, tier in enumerate(problem.tiers):
        usd_per_mtok = tier.usd_per_mtok_output + tier.usd_per_mtok_input * tier.isl / tier.osl
        for hi, econ in enumerate(problem.economics):
            front = frontier_for(problem, econ.hardware, tier)
            if front is None:
                continue
            cost = econ.usd_per_hour_per_accelerator * HOURS_PER_YEAR
            for point in front.points:
                if not eligible(point, tier):
                    continue
                sold = point.output_tok_s_per_gpu * tier.utilization
                revenue = sold * S_PER_HOUR * HOURS_PER_YEAR / 1e6 * usd_per_mtok
                cols.append(Column(ti, hi, point, unit_size(econ, problem.granularity),
                                   revenue - cost, revenue, cost, sold * S_PER_DAY / 1e6,
                                   econ.kw_it_per_accelerator))
        if not any(c.tier == ti for c in cols):
            unreachable[ti] = _unreachable_text(problem, tier)
    factor = problem.pue if problem.power_basis == "utility" else 1.0
    rows: list[Row] = [Row("power", "power", -1, "MW")]
    coef: list[list[float]] = [[c.unit * c.kw_it_per_acc * factor / 1000.0 for c in cols]]
    rhs: list[float] = [problem.power_mw]
    for ti, tier in enumerate(problem.tiers):
        sold_row = [c.unit * c.mtok_day_per_acc if c.tier == ti else 0.0 for c in cols]
        if tier.max_mtok_per_day is not None:
            rows.append(Row(f"cap:{tier.name}", "cap", ti, "Mtok/day"))
            coef.append(sold_row)
            rhs.append(tier.max_mtok_per_day)
        if tier.max_share is not None:
            cap_share = tier.max_share
            rows.append(Row(f"share:{tier.name}", "share", ti, "Mtok/day"))
            coef.append([c.unit * c.mtok_day_per_acc * ((c.tier == ti) - cap_share)
                         for c in cols])
            rhs.append(0.0)
        if tier.min_mtok_per_day > 0:
            rows.append(Row(f"floor:{tier.name}", "floor", ti, "Mtok/day"))
            coef.append([-s for s in sold_row])
            rhs.append(-tier.min_mtok_per_day)
    for hi, econ in enumerate(problem.economics):
        if econ.max_accelerators is not None:
            rows.append(Row(f"avail:{econ.hardware}", "avail", hi, "accelerators"))
            coef.append([float(c.unit) if c.hw == hi else 0.0 for c in cols])
            rhs.append(float(econ.max_accelerators))
    a = np.array(coef, dtype=np.float64).reshape(len(rows), len(cols))
    c = np.array([-c.unit * c.margin_per_acc for c in cols], dtype=np.float64)
    return Model(cols, rows, a, np.array(rhs, dtype=np.float64), c, unreachable)


def _scaled(model: Model) -> tuple[FloatArr, FloatArr, FloatArr, float, FloatArr]:
    """(c/σ, A/ρ, b/ρ, σ, ρ): the objective over its largest entry and each row over its
    largest coefficient, so HiGHS sees numbers near 1 ($1e9/year beside MW per GPU of 1e-3)."""
    sigma = float(np.max(np.abs(model.c))) if model.c.size else 1.0
    sigma = sigma if sigma > 0 else 1.0
    rho = np.max(np.abs(model.a), axis=1) if model.a.size else np.ones(len(model.rows))
    rho = np.where(rho > 0, rho, 1.0).astype(np.float64)
    return model.c / sigma, model.a / rho[:, None], model.b / rho, sigma, rho


def solve_lp(model: Model) -> Solution:
    """LP relaxation with duals d(margin)/d(rhs) per row (dual simplex, interior point if the
    simplex gives up)."""
    t0 = time.perf_counter()
    n = len(model.columns)
    if n == 0:
        ok = bool(np.all(model.b >= -1e-12))
        return Solution("optimal" if ok else "infeasible", np.zeros(0, dtype=np.float64), 0.0,
                        np.zeros(len(model.rows), dtype=np.float64), None,
                        time.perf_counter() - t0)
    c, a, b, sigma, rho = _scaled(model)
    for method in ("highs", "highs-ipm"):
        res = linprog(c, A_ub=a, b_ub=b, bounds=(0, None), method=method)
        if res.status in (0, 2):
            break
    dt = time.perf_counter() - t0
    if res.status == 2:
        return Solution("infeasible", np.zeros(n, dtype=np.float64), math.nan, None, None, dt)
    if res.status != 0:
        raise RuntimeError(f"HiGHS stopped: {res.message}")
    duals: FloatArr = -np.asarray(res.ineqlin.marginals, dtype=np.float64) * sigma / rho
    return Solution("optimal", np.asarray(res.x, dtype=np.float64), float(-res.fun) * sigma,
                    duals, None, dt)


def solve_milp(model: Model) -> Solution:
    """Whole units (HiGHS branch and bound, relative gap 1e-6)."""
    t0 = time.perf_counter()
    n = len(model.columns)
    if n == 0:
        ok = bool(np.all(model.b >= -1e-12))
        return Solution("optimal" if ok else "infeasible", np.zeros(0, dtype=np.float64), 0.0,
                        None, None,
                        time.perf_counter() - t0)
    c, a, b, sigma, _ = _scaled(model)
    cons = [LinearConstraint(a, -np.inf, b)] if len(model.rows) else []
    res = milp(c, integrality=np.ones(n), bounds=Bounds(0, np.inf), constraints=cons,
               options={"mip_rel_gap": MIP_REL_GAP, "time_limit": TIME_LIMIT_S})
    dt = time.perf_counter() - t0
    if res.status == 2 or res.x is None:
        return Solution("infeasible", np.zeros(n), math.nan, None, None, dt)
    units: FloatArr = np.round(np.asarray(res.x, dtype=np.float64)).astype(np.float64)
    return Solution("optimal", units, float(-(model.c @ units)), None, None, dt)


FLOOR_WEIGHT = 1e6


def elastic(model: Model) -> FloatArr:
    """Slack per row of the elastic LP: how far each constraint must give for a plan to
    exist (committed demand gives last)."""
    n, m = len(model.columns), len(model.rows)
    _, a_s, b_s, _, rho = _scaled(model)
    weights = np.array([(FLOOR_WEIGHT if r.kind == "floor" else 1.0) / max(abs(b), 1.0)
                        for r, b in zip(model.rows, b_s, strict=True)])
    c = np.concatenate([np.zeros(n), weights])
    a = np.hstack([a_s, -np.eye(m)]) if n else -np.eye(m)
    res = linprog(c, A_ub=a, b_ub=b_s, bounds=(0, None), method="highs")
    if res.status != 0:
        res = linprog(c, A_ub=a, b_ub=b_s, bounds=(0, None), method="highs-ipm")
    if res.status != 0:
        raise RuntimeError(f"HiGHS stopped on the elastic program: {res.message}")
    slack: FloatArr = np.asarray(res.x[n:], dtype=np.float64) * rho
    return slack


__all__ = ["Column", "Model", "Problem", "Row", "Solution", "build", "elastic", "eligible",
           "frontier_for", "solve_lp", "solve_milp", "unit_size"]
