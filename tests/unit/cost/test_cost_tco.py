"""TCO formulas pinned against hand-computed values."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from tokenfab.cost.attribution import attribute, blended, phase_times, point_cost_usd
from tokenfab.cost.price import usd_per_mtok
from tokenfab.cost.profile import load_profile
from tokenfab.cost.tco import (
    crf,
    energy_usd_per_hour,
    facility_usd_per_hour,
    hourly_cost,
    owned_usd_per_hour,
)
from tokenfab.errors import ConfigError
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.records import RequestRecord


@pytest.mark.parametrize(
    ("rate", "years", "expected"),
    [
        (0.0, 4.0, 0.25),
        (0.10, 1.0, 1.10),  # r(1+r)/((1+r)-1) = 1.1
        # r=8%, n=4: 0.08*1.36048896/0.36048896 = 0.301920804...
        (0.08, 4.0, 0.08 * 1.08**4 / (1.08**4 - 1)),
        (0.05, 3.0, 0.05 * 1.157625 / 0.157625),
    ],
)
def test_crf(rate: float, years: float, expected: float) -> None:
    assert crf(rate, years) == pytest.approx(expected, rel=1e-12)
    assert crf(0.08, 4.0) == pytest.approx(0.3019208, rel=1e-6)


def test_owned_hourly_with_residual() -> None:
    # $30,000 over 4 years at 0%, 20% residual: (30000 - 6000) / 4 / 8760
    assert owned_usd_per_hour(30_000, 4, 0.0, 0.2) == pytest.approx(24_000 / 4 / 8760)
    # at 8%: (30000 - 6000/1.08^4) * CRF / 8760
    pv = 6000 / 1.08**4
    assert owned_usd_per_hour(30_000, 4, 0.08, 0.2) == pytest.approx(
        (30_000 - pv) * crf(0.08, 4) / 8760)


def test_energy_and_facility_terms() -> None:
    assert energy_usd_per_hour(1000, 1.2, 0.10) == pytest.approx(0.12)  # 1 kW*1.2*$0.10
    assert energy_usd_per_hour(700, 1.0, 0.091) == pytest.approx(0.0637)
    assert facility_usd_per_hour(1.0, 150.0) == pytest.approx(150 * 12 / 8760)


def test_hourly_cost_decomposition_sums() -> None:
    p = TcoProfile(accelerators=8, capex_usd=30_000, amortization_years=4, cost_of_capital=0.0,
                   power_w=1275, pue=1.25, usd_per_kwh=0.08, colo_usd_per_kw_month=100,
                   overhead_usd_per_hour=1.0, overhead_fraction=0.1)
    h = hourly_cost(p)
    hw = 8 * 30_000 / 4 / 8760 + 8 * 1.275 * 100 * 12 / 8760
    en = 8 * 1275 / 1000 * 1.25 * 0.08
    ov = 1.0 + 0.1 * (hw + en)
    assert h.breakdown_usd_per_hour == pytest.approx({"hardware": hw, "energy": en,
                                                      "overhead": ov})
    assert h.usd_per_hour == pytest.approx(hw + en + ov)
    assert sum(h.breakdown_usd_per_hour.values()) == pytest.approx(h.usd_per_hour, rel=1e-12)
    # measured power replaces the assumed one and carries its provenance
    m = hourly_cost(p, power_w=8000, power_provenance="measured")
    assert m.breakdown_usd_per_hour["energy"] == pytest.approx(8 * 1.25 * 0.08)
    assert m.provenance["energy"] == "measured" and h.provenance["energy"] == "assumed"


def test_rental_with_power_included() -> None:
    h = hourly_cost(TcoProfile(rental_usd_per_hour=2.0, accelerators=8, power_w=1000,
                               energy_included=True))
    assert h.usd_per_hour == pytest.approx(16.0) and h.breakdown_usd_per_hour["energy"] == 0


def test_utilization_raises_token_price() -> None:
    assert usd_per_mtok(3.6, 1000) == pytest.approx(1.0)
    assert usd_per_mtok(3.6, 1000, utilization=0.5) == pytest.approx(2.0)
    assert usd_per_mtok(1.0, 0) is None


def test_seed_worked_example() -> None:
    """10M tokens/day at $0.45/1M = $4.50/day; at $0.32 it saves ~$475/year."""
    per_day_h100 = 10_000_000 / 1e6 * 0.45
    per_day_b200 = 10_000_000 / 1e6 * 0.32
    assert per_day_h100 == pytest.approx(4.50)
    assert (per_day_h100 - per_day_b200) * 365 == pytest.approx(474.5)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"rental_usd_per_hour": -1}, "rental_usd_per_hour"),
        ({"rental_usd_per_hour": math.nan}, "rental_usd_per_hour"),
        ({"rental_usd_per_hour": math.inf}, "finite"),
        ({"capex_usd": 1000, "amortization_years": 0}, "amortization_years"),
        ({"rental_usd_per_hour": 1, "pue": 0.9}, "pue"),
        ({"rental_usd_per_hour": 1, "capex_usd": 5}, "exactly one"),
        ({}, "exactly one"),
        ({"rental_usd_per_hour": 1, "utilization": 0}, "utilization"),
    ],
)
def test_bad_profiles(kwargs: dict[str, float], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        TcoProfile(**kwargs)  # type: ignore[arg-type]


def test_profile_toml_typo_names_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "p.toml"
    f.write_text('rental_usd_per_hour = 2.0\npeu = 1.3\n')
    with pytest.raises(ConfigError,
                       match=r"peu: Extra inputs are not permitted; allowed keys: .*pue"):
        load_profile(f)
    f.write_text('[tco]\ncapex_usd = 25000\npue = 0.5\n')
    with pytest.raises(ConfigError, match=r"pue.*allowed: ge 1"):
        load_profile(f)
    f.write_text('[tco]\ncapex_usd = 25000\npower_w = 700\n')
    assert load_profile(f).capex_usd == 25000


@pytest.mark.parametrize(
    ("cost", "share", "inp", "out", "cached"),
    [(1.0, 0.25, 3000, 1000, 0), (0.123456789, 0.7, 12345, 678, 100), (5.0, 0.0, 10, 10, 0),
     (2.5, 0.33, 999_999, 1, 0)],
)
def test_attribution_adds_up(cost: float, share: float, inp: int, out: int,
                             cached: int) -> None:
    a = attribute(cost, share, inp, out, cached)
    assert a.usd_per_mtok_input is not None and a.usd_per_mtok_output is not None
    total = inp * a.usd_per_mtok_input / 1e6 + out * a.usd_per_mtok_output / 1e6
    assert abs(total - cost) < 1e-9
    if cached:
        assert a.usd_per_mtok_input_uncached is not None
        back = (inp - cached) * a.usd_per_mtok_input_uncached / 1e6 + \
            out * a.usd_per_mtok_output / 1e6
        assert abs(back - cost) < 1e-9 and a.usd_per_mtok_input_cached == 0.0


def test_attribution_hand_values_and_blend() -> None:
    a = attribute(1.0, 0.25, 3000, 1000)
    assert a.usd_per_mtok_input == pytest.approx(0.25 / 3000 * 1e6)  # $83.33
    assert a.usd_per_mtok_output == pytest.approx(0.75 / 1000 * 1e6)  # $750
    assert blended(83.0, 750.0, 3) == pytest.approx((3 * 83 + 750) / 4)
    assert point_cost_usd(3.6, 100, 0.5) == pytest.approx(0.2)  # 3.6*100/3600/0.5


def test_phase_times_prefers_server_timings() -> None:
    def rec(prompt_ms: float | None, pred_ms: float | None) -> RequestRecord:
        return RequestRecord(point_index=0, request_index=0, sent_ns=0, end_ns=1_000_000_000,
                             first_chunk_ns=200_000_000, server_prompt_ms=prompt_ms,
                             server_predicted_ms=pred_ms, chunk_ns=[200_000_000])
    pt = phase_times([rec(100, 300), rec(50, 550)])
    assert pt.source == "server_timings" and pt.share_input == pytest.approx(150 / 1000)
    pt = phase_times([rec(100, 300), rec(None, None)])  # mixed -> client view
    assert pt.source == "client_ttft" and pt.share_input == pytest.approx(0.2)
