"""The plan reproduces published arithmetic exactly and says where the world differs."""

from __future__ import annotations

import pytest

from tokenfab.plan.checks import world_checks


def _by_name() -> dict[str, object]:
    return {c.name: c for c in world_checks(pue=1.2)}


def test_inferencex_fleet_planner_is_reproduced_exactly() -> None:
    checks = _by_name()
    per_gw = checks["InferenceX: H100 per GW"]
    assert per_gw.exact and per_gw.computed == pytest.approx(784_313.7254901961, rel=1e-15)
    hours = checks["InferenceX: H100 GPU-hours per GW-year"]
    assert hours.exact and hours.computed == pytest.approx(6_870_588_235.294118, rel=1e-15)


def test_inferencex_price_formula_on_a_published_point_through_door_and_solver() -> None:
    checks = _by_name()
    # $3.00/GPU-hour (catalog H100 neocloud) × 1e6 ÷ (1,400.35 tok/s/GPU × 3,600)
    expected = 3.0 * 1e6 / (1400.35 * 3600)
    for name in ("InferenceX: $/1M on a published point", "InferenceX: $/1M from the plan solver"):
        assert checks[name].exact
        assert checks[name].computed == pytest.approx(expected, rel=1e-12)
        assert round(checks[name].computed, 4) == 0.5951


def test_ten_thousand_h100_is_half_the_seed_s_30_mw_at_catalog_power() -> None:
    check = _by_name()["10,000 H100 ≈ 30 MW"]
    assert check.computed == pytest.approx(10_000 * 1.275 * 1.2 / 1000)  # 15.3 MW
    assert not check.exact
    assert "3.0 kW of facility power per GPU" in check.text


def test_the_seed_chatbot_example() -> None:
    checks = _by_name()
    assert checks["chatbot at $0.45 per 1M"].computed == pytest.approx(4.50, rel=1e-12)
    assert checks["chatbot at $0.32 per 1M"].computed == pytest.approx(3.20, rel=1e-12)
    saving = checks["chatbot saving per year"]
    assert saving.exact and saving.computed == pytest.approx(474.50, rel=1e-12)
