"""Arrival processes: means, burstiness and offsets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tokenfab.errors import ConfigError
from tokenfab.workload import arrival_offsets_s, interarrival_s


@pytest.mark.parametrize(
    ("kind", "rate_per_s", "shape", "cv"),
    [
        ("poisson", 4.0, 1.0, 1.0),
        ("gamma", 4.0, 1.0, 1.0),
        ("gamma", 10.0, 0.25, 2.0),  # cv = 1/sqrt(0.25)
        ("gamma", 0.5, 4.0, 0.5),  # cv = 1/sqrt(4)
        ("constant", 2.0, 1.0, 0.0),
    ],
)
def test_mean_gap_is_one_over_rate_and_cv_matches(
    kind: str, rate_per_s: float, shape: float, cv: float
) -> None:
    gaps = interarrival_s(kind, rate_per_s, 100_000, np.random.default_rng(0), shape)  # type: ignore[arg-type]
    assert gaps.shape == (100_000,)
    assert abs(gaps.mean() - 1 / rate_per_s) * rate_per_s < 0.02
    assert abs(gaps.std() / gaps.mean() - cv) < 0.05
    assert (gaps >= 0).all()


def test_constant_gaps_are_exact() -> None:
    gaps = interarrival_s("constant", 4.0, 3, np.random.default_rng(0))
    assert gaps.tolist() == [0.25, 0.25, 0.25]


def test_offsets_start_at_zero_and_accumulate() -> None:
    offsets = arrival_offsets_s("constant", 2.0, 4, np.random.default_rng(0))
    assert offsets.tolist() == [0.0, 0.5, 1.0, 1.5]


def test_offsets_are_cumulative_gaps_from_the_same_rng_state() -> None:
    gaps = interarrival_s("gamma", 3.0, 6, np.random.default_rng(9), 0.5)
    offsets = arrival_offsets_s("gamma", 3.0, 6, np.random.default_rng(9), 0.5)
    assert offsets[0] == 0.0
    assert np.allclose(offsets[1:], np.cumsum(gaps)[:-1])
    assert (np.diff(offsets) >= 0).all()


def test_zero_requests_give_empty_arrays() -> None:
    rng = np.random.default_rng(0)
    assert interarrival_s("poisson", 1.0, 0, rng).size == 0
    assert arrival_offsets_s("poisson", 1.0, 0, rng).size == 0


@pytest.mark.parametrize("rate", [0.0, -1.0, math.nan, math.inf])
def test_bad_rate_is_a_config_error(rate: float) -> None:
    with pytest.raises(ConfigError, match="req/s"):
        interarrival_s("poisson", rate, 3, np.random.default_rng(0))


@pytest.mark.parametrize("shape", [0.0, -2.0, math.nan])
def test_bad_gamma_shape_is_a_config_error(shape: float) -> None:
    with pytest.raises(ConfigError, match="gamma shape"):
        interarrival_s("gamma", 1.0, 3, np.random.default_rng(0), shape)


def test_unknown_process_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="poisson, gamma or constant"):
        interarrival_s("uniform", 1.0, 3, np.random.default_rng(0))  # type: ignore[arg-type]
