from __future__ import annotations

import math

import pytest

from tokenfab.cost.price import usd_per_mtok


@pytest.mark.parametrize(
    ("usd_per_hour", "tok_s", "expected"),
    [
        (3.6, 1000.0, 1.0),  # 3.6 $/h / (1000 tok/s * 3600 s/h) * 1e6 = $1.00 / 1M
        (2.0, 180.0, 2.0 / (180 * 3600) * 1e6),
        (0.0, 50.0, 0.0),
        (1.0, 0.0, None),
    ],
)
def test_usd_per_mtok(usd_per_hour: float, tok_s: float, expected: float | None) -> None:
    got = usd_per_mtok(usd_per_hour, tok_s)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize("bad_tok_s", [-1.0, math.nan, math.inf, 0.0])
def test_no_price_without_throughput(bad_tok_s: float) -> None:
    assert usd_per_mtok(1.0, bad_tok_s) is None
