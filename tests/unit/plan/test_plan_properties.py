"""Properties: margin never falls as the budget grows; the power dual is the slope of the
margin (between the left and right finite differences of the LP, which is concave in power)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tokenfab.plan.assemble import Resolved, integer_margin, problem_for
from tokenfab.plan.solver import build, solve_lp
from tokenfab.schemas.plan import Frontier, FrontierPoint, HardwareSpec, PlanConfig, TierSpec

SPECS = (HardwareSpec(name="A", all_in_kw=1.2, usd_per_hour=2.0, energy_included=True),
         HardwareSpec(name="B", all_in_kw=1.8, usd_per_hour=5.0, energy_included=True,
                      max_accelerators=300))
FRONTS = (
    Frontier(hardware="A", kind="published", source="t", provenance="measured", points=tuple(
        FrontierPoint(tok_s_per_user=u, output_tok_s_per_gpu=g)
        for u, g in ((10, 3000), (40, 1500), (90, 600)))),
    Frontier(hardware="B", kind="published", source="t", provenance="measured", points=tuple(
        FrontierPoint(tok_s_per_user=u, output_tok_s_per_gpu=g)
        for u, g in ((20, 6000), (100, 2500), (400, 700)))),
)

tiers_st = st.lists(st.tuples(st.floats(0.0, 60.0), st.floats(0.0, 500.0),
                              st.one_of(st.none(), st.floats(1.0, 5000.0)),
                              st.floats(0.1, 1.0)), min_size=1, max_size=4)


def _resolved(raw: list[tuple[float, float, float | None, float]]) -> Resolved:
    tiers = tuple(TierSpec(name=f"t{i}", usd_per_mtok_output=p, min_tok_s_per_user=u,
                           max_mtok_per_day=cap, utilization=rho)
                  for i, (p, u, cap, rho) in enumerate(raw))
    return Resolved(tiers=tiers, frontiers=FRONTS, specs=SPECS)


@settings(max_examples=40, deadline=None)
@given(raw=tiers_st, mw=st.floats(0.01, 5.0), extra=st.floats(0.0, 3.0),
       granularity=st.sampled_from(["accelerator", "node", "rack"]))
def test_margin_never_decreases_when_the_budget_grows(
        raw: list[tuple[float, float, float | None, float]], mw: float, extra: float,
        granularity: str) -> None:
    res = _resolved(raw)
    cfg = PlanConfig.model_validate({"power_mw": mw, "hardware": SPECS, "tiers": res.tiers,
                                     "granularity": granularity})
    small = integer_margin(problem_for(cfg, res))
    large = integer_margin(problem_for(cfg, res, power_mw=mw + extra))
    assert large >= small - 1e-6 * max(1.0, abs(small))


def _lp(cfg: PlanConfig, res: Resolved, mw: float) -> tuple[float, float]:
    sol = solve_lp(build(problem_for(cfg, res, power_mw=mw)))
    assert sol.duals is not None
    return sol.margin_usd_per_year, float(sol.duals[0])


@settings(max_examples=40, deadline=None)
@given(raw=tiers_st, mw=st.floats(0.05, 5.0))
def test_power_shadow_price_matches_the_finite_difference(
        raw: list[tuple[float, float, float | None, float]], mw: float) -> None:
    res = _resolved(raw)
    cfg = PlanConfig.model_validate({"power_mw": mw, "hardware": SPECS, "tiers": res.tiers})
    h = 1e-4 * mw
    base, dual = _lp(cfg, res, mw)
    left = (base - _lp(cfg, res, mw - h)[0]) / h
    right = (_lp(cfg, res, mw + h)[0] - base) / h
    tol = 1e-6 * max(1.0, abs(left), abs(right), abs(dual))
    assert right - tol <= dual <= left + tol
    if abs(left - right) <= tol:  # away from a breakpoint the slope is unique
        assert abs(dual - left) <= 1e-5 * max(1.0, abs(left))
