"""Length specs: parsing the CLI forms and sampling them."""

from __future__ import annotations

import numpy as np
import pytest

from tokenfab.errors import ConfigError
from tokenfab.schemas.config import LengthSpec
from tokenfab.workload import parse_length, parse_shape, sample_lengths


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("256", LengthSpec(kind="fixed", mean=256)),
        (" 64 ", LengthSpec(kind="fixed", mean=64)),
        ("N(256,64)", LengthSpec(kind="normal", mean=256, std=64)),
        ("n( 100 , 12.5 )", LengthSpec(kind="normal", mean=100, std=12.5)),
        ("N(50,0)", LengthSpec(kind="normal", mean=50, std=0)),
        ("U(128,512)", LengthSpec(kind="uniform", mean=320, low=128, high=512)),
        ("u(7,7)", LengthSpec(kind="uniform", mean=7, low=7, high=7)),
    ],
)
def test_parse_length_accepts_the_three_forms(text: str, expected: LengthSpec) -> None:
    assert parse_length(text, what="--input-tokens") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", ""),
        ("abc", ""),
        ("0", "whole number"),
        ("12.5", "whole number"),
        ("-5", ""),
        ("N(256)", ""),
        ("N(1,2,3)", ""),
        ("(256,64)", ""),
        ("X(256,64)", "unknown distribution letter"),
        ("N(0,5)", "greater than 0"),
        ("U(512,128)", "low <= high"),
        ("U(1.5,3)", "whole numbers"),
        ("U(0,3)", "greater than or equal to 1"),
    ],
)
def test_parse_length_rejects_with_one_line_naming_text_flag_and_forms(
    text: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_length(text, what="--input-tokens")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"--input-tokens: cannot read {text!r}")
    assert "N(256,64)" in message and "U(128,512)" in message
    assert reason in message


@pytest.mark.parametrize(
    ("text", "expected_in", "expected_out"),
    [
        ("256/128", LengthSpec(mean=256), LengthSpec(mean=128)),
        (
            "N(256,64)/(128,16)",
            LengthSpec(kind="normal", mean=256, std=64),
            LengthSpec(kind="normal", mean=128, std=16),
        ),
        (
            "U(100,200)/(10,20)",
            LengthSpec(kind="uniform", mean=150, low=100, high=200),
            LengthSpec(kind="uniform", mean=15, low=10, high=20),
        ),
        (
            "U(100,200)/N(50,5)",
            LengthSpec(kind="uniform", mean=150, low=100, high=200),
            LengthSpec(kind="normal", mean=50, std=5),
        ),
        (
            "N(256,64)/U(1,9)",
            LengthSpec(kind="normal", mean=256, std=64),
            LengthSpec(kind="uniform", mean=5, low=1, high=9),
        ),
        ("N(256,64) / 32", LengthSpec(kind="normal", mean=256, std=64), LengthSpec(mean=32)),
    ],
)
def test_parse_shape(text: str, expected_in: LengthSpec, expected_out: LengthSpec) -> None:
    assert parse_shape(text) == (expected_in, expected_out)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("256", "exactly one '/'"),
        ("1/2/3", "exactly one '/'"),
        ("256/(1,2)", "needs an N(...) or U(...) input"),
        ("N(1,1)/zz", "cannot read 'zz'"),
        ("zz/N(1,1)", "cannot read 'zz'"),
        ("U(100,200)/(20,10)", "low <= high"),
    ],
)
def test_parse_shape_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_shape(text)
    assert fragment in str(info.value)
    assert repr(text) in str(info.value)


def test_fixed_lengths_are_constant() -> None:
    out = sample_lengths(LengthSpec(mean=256), 5, np.random.default_rng(0))
    assert out.tolist() == [256] * 5
    assert out.dtype == np.int64


def test_normal_mean_and_std_hold() -> None:
    out = sample_lengths(
        LengthSpec(kind="normal", mean=256, std=64), 20_000, np.random.default_rng(1)
    )
    assert abs(out.mean() - 256) / 256 < 0.02
    assert abs(out.std() - 64) / 64 < 0.05
    assert out.dtype == np.int64


def test_normal_is_clipped_to_bounds() -> None:
    spec = LengthSpec(kind="normal", mean=10, std=100, min_tokens=5, max_tokens=20)
    out = sample_lengths(spec, 5_000, np.random.default_rng(2))
    assert out.min() == 5 and out.max() == 20
    assert set(out.tolist()) <= set(range(5, 21))


def test_normal_never_goes_below_one_token() -> None:
    out = sample_lengths(LengthSpec(kind="normal", mean=2, std=10), 5_000, np.random.default_rng(3))
    assert out.min() == 1


def test_uniform_is_inclusive_integers() -> None:
    spec = LengthSpec(kind="uniform", mean=4, low=3, high=5)
    out = sample_lengths(spec, 3_000, np.random.default_rng(4))
    assert set(out.tolist()) == {3, 4, 5}
    assert abs(out.mean() - 4) < 0.1


def test_sampling_is_reproducible_from_the_seed() -> None:
    spec = LengthSpec(kind="normal", mean=100, std=30)
    a = sample_lengths(spec, 50, np.random.default_rng(7))
    b = sample_lengths(spec, 50, np.random.default_rng(7))
    assert a.tolist() == b.tolist()


def test_zero_lengths_is_empty_and_negative_is_an_error() -> None:
    assert sample_lengths(LengthSpec(), 0, np.random.default_rng(0)).size == 0
    with pytest.raises(ValueError):
        sample_lengths(LengthSpec(), -1, np.random.default_rng(0))
