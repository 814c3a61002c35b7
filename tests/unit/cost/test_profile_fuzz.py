"""Property tests for TCO profile loading: any bytes or TOML-ish text gives a TcoProfile or a
one-line TokenfabError, never another exception.

Strategies: raw bytes; arbitrary text; and TOML documents assembled from the profile's own keys
(and typos) with values of every TOML type, at the top level or inside ``[tco]``.
"""

from __future__ import annotations

import math
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenfab.cost.profile import load_profile, parse_profile
from tokenfab.errors import TokenfabError
from tokenfab.schemas.cost import TcoProfile

KEYS = [*TcoProfile.model_fields, "peu", "tco", "", "rental usd", "a\nb"]


def _check(raw: bytes | str) -> None:
    try:
        profile = parse_profile(raw, "fuzz.toml")
    except TokenfabError as exc:
        msg = str(exc)
        assert msg and len(msg.splitlines()) == 1 and msg.isprintable(), repr(msg)
        return
    assert isinstance(profile, TcoProfile)
    assert (profile.rental_usd_per_hour is None) != (profile.capex_usd is None)
    for value in profile.model_dump().values():
        assert not isinstance(value, float) or math.isfinite(value)


def _toml_string(s: str) -> str:
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or c in '"\\' or 0x7f <= ord(c) < 0xa0
                         else c for c in s if ord(c) < 0x10000 and not 0xd800 <= ord(c) < 0xe000
                         ) + '"'


def _toml_key(k: str) -> str:
    bare = k and all(c in string.ascii_letters + string.digits + "_-" for c in k)
    return k if bare else _toml_string(k)


_floats = st.floats(allow_nan=True, allow_infinity=True).map(
    lambda f: "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf") if math.isinf(f)
    else repr(f))
scalars = (st.booleans().map(lambda b: "true" if b else "false")
           | st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str)
           | _floats
           | st.text(max_size=10).map(_toml_string)
           | st.sampled_from(["1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "0x1F", "1_000"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4).map(
    lambda xs: "[" + ", ".join(xs) + "]"), max_leaves=8)
documents = st.builds(
    lambda pairs, table: ("[tco]\n" if table else "")
    + "".join(f"{_toml_key(k)} = {v}\n" for k, v in pairs),
    st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=8,
             unique_by=lambda kv: kv[0]),
    st.booleans())


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_toml_document_gives_a_profile_or_one_line(text: str) -> None:
    _check(text)
    _check(text.encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_profile_or_one_line(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gives_a_profile_or_one_line(text: str) -> None:
    _check(text)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=100) | documents.map(lambda d: d.encode("utf-8")))
def test_any_profile_file_gives_a_profile_or_one_line(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.toml"
        path.write_bytes(raw)
        try:
            load_profile(path)
        except TokenfabError as exc:
            assert len(str(exc).splitlines()) == 1 and str(path) in str(exc)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("rental_usd_per_hour = true\n", "rental_usd_per_hour: Input should be a valid number"),
        ("rental_usd_per_hour = nan\n", "rental_usd_per_hour: Input should be a finite number"),
        ("capex_usd = 1\naccelerators = 2.5\n", "accelerators: Input should be a valid integer"),
        ("capex_usd = 1\nenergy_included = 1\n", "energy_included: Input should be a valid bool"),
        ('rental_usd_per_hour = "2"\n', "rental_usd_per_hour: Input should be a valid number"),
        ("peu = 1\n", "peu: Extra inputs are not permitted; allowed keys: accelerators"),
        ("tco = 3\n", "[tco] must be a table"),
        ("[tco]\nrental_usd_per_hour = 1\n[other]\nx = 1\n", "unknown key 'other' next to [tco]"),
        ('"a\\nb" = 1\n', "a\\nb: Extra inputs"),
        ("x = " + "[" * 2000 + "]" * 2000 + "\n", "fuzz.toml: not valid TOML"),
        ("rental_usd_per_hour = \n", "fuzz.toml: not valid TOML"),
    ],
)
def test_bad_profiles_name_the_key(text: str, needle: str) -> None:
    with pytest.raises(TokenfabError) as exc:
        parse_profile(text, "fuzz.toml")
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_profile_bytes_must_be_utf8() -> None:
    with pytest.raises(TokenfabError, match=r"fuzz.toml: not UTF-8 text \(bad byte at offset 11\)"):
        parse_profile('name = "caf\xe9"\n'.encode("latin-1"), "fuzz.toml")
    bom = "\ufeff[tco]\nrental_usd_per_hour = 2\n".encode()
    assert parse_profile(bom, "fuzz.toml").rental_usd_per_hour == 2.0


def test_integers_are_numbers() -> None:
    p = parse_profile("[tco]\ncapex_usd = 30000\naccelerators = 8\npue = 1\n", "fuzz.toml")
    assert p.capex_usd == 30000.0 and p.accelerators == 8 and p.pue == 1.0
