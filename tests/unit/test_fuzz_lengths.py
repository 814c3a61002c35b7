"""Property-based: any text given as a length (``--input-tokens``, ``--isl``) or a shape
(``--shape IN/OUT``) is a valid, samplable LengthSpec or one ``ConfigError`` line naming the
flag — never another exception."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tokenfab.errors import ConfigError
from tokenfab.schemas.config import LengthSpec
from tokenfab.workload.lengths import parse_length, parse_shape, sample_lengths

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.integers(10**6, 10**30).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:f}"),
    st.sampled_from(["9" * 400, "9" * 5000, "0", "00", "1.5", "\u0663", "1e9", "inf", "nan"]),
)


@st.composite
def length_texts(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=20))
    if kind == 1:
        return draw(numbers)
    letter = draw(st.sampled_from(["N", "U", "n", "u", "X", ""]))
    return f"{letter}({draw(numbers)},{draw(numbers)})"


def check_spec(spec: LengthSpec) -> None:
    assert math.isfinite(spec.mean) and math.isfinite(spec.std)
    drawn = sample_lengths(spec, 16, np.random.default_rng(0))  # it can be sampled
    assert drawn.min() >= 1


@FUZZ
@given(text=length_texts())
@example(text="9" * 400)  # float('9' * 400) is inf: int(inf) raised OverflowError
@example(text="U(1," + "9" * 5000 + ")")  # int() of 5000 digits raised ValueError
@example(text="99999999999999999999")  # 1e20 tokens overflowed the int64 sampler
def test_any_length_text_is_a_spec_or_one_line(text: str) -> None:
    try:
        spec = parse_length(text, what="--input-tokens")
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("--input-tokens: ")
        assert len(str(exc)) < 400
        return
    check_spec(spec)


@FUZZ
@given(left=length_texts(), right=length_texts() | st.builds(
    lambda a, b: f"({a},{b})", numbers, numbers), sep=st.sampled_from(["/", " / ", "//", ""]))
def test_any_shape_text_is_two_specs_or_one_line(left: str, right: str, sep: str) -> None:
    try:
        specs = parse_shape(left + sep + right)
    except ConfigError as exc:
        assert "\n" not in str(exc) and "shape" in str(exc)
        return
    for spec in specs:
        check_spec(spec)


@pytest.mark.parametrize("text", ["100000000000", "N(20000000,5)", "U(1,99999999999)",
                                  "9" * 400, "U(1," + "9" * 5000 + ")"])
def test_huge_lengths_are_one_line_naming_the_flag(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_length(text, what="--isl")
    message = str(info.value)
    assert message.startswith("--isl: cannot read ") and "\n" not in message
    assert len(message) < 300  # the 5000-digit input is not echoed whole
