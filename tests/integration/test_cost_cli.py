"""Issue 3 end to end: decomposed, attributed, CI'd prices from real runs and the cost CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import assert_one_line_error, tokenfab
from tokenfab.engines.sim import SimConfig, SimServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def priced_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp("cost")
    db, out = tmp / "r.db", tmp / "s.json"
    cfg = SimConfig.from_flags(ttft="normal:30:5", itl="normal:3:0.5", seed=1)
    with SimServer(cfg) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--concurrency",
                        "1,4", "--requests", "12", "--output-tokens", "U(16,48)",
                        "--hourly-usd", "2", "--overhead-pct", "10", "--slo", "ttft_ms=35",
                        "--energy", "modelled", "--repeats", "2", "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    return db, json.loads(out.read_text())


def test_attribution_identity_holds(priced_run: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, s = priced_run
    for p in s["points"]:
        c, t = p["cost"], p["tokens"]
        total = t["input"] * c["usd_per_mtok_input"] / 1e6 + \
            t["output"] * c["usd_per_mtok_output"] / 1e6
        assert abs(total - c["cost_usd"]) < 1e-9
        assert c["cost_usd"] == pytest.approx(c["usd_per_hour"] * p["duration_s"] / 3600)
        assert sum(c["breakdown_usd_per_hour"].values()) == pytest.approx(c["usd_per_hour"])
        assert sum(c["breakdown_usd_per_mtok_output"].values()) == pytest.approx(
            c["usd_per_mtok_output_all_in"])
        assert c["attribution"]["source"] == "server_timings"
        assert p["repeats"] == 2 and p["requests"]["completed"] == 24


def test_energy_and_cis(priced_run: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, s = priced_run
    for p in s["points"]:
        e, c = p["energy"], p["cost"]
        assert e["provenance"] == "modelled" and e["source"] == "modelled:cpu-utilization"
        assert e["joules"] > 0 and e["avg_power_w"] > 0
        assert e["j_per_output_token"] == pytest.approx(e["joules"] / p["tokens"]["output"])
        assert c["breakdown_usd_per_hour"]["energy"] == pytest.approx(
            e["avg_power_w"] / 1000 * 1.2 * 0.091)
        assert c["provenance"]["energy"] == "modelled"
        lo, hi = c["ci95"]["usd_per_mtok_output_all_in"]
        assert lo <= c["usd_per_mtok_output_all_in"] <= hi and lo < hi
        lo, hi = p["ci95"]["output_tok_s"]
        assert lo <= p["throughput"]["output_tok_s"] <= hi
        assert c["usd_per_mtok_goodput"] >= c["usd_per_mtok_output_all_in"]


def test_reprice_stored_run_with_catalog_hardware(priced_run: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    db, s = priced_run
    proc = tokenfab("cost", "--run", s["run_id"][:8], "--hardware", "H100", "--gpus", "8",
                    "--json", "-", db=db)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert len(r["points"]) == 2
    c = r["points"][0]["cost"]
    assert c["usd_per_hour"] > 8  # 8 rented H100s
    assert c["breakdown_usd_per_hour"]["energy"] == 0  # cloud rental includes power


def test_hypothetical_cost_json() -> None:
    proc = tokenfab("cost", "--tok-s", "1000", "--hourly-usd", "2.0", "--json", "-")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["schema"] == "tokenfab.cost/1" and r["output_tok_s"] == 1000
    assert r["usd_per_hour"] == pytest.approx(2.0)
    assert r["usd_per_mtok_output"] == pytest.approx(2.0 / 3.6)
    assert set(r["breakdown_usd_per_mtok_output"]) == {"hardware", "energy", "overhead"}
    assert sum(r["breakdown_usd_per_mtok_output"].values()) == pytest.approx(2.0 / 3.6)


def test_hypothetical_owned_profile(tmp_path: Path) -> None:
    prof = tmp_path / "p.toml"
    prof.write_text("[tco]\nname = 'my rack'\naccelerators = 8\ncapex_usd = 30000\n"
                    "amortization_years = 4\ncost_of_capital = 0\npower_w = 1000\npue = 1.5\n"
                    "usd_per_kwh = 0.1\n")
    proc = tokenfab("cost", "--tok-s", "5000", "--profile", str(prof), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    hw = 8 * 30000 / 4 / 8760
    en = 8 * 1.0 * 1.5 * 0.1
    assert r["breakdown_usd_per_hour"]["hardware"] == pytest.approx(hw)
    assert r["breakdown_usd_per_hour"]["energy"] == pytest.approx(en)
    assert r["usd_per_mtok_output"] == pytest.approx((hw + en) / (5000 * 3600) * 1e6)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--tok-s", "100", "--hourly-usd", "-1"], ["--hourly-usd"]),
        (["--tok-s", "100", "--hourly-usd", "1", "--pue", "0.8"], ["--pue"]),
        (["--tok-s", "100", "--hardware", "H900"], ["H900", "H100"]),
        (["--tok-s", "100"], ["--hourly-usd"]),
        (["--tok-s", "100", "--hourly-usd", "1", "--utilization", "0"], ["--utilization"]),
        (["--hourly-usd", "1"], ["--run", "--tok-s"]),
    ],
)
def test_bad_cost_input_one_line(args: list[str], needles: list[str]) -> None:
    assert_one_line_error(tokenfab("cost", *args), *needles)


def test_profile_typo(tmp_path: Path) -> None:
    prof = tmp_path / "p.toml"
    prof.write_text("rental_usd_per_hour = 2\npeu = 1.3\n")
    assert_one_line_error(tokenfab("cost", "--tok-s", "10", "--profile", str(prof)),
                          "peu", "allowed keys")
