"""``tokenfab claims``: the verdict rule, a verdict for every claim, JSON/HTML output and
one-line errors for bad flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.cli_support import fails_in_one_line, succeeds

from tokenfab.report.claims import claims_section
from tokenfab.schemas.claims import CLAIM_IDS, CLAIMS_SCHEMA_ID, ClaimsConfig, ClaimsResult
from tokenfab.session.claims import claims, judge, ratio_band

VERDICTS = {"consistent", "holds only if", "inconsistent"}


@pytest.mark.parametrize(
    ("claimed", "band", "verdict", "factor"),
    [
        (5.0, (4.0, 6.0), "consistent", 1.0),
        (4.0, (6.0, 4.0), "consistent", 1.0),  # edges in either order
        (10.0, (4.0, 6.0), "holds only if", 10 / 6),
        (12.0, (4.0, 6.0), "holds only if", 2.0),  # exactly 2x: still holds only if
        (13.0, (4.0, 6.0), "inconsistent", 13 / 6),
        (2.5, (4.0, 6.0), "holds only if", 4 / 2.5),
        (1.0, (4.0, 6.0), "inconsistent", 4.0),
        (0.0, (4.0, 6.0), "inconsistent", float("inf")),
    ],
)
def test_judge(claimed: float, band: tuple[float, float], verdict: str, factor: float) -> None:
    got, f = judge(claimed, band)
    assert got == verdict
    assert f == pytest.approx(factor)


def test_ratio_band_takes_the_widest_edges() -> None:
    assert ratio_band((2.0, 4.0), (1.0, 2.0)) == (1.0, 4.0)


@pytest.fixture(scope="module")
def result() -> ClaimsResult:
    return claims(ClaimsConfig())


def test_every_claim_gets_a_verdict_and_states_its_assumptions(result: ClaimsResult) -> None:
    assert [c.id for c in result.claims] == list(CLAIM_IDS)
    for claim in result.claims:
        assert claim.verdict in VERDICTS
        assert claim.assumptions and claim.source
        assert claim.values
        for v in claim.values:
            assert v.verdict in VERDICTS
            assert v.provenance == "modelled"
            if v.verdict != "consistent":
                assert v.condition, (claim.id, v.label)  # says what would have to hold
        worst = max(claim.values, key=lambda v: ["consistent", "holds only if",
                                                 "inconsistent"].index(v.verdict))
        assert claim.verdict == worst.verdict


def test_platform_table_covers_every_seed_platform(result: ClaimsResult) -> None:
    table = next(c for c in result.claims if c.id == "platform-table")
    labels = " ".join(v.label for v in table.values)
    for hw in ("H100", "B200", "MI300X", "Groq", "CS3"):
        assert f"{hw} p50 TPOT" in labels and f"{hw} $/1M" in labels
    claimed = {v.label.split()[0] + v.unit: v.claimed for v in table.values}
    assert claimed["H100usd_per_mtok_output"] == 0.45
    assert claimed["Groqtpot_p50_ms"] == 0.8
    mi300x = next(v for v in table.values if v.label.startswith("MI300X $"))
    assert mi300x.modelled is None  # no catalog price: the break-even hourly price instead
    assert "per chip-hour" in mi300x.condition


def test_fleet_power_is_hand_computed(result: ClaimsResult) -> None:
    claim = next(c for c in result.claims if c.id == "h100-fleet-power")
    (v,) = claim.values
    assert v.modelled == pytest.approx(10_000 * 1.275 * 1.2 / 1000)  # DGX H100 / 8 × PUE 1.2
    assert v.band == pytest.approx((7.0, 10_000 * 1.275 * 1.5 / 1000))
    assert v.verdict == "holds only if"
    assert "3.0 kW" in v.condition  # 30 MW / 10,000 GPUs


def test_quantization_table_models_faster_decode_with_fewer_bits(result: ClaimsResult) -> None:
    claim = next(c for c in result.claims if c.id == "quantization-table")
    fp16, int8, int4 = (v.modelled or 0.0 for v in claim.values)
    assert fp16 <= int8 < int4
    assert [v.claimed for v in claim.values] == [12.0, 22.0, 38.0]


def test_only_checks_the_claims_asked_for() -> None:
    res = claims(ClaimsConfig(only=("h100-fleet-power",)))
    assert [c.id for c in res.claims] == ["h100-fleet-power"]


def test_json_and_html_carry_every_verdict(result: ClaimsResult) -> None:
    doc = json.loads(json.dumps(result.to_json_dict()))
    assert doc["schema"] == CLAIMS_SCHEMA_ID and doc["kind"] == "claims"
    assert {c["id"] for c in doc["claims"]} == set(CLAIM_IDS)
    html = claims_section(result)
    for claim in result.claims:
        assert f'id="claim-{claim.id}"' in html
    assert html.count('class="verdict') >= sum(len(c.values) + 1 for c in result.claims)


@pytest.mark.parametrize(
    ("update", "fragment"),
    [({"only": ("nope",)}, "--claim 'nope' is not a claim id"),
     ({"concurrency": 0}, "--concurrency 0"), ({"pue": 0.5}, "--pue 0.5"),
     ({"usd_per_kwh": -1.0}, "--usd-per-kwh -1.0"), ({"surprise": 1}, "surprise")],
)
def test_config_names_the_flag(update: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        ClaimsConfig.model_validate(update)


@pytest.fixture
def cli(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    (isolated_env / "adir").mkdir()
    return isolated_env


@pytest.mark.parametrize(
    ("args", "names"),
    [(["--claim", "nope"], ["--claim", "nope", "platform-table"]),
     (["--concurrency", "0"], ["--concurrency"]), (["--concurrency", "x"], ["--concurrency"]),
     (["--pue", "9"], ["--pue"]), (["--usd-per-kwh", "0"], ["--usd-per-kwh"]),
     (["--tier", "spot"], ["--tier 'spot'", "neocloud_on_demand"]),
     (["--json", "adir"], ["--json", "adir"]), (["--html", "missing/x.html"], ["--html"])],
)
def test_bad_flags_fail_in_one_line(cli: Path, capsys: pytest.CaptureFixture[str],
                                    args: list[str], names: list[str]) -> None:
    fails_in_one_line(["claims", *args], capsys, names)


def test_cli_prints_json_and_writes_html(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeds(["claims", "--claim", "h100-fleet-power", "--json", "-",
                    "--html", "claims.html"], capsys)
    doc = json.loads(out)
    assert doc["claims"][0]["values"][0]["verdict"] == "holds only if"
    page = (cli / "claims.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "10,000 H100" in page
    text = succeeds(["claims", "--claim", "h100-fleet-power"], capsys)
    assert "holds only if" in text and "verdict" in text
