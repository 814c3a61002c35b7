"""Derived energy figures, hand-computed."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from tokenfab.energy import (
    energy_usd,
    j_per_token,
    modelled_energy_j,
    tok_s_per_kw,
    tokens_per_kwh,
    tokens_per_mwh,
    usd_per_hour_from_power,
)


@pytest.mark.parametrize(
    ("fn", "args", "expected"),
    [
        (j_per_token, (500.0, 1000), 0.5),
        (j_per_token, (500.0, 0), None),
        (tokens_per_kwh, (3.6e6, 1000), 1000.0),  # 3.6e6 J = 1 kWh
        (tokens_per_kwh, (1.8e6, 1000), 2000.0),
        (tokens_per_kwh, (0.0, 1000), None),
        (tokens_per_mwh, (3.6e6, 1000), 1_000_000.0),  # 1 kWh = 1e-3 MWh
        (tokens_per_mwh, (3.6e9, 7), 7.0),
        (tok_s_per_kw, (1500.0, 750.0), 2000.0),  # 1500 tok/s at 0.75 kW
        (tok_s_per_kw, (1500.0, 0.0), None),
        (energy_usd, (3.6e6, 1.2, 0.10), 0.12),  # 1 kWh × 1.2 × $0.10
        (energy_usd, (7.2e6, 1.0, 0.25), 0.50),
        (energy_usd, (0.0, 1.5, 0.10), 0.0),
        (usd_per_hour_from_power, (700.0, 1.0, 0.10), 0.07),
        (usd_per_hour_from_power, (10_000.0, 1.3, 0.08), 1.04),
        (modelled_energy_j, (50.0, 250.0, 0.75, 2.0), 400.0),
        (modelled_energy_j, (50.0, 250.0, 0.0, 10.0), 500.0),
    ],
)
def test_derived(
    fn: Callable[..., float | None], args: tuple[float, ...], expected: float | None
) -> None:
    got = fn(*args)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_hour_of_power_costs_the_same_both_ways() -> None:
    power_w, pue, price = 850.0, 1.4, 0.12
    assert energy_usd(power_w * 3600, pue, price) == pytest.approx(
        usd_per_hour_from_power(power_w, pue, price)
    )


@pytest.mark.parametrize(
    ("fn", "args", "message"),
    [
        (energy_usd, (1.0, 0.9, 0.1), "pue must be a finite number >= 1"),
        (energy_usd, (1.0, math.nan, 0.1), "pue"),
        (energy_usd, (-1.0, 1.2, 0.1), "energy_j must be a finite, non-negative"),
        (energy_usd, (1.0, 1.2, math.inf), "usd_per_kwh"),
        (usd_per_hour_from_power, (-5.0, 1.2, 0.1), "power_w"),
        (j_per_token, (math.nan, 10), "energy_j"),
        (tokens_per_kwh, (1.0, -3), "tokens"),
        (tok_s_per_kw, (-1.0, 100.0), "tok_s"),
        (modelled_energy_j, (100.0, 50.0, 0.5, 1.0), "busy_w"),
        (modelled_energy_j, (10.0, 50.0, 1.5, 1.0), "utilization"),
    ],
)
def test_bad_inputs(fn: Callable[..., object], args: tuple[float, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fn(*args)
