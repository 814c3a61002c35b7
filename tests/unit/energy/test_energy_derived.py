"""Derived energy figures, hand-computed."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from tokenfab.energy import (
    j_per_token,
    modelled_energy_j,
    tok_s_per_kw,
    tokens_per_kwh,
    tokens_per_mwh,
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
        (modelled_energy_j, (50.0, 250.0, 0.75, 2.0), 400.0),
        (modelled_energy_j, (50.0, 250.0, 0.0, 10.0), 500.0),
    ],
)
def test_derived(
    fn: Callable[..., float | None], args: tuple[float, ...], expected: float | None
) -> None:
    got = fn(*args)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("fn", "args", "message"),
    [
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
