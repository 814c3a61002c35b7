"""Hand-computed plans: the solver's answer equals the closed form."""

from __future__ import annotations

import math

import pytest

from tokenfab.plan.assemble import Resolved, solve_plan
from tokenfab.schemas.plan import Frontier, FrontierPoint, HardwareSpec, PlanConfig, TierSpec

HOURS = 8760.0


def curve(hw: str, *points: tuple[float, float], ttft_ms: float | None = None) -> Frontier:
    return Frontier(hardware=hw, kind="published", source="hand", provenance="measured",
                    points=tuple(FrontierPoint(tok_s_per_user=u, output_tok_s_per_gpu=g,
                                               ttft_ms=ttft_ms) for u, g in points))


def hw(name: str = "X", kw: float = 1.0, usd_h: float = 2.0, **kw_args: object) -> HardwareSpec:
    return HardwareSpec.model_validate({"name": "local", "all_in_kw": kw, "usd_per_hour": usd_h,
                                        "energy_included": True, "gpus_per_node": 8,
                                        "nodes_per_rack": 4, **kw_args}) if name == "local" \
        else HardwareSpec.model_validate({"name": name, "all_in_kw": kw, "usd_per_hour": usd_h,
                                          "energy_included": True, **kw_args})


def solve(power_mw: float, tiers: tuple[TierSpec, ...], specs: tuple[HardwareSpec, ...],
          fronts: tuple[Frontier, ...], **cfg: object) -> object:
    config = PlanConfig.model_validate({"power_mw": power_mw, "hardware": specs,
                                        "tiers": tiers, **cfg})
    return solve_plan(config, Resolved(tiers=tiers, frontiers=fronts, specs=specs),
                      with_sensitivities=False)


ONE_TIER = (TierSpec(name="t", usd_per_mtok_output=2.0, min_tok_s_per_user=20.0,
                     utilization=0.5),)


def test_one_tier_one_hardware_equals_closed_form() -> None:
    # local: 1 kW IT each, $2/h, 1000 tok/s/GPU at 30 tok/s/user; 1 MW utility at PUE 1.25
    spec = hw("local", kw=1.0, usd_h=2.0)
    result = solve(1.0, ONE_TIER, (spec,), (curve("local", (30.0, 1000.0), (10.0, 3000.0)),),
                   pue=1.25)
    n = math.floor(1.0 * 1000 / 1.25 / 1.0)  # 800 accelerators
    tokens = 1000.0 * 0.5 * 3600 * HOURS * n
    revenue = tokens / 1e6 * 2.0
    tco = n * 2.0 * HOURS
    assert result.status == "optimal"
    assert result.totals.accelerators == n == 800
    assert result.totals.tokens_per_year == pytest.approx(tokens, rel=1e-12)
    assert result.totals.revenue_usd_per_year == pytest.approx(revenue, rel=1e-12)
    assert result.totals.margin_usd_per_year == pytest.approx(revenue - tco, rel=1e-12)
    assert result.totals.utility_mw == pytest.approx(1.0)
    assert result.totals.racks == 25  # 800 / (8 × 4)
    tier = result.tiers[0]
    # the 10 tok/s/user point is faster per GPU but too slow per user for the tier
    assert result.allocations[0].tok_s_per_user == 30.0
    assert tier.cost_usd_per_mtok_output == pytest.approx(2.0 / (1000 * 0.5 * 3600) * 1e6)
    # power binds: its dual is the margin of one accelerator per MW it draws
    per_acc = 1000 * 0.5 * 3600 * HOURS / 1e6 * 2.0 - 2.0 * HOURS
    power = next(s for s in result.shadow_prices if s.constraint == "power")
    assert power.usd_per_year_per_unit == pytest.approx(per_acc / (1.0 * 1.25 / 1000), rel=1e-9)
    assert result.integrality_gap == pytest.approx(0.0, abs=1e-12)


def test_critical_it_budget_ignores_pue_for_the_count() -> None:
    spec = hw("local", kw=2.0)
    result = solve(1.0, ONE_TIER, (spec,), (curve("local", (30.0, 1000.0)),),
                   pue=1.5, power_basis="critical_it")
    assert result.totals.accelerators == 500
    assert result.totals.utility_mw == pytest.approx(1.5)


def test_demand_cap_binds_and_has_a_price() -> None:
    tier = TierSpec(name="capped", usd_per_mtok_output=2.0, min_tok_s_per_user=20.0,
                    utilization=0.5, max_mtok_per_day=1000.0)
    spec = hw("local", kw=1.0, usd_h=2.0)
    result = solve(10.0, (tier,), (spec,), (curve("local", (30.0, 1000.0)),), pue=1.0)
    per_acc_mtok_day = 1000 * 0.5 * 86400 / 1e6  # 43.2
    assert result.totals.accelerators == math.floor(1000.0 / per_acc_mtok_day) == 23
    cap = next(s for s in result.shadow_prices if s.constraint == "cap:capped")
    per_acc = 1000 * 0.5 * 3600 * HOURS / 1e6 * 2.0 - 2.0 * HOURS
    assert cap.usd_per_year_per_unit == pytest.approx(per_acc / per_acc_mtok_day, rel=1e-9)
    assert "demand cap costs" in cap.text
    power = next(s for s in result.shadow_prices if s.constraint == "power")
    assert power.usd_per_year_per_unit == pytest.approx(0.0, abs=1e-6)


def test_a_tier_priced_below_cost_gets_nothing() -> None:
    tier = TierSpec(name="cheap", usd_per_mtok_output=0.5, utilization=0.5)
    result = solve(1.0, (tier,), (hw("local"),), (curve("local", (30.0, 1000.0)),))
    # cost: $2/h ÷ (500 sold tok/s × 3600) × 1e6 = $1.11 per 1M > $0.50
    assert result.totals.accelerators == 0
    assert result.totals.margin_usd_per_year == 0.0
    assert "not sold" in result.tiers[0].note and "$1.111" in result.tiers[0].note


def test_mixed_fleet_serves_each_tier_on_its_best_hardware() -> None:
    slow = TierSpec(name="bulk", usd_per_mtok_output=1.0, utilization=1.0,
                    max_mtok_per_day=864.0)
    fast = TierSpec(name="ultra", usd_per_mtok_output=50.0, min_tok_s_per_user=300.0,
                    utilization=1.0, max_mtok_per_day=86.4)
    specs = (hw("A", kw=1.0, usd_h=1.0), hw("B", kw=1.0, usd_h=4.0))
    fronts = (curve("A", (20.0, 1000.0)), curve("B", (400.0, 500.0), (50.0, 2000.0)))
    result = solve(100.0, (slow, fast), specs, fronts, pue=1.0)
    by = {(a.tier, a.hardware): a.accelerators for a in result.allocations}
    # bulk: 864 Mtok/day = 10,000 tok/s -> 10 A at $1/h (cheaper per token than B's 5 at $4/h);
    # ultra: only B reaches 300 tok/s/user: 86.4 Mtok/day = 1000 tok/s -> 2 B
    assert by == {("bulk", "A"): 10, ("ultra", "B"): 2}


def test_rack_granularity_rounds_to_whole_racks_and_explains_the_gap() -> None:
    spec = hw("local", kw=1.0, usd_h=2.0)
    result = solve(0.05, ONE_TIER, (spec,), (curve("local", (30.0, 1000.0)),), pue=1.0,
                   granularity="rack")
    # 50 kW holds 50 accelerators = 1.56 racks of 32: one whole rack
    assert result.totals.accelerators == 32
    assert result.integrality_gap == pytest.approx(1 - 32 / 50, rel=1e-9)
    assert "below its LP relaxation" in result.gap_note and "rack" in result.gap_note


def test_ttft_slo_excludes_points_without_or_above_it() -> None:
    tier = TierSpec(name="t", usd_per_mtok_output=5.0, max_ttft_ms=100.0)
    result = solve(1.0, (tier,), (hw("local"),), (curve("local", (30.0, 1000.0), ttft_ms=250.0),))
    assert result.totals.accelerators == 0
    assert "TTFT ≤ 100 ms" in result.tiers[0].note


def test_committed_demand_beyond_the_budget_is_infeasible_by_a_stated_amount() -> None:
    tier = TierSpec(name="contract", usd_per_mtok_output=2.0, utilization=1.0,
                    min_mtok_per_day=8640.0)
    result = solve(0.05, (tier,), (hw("local", kw=1.0),), (curve("local", (30.0, 1000.0)),),
                   pue=1.0)
    # 8640 Mtok/day = 100,000 tok/s = 100 accelerators = 0.1 MW; budget 0.05 MW
    assert result.status == "infeasible"
    (binding,) = result.infeasible
    assert binding.constraint == "power"
    assert binding.shortfall == pytest.approx(0.05, rel=1e-9)
    assert "0.1 MW" in binding.text and "0.05 MW more" in binding.text


def test_committed_demand_on_an_unreachable_tier_names_the_fastest_point() -> None:
    tier = TierSpec(name="ultra", usd_per_mtok_output=150.0, min_tok_s_per_user=400.0,
                    min_mtok_per_day=1.0)
    result = solve(1.0, (tier,), (hw("local"),), (curve("local", (54.0, 94.0)),))
    assert result.status == "infeasible"
    assert "ultra" in result.infeasible[0].text
    assert "54.0 tok/s/user" in result.infeasible[0].text


def test_share_cap_holds_a_tier_to_its_share_of_tokens() -> None:
    cheap = TierSpec(name="cheap", usd_per_mtok_output=2.0, utilization=1.0)
    dear = TierSpec(name="dear", usd_per_mtok_output=8.0, utilization=1.0, max_share=0.25)
    spec = hw("local", kw=1.0, usd_h=1.0)
    result = solve(1.0, (cheap, dear), (spec,), (curve("local", (30.0, 1000.0)),), pue=1.0)
    by = {t.tier: t for t in result.tiers}
    # 1000 accelerators; 'dear' earns more per MW but may sell at most 25% of the tokens
    assert by["dear"].accelerators == 250 and by["cheap"].accelerators == 750
    assert by["dear"].mtok_per_day == pytest.approx(0.25 * (by["dear"].mtok_per_day
                                                            + by["cheap"].mtok_per_day))
    share = next(s for s in result.shadow_prices if s.constraint == "share:dear")
    assert share.usd_per_year_per_unit > 0


def test_the_database_url_is_not_written_out() -> None:
    cfg = PlanConfig(power_mw=1, db_url="postgresql://u:secret@h/db")
    assert "secret" not in cfg.model_dump_json()
