"""SimConfig / Dist: validation at the boundary and the delay distributions' units."""

from __future__ import annotations

import random
import statistics

import pytest
from pydantic import ValidationError

from tokenfab.engines.sim.config import Dist, SimConfig


def test_defaults_are_valid_and_round_trip_through_json() -> None:
    config = SimConfig(record_path="/tmp/x.jsonl", max_concurrency=4)
    assert config.model == "sim-model"
    assert config.port == 0
    assert SimConfig.model_validate_json(config.model_dump_json()) == config


@pytest.mark.parametrize(
    "field",
    ["error_500_rate", "error_429_rate", "disconnect_rate", "stall_rate", "malformed_rate"],
)
@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_rates_outside_unit_interval_are_rejected(field: str, value: float) -> None:
    with pytest.raises(ValidationError, match=field):
        SimConfig.model_validate({field: value})


@pytest.mark.parametrize(
    "data",
    [
        {"stall_ms": -1},
        {"tokens_per_chunk": 0},
        {"batch_slowdown": -0.5},
        {"max_concurrency": 0},
        {"port": 70000},
        {"model": ""},
        {"error_500_rate": 0.6, "error_429_rate": 0.6},
        {"ttft": 80},  # extra="forbid": a typo is an error, not a silent default
        {"itl_ms": {"kind": "normal", "mean_ms": -3}},
        {"itl_ms": {"kind": "uniform", "low_ms": 9, "high_ms": 3}},
        {"itl_ms": "fast"},
    ],
)
def test_invalid_values_are_rejected(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SimConfig.model_validate(data)


def test_bare_numbers_mean_constant_milliseconds() -> None:
    config = SimConfig.model_validate({"ttft_ms": 80, "itl_ms": 8.5})
    assert config.ttft_ms == Dist(kind="constant", mean_ms=80.0)
    assert config.itl_ms.sample_ms(random.Random(0)) == 8.5


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("8", Dist(kind="constant", mean_ms=8)),
        ("constant:8", Dist(kind="constant", mean_ms=8)),
        ("normal:80:10", Dist(kind="normal", mean_ms=80, std_ms=10)),
        ("lognormal:80:10", Dist(kind="lognormal", mean_ms=80, std_ms=10)),
        ("uniform:5:15", Dist(kind="uniform", mean_ms=10, low_ms=5, high_ms=15)),
    ],
)
def test_dist_parse(spec: str, expected: Dist) -> None:
    assert Dist.parse(spec) == expected


@pytest.mark.parametrize("spec", ["", "normal:1", "gamma:1:2", "uniform:a:b"])
def test_dist_parse_rejects_garbage(spec: str) -> None:
    with pytest.raises(ValueError, match="delay"):
        Dist.parse(spec)


@pytest.mark.parametrize(
    "dist",
    [
        Dist(kind="normal", mean_ms=40, std_ms=5),
        Dist(kind="lognormal", mean_ms=40, std_ms=20),
        Dist(kind="uniform", low_ms=30, high_ms=50),
    ],
)
def test_sample_means_match_mean_ms(dist: Dist) -> None:
    rng = random.Random(1)
    draws = [dist.sample_ms(rng) for _ in range(20_000)]
    assert statistics.fmean(draws) == pytest.approx(40, rel=0.02)
    assert min(draws) >= 0


def test_lognormal_std_matches_std_ms() -> None:
    rng = random.Random(2)
    dist = Dist(kind="lognormal", mean_ms=40, std_ms=20)
    draws = [dist.sample_ms(rng) for _ in range(50_000)]
    assert statistics.pstdev(draws) == pytest.approx(20, rel=0.05)


def test_normal_is_clipped_at_zero() -> None:
    rng = random.Random(3)
    dist = Dist(kind="normal", mean_ms=1, std_ms=10)
    assert min(dist.sample_ms(rng) for _ in range(1000)) == 0.0


def test_from_flags_accepts_cli_strings_and_drops_none() -> None:
    config = SimConfig.from_flags(ttft="normal:80:5", itl=8, max_concurrency=None, burst=True)
    assert config.ttft_ms == Dist(kind="normal", mean_ms=80, std_ms=5)
    assert config.itl_ms == Dist(kind="constant", mean_ms=8)
    assert config.burst is True
    assert config.max_concurrency is None
