"""Token-length distributions: parse ``256``, ``N(256,64)``, ``U(128,512)`` and sample them."""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from tokenfab.errors import ConfigError, format_validation
from tokenfab.schemas.config import LengthSpec

ACCEPTED_FORMS = "256 (fixed), N(256,64) (normal mean,std) or U(128,512) (uniform low,high)"
SHAPE_FORMS = "IN/OUT, e.g. 256/128, N(256,64)/(128,16) or U(100,200)/N(50,5)"

_NUMBER = r"\s*(\d+(?:\.\d+)?)\s*"
_FIXED = re.compile(rf"^{_NUMBER}$")
_DIST = re.compile(rf"^\s*([A-Za-z]?)\s*\({_NUMBER},{_NUMBER}\)\s*$")


def _shown(text: str, limit: int = 60) -> str:
    """``repr(text)``, cut to ``limit`` characters so a huge input keeps the message short."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _bad(text: str, what: str, why: str = "", forms: str = ACCEPTED_FORMS) -> ConfigError:
    detail = f" ({why})" if why else ""
    return ConfigError(f"{what}: cannot read {_shown(text)}{detail}; use {forms}")


def _check_finite(numbers: tuple[str, ...], *, text: str, what: str) -> None:
    """Every number converts to a finite float (so ``int()`` of it cannot overflow); the
    bounds of a length are LengthSpec's."""
    if not all(math.isfinite(float(n)) for n in numbers):
        raise _bad(text, what, "number too large")


def _build(kind: str, a: str, b: str, *, text: str, what: str) -> LengthSpec:
    """Make a LengthSpec for kind letter ``kind`` ('N' or 'U') and its two numbers."""
    letter = kind.upper()
    _check_finite((a, b), text=text, what=what)
    try:
        if letter == "N":
            return LengthSpec(kind="normal", mean=float(a), std=float(b))
        if letter == "U":
            if "." in a or "." in b:
                raise _bad(text, what, "uniform bounds must be whole numbers")
            low, high = int(a), int(b)
            if low > high:
                raise _bad(text, what, "uniform needs low <= high")
            return LengthSpec(kind="uniform", mean=(low + high) / 2, low=low, high=high)
    except ValidationError as exc:
        raise _bad(text, what, format_validation(exc)) from None
    raise _bad(text, what, f"unknown distribution letter {kind!r}")


def parse_length(text: str, *, what: str) -> LengthSpec:
    """Parse one length spec.

    ``256`` -> fixed 256 tokens; ``N(256,64)`` -> normal with mean 256 and std 64, clipped to
    [1, 1e6]; ``U(128,512)`` -> integers uniform on [128, 512] inclusive. Every number must be
    within LengthSpec's bounds. ``what`` names the flag or field (e.g. ``"--input-tokens"``) in the
    one-line ``ConfigError`` raised on bad input.
    """
    fixed = _FIXED.match(text)
    if fixed:
        _check_finite((fixed.group(1),), text=text, what=what)
        value = float(fixed.group(1))
        if value != int(value) or value < 1:
            raise _bad(text, what, "a fixed length is a whole number of tokens >= 1")
        try:
            return LengthSpec(kind="fixed", mean=value)
        except ValidationError as exc:
            raise _bad(text, what, format_validation(exc)) from None
    dist = _DIST.match(text)
    if not dist or not dist.group(1):
        raise _bad(text, what)
    return _build(dist.group(1), dist.group(2), dist.group(3), text=text, what=what)


def parse_shape(text: str) -> tuple[LengthSpec, LengthSpec]:
    """Parse ``IN/OUT`` into (input, output) length specs.

    Each side is a :func:`parse_length` form. A bare ``(a,b)`` on the output side inherits the
    distribution letter of the input side: ``N(256,64)/(128,16)`` is input N(256,64), output
    N(128,16). ``256/128`` is fixed/fixed; ``U(100,200)/N(50,5)`` mixes kinds.
    """
    parts = text.split("/")
    if len(parts) != 2:
        raise _bad(text, "workload shape", "expected exactly one '/'", SHAPE_FORMS)
    left, right = parts[0].strip(), parts[1].strip()
    input_spec = parse_length(left, what=f"shape {text!r} input")
    out_what = f"shape {text!r} output"
    dist = _DIST.match(right)
    if dist and not dist.group(1):
        inherited = {"normal": "N", "uniform": "U"}.get(input_spec.kind)
        if inherited is None:
            raise _bad(right, out_what, "a bare (a,b) needs an N(...) or U(...) input", SHAPE_FORMS)
        output_spec = _build(inherited, dist.group(2), dist.group(3), text=right, what=out_what)
    else:
        output_spec = parse_length(right, what=out_what)
    return input_spec, output_spec


def sample_lengths(spec: LengthSpec, n: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Draw ``n`` token lengths from ``spec``.

    fixed: ``max(1, round(mean))`` repeated; normal: ``clip(round(N(mean, std)), lo, hi)`` with
    ``lo = max(1, min_tokens)`` and ``hi = max_tokens``; uniform: integers on [low, high]
    inclusive. Pure: all randomness comes from ``rng``.
    """
    if n < 0:
        raise ValueError(f"cannot draw a negative number of lengths (n={n})")
    if spec.kind == "fixed":
        return np.full(n, max(1, round(spec.mean)), dtype=np.int64)
    if spec.kind == "normal":
        lo = max(1, spec.min_tokens)
        hi = max(lo, spec.max_tokens)
        draws = np.rint(rng.normal(spec.mean, spec.std, size=n))
        return np.clip(draws, lo, hi).astype(np.int64)
    if spec.low is None or spec.high is None:  # pragma: no cover - LengthSpec validates this
        raise ValueError("uniform length needs low and high")
    return rng.integers(spec.low, spec.high, size=n, endpoint=True, dtype=np.int64)
