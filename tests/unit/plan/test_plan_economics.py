"""Per-accelerator economics through the cost door, and the owned-hardware path."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line

from tokenfab.cost.tco import crf
from tokenfab.plan.assemble import Resolved, solve_plan
from tokenfab.plan.economics import hardware_economics, it_budget_kw, utility_mw
from tokenfab.schemas.plan import Frontier, FrontierPoint, HardwareSpec, PlanConfig, TierSpec


def test_owned_h100_costs_its_capital_and_its_energy() -> None:
    econ = hardware_economics(HardwareSpec(name="H100", ownership="own"), pue=1.3,
                              usd_per_kwh=0.08)
    capital = 35_000 * crf(0.08, 4) / 8760  # catalog list price, 4 years at 8%
    energy = 1.275 * 1.3 * 0.08            # DGX H100 all-in kW × PUE × $/kWh
    assert econ.usd_per_hour_per_accelerator == pytest.approx(capital + energy, rel=1e-12)
    assert econ.breakdown_usd_per_hour["energy"] == pytest.approx(energy, rel=1e-12)
    assert econ.kw_it_per_accelerator == 1.275 and econ.kw_provenance == "assumed"
    assert "DGX H100" in econ.kw_source


def test_rented_catalog_price_includes_power() -> None:
    econ = hardware_economics(HardwareSpec(name="h100", rental_tier="reserved_1y"), pue=1.2,
                              usd_per_kwh=0.2)
    assert econ.hardware == "H100"
    assert econ.usd_per_hour_per_accelerator == 2.1
    assert "reserved_1y" in econ.price_source


def test_budget_arithmetic() -> None:
    assert it_budget_kw(12.0, "utility", 1.2) == pytest.approx(10_000.0)
    assert it_budget_kw(12.0, "critical_it", 1.2) == 12_000.0
    assert utility_mw(10_000.0, 1.2) == pytest.approx(12.0)


def test_electricity_moves_the_margin_of_an_owned_fleet() -> None:
    spec = HardwareSpec(name="H100", ownership="own")
    front = Frontier(hardware="H100", kind="published", source="t", provenance="measured",
                     points=(FrontierPoint(tok_s_per_user=90.0, output_tok_s_per_gpu=1400.0),))
    tiers = (TierSpec(name="t", usd_per_mtok_output=3.0),)
    cfg = PlanConfig(power_mw=10, hardware=(spec,), tiers=tiers)
    result = solve_plan(cfg, Resolved(tiers=tiers, frontiers=(front,), specs=(spec,)))
    (elec,) = [s for s in result.sensitivities if s.parameter == "usd_per_kwh"]
    n = result.totals.accelerators
    # margin falls by the extra energy: n × kW × PUE × Δ$/kWh × 8760
    expected = n * 1.275 * 1.2 * (elec.high - elec.low) * 8760
    assert elec.margin_low_usd_per_year - elec.margin_high_usd_per_year == pytest.approx(
        expected, rel=1e-9)
    assert not any("includes its power" in note for note in result.notes)


def test_owning_hardware_without_a_list_price_is_one_line(
        isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("c.csv").write_text("tok_s_per_user,output_tok_s_per_gpu\n50,900\n")
    fails_in_one_line(["plan", "--power-mw", "1", "--hardware", "H200", "--ownership", "own",
                       "--frontier", "H200=c.csv"], capsys, ["H200", "capex_usd"])
    fails_in_one_line(["plan", "--power-mw", "1", "--hardware", "H100", "--rental-tier",
                       "spot", "--frontier", "H100=c.csv"], capsys, ["spot", "reserved_1y"])
