"""``tokenfab plan`` end to end in-process: the embedded default, JSON/HTML, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line, succeeds
from tests.unit.plan.conftest import RUN_ID, store_run

CURVE = ("hardware,per_user_tps,output_tps_per_gpu,ttft_ms,point_id\n"
         "NVIDIA H100 80GB,156.54,607.46,70.45,h100-c8\n"
         "NVIDIA H100 80GB,90.39,1400.35,111.2,h100-c32\n"
         "NVIDIA B200,300.0,1500.0,60.0,b200-c8\n"
         "NVIDIA B200,120.0,4000.0,90.0,b200-c64\n")


@pytest.fixture
def curve(isolated_env: Path) -> Path:
    path = isolated_env / "curve.csv"
    path.write_text(CURVE)
    return path


def test_embedded_default_uses_the_latest_stored_run(
        isolated_env: Path, run_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # a newer bench run and a newer failed embedded run are not the local frontier
    store_run(run_db, "benchrun", kind="bench", started_ns=1_796_000_000_000_000_000)
    store_run(run_db, "failedrun", started_ns=1_797_000_000_000_000_000, complete=False)
    out = succeeds(["plan", "--power-mw", "1", "--db", run_db], capsys)
    assert "Plan for 1 MW" in out and f"run {RUN_ID}" in out
    assert "one more MW (utility) is worth $" in out
    assert "measured" in out


def test_json_is_a_plan_document_whose_totals_add_up(
        isolated_env: Path, run_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeds(["plan", "--power-mw", "1", "--db", run_db, "--json", "-"], capsys)
    doc = json.loads(out)
    assert doc["schema"] == "tokenfab.plan/1" and doc["status"] == "optimal"
    totals = doc["totals"]
    assert totals["margin_usd_per_year"] == pytest.approx(
        totals["revenue_usd_per_year"] - totals["tco_usd_per_year"])
    assert totals["accelerators"] == sum(h["accelerators"] for h in doc["hardware"])
    assert totals["utility_mw"] <= 1.0
    assert doc["frontiers"][0]["provenance"] == "measured"
    assert doc["frontiers"][0]["source"] == f"run {RUN_ID}"
    assert {s["parameter"] for s in doc["sensitivities"]} == {"usd_per_kwh", "pue",
                                                              "utilization"}
    assert all(c["exact"] for c in doc["checks"] if "InferenceX" in c["name"])


def test_published_curves_for_a_mixed_fleet_and_an_html_report(
        curve: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeds(["plan", "--power-mw", "100", "--hardware", "H100,B200",
                    "--frontier", f"H100={curve}", "--frontier", f"b200={curve}",
                    "--html", "plan.html", "--checks"], capsys)
    assert "check: InferenceX: $/1M on a published point" in out
    html = Path("plan.html").read_text()
    assert '<section id="plan">' in html and "Frontiers and the tiers" in html


def test_no_stored_run_says_how_to_get_one(
        isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{isolated_env / 'empty.db'}"
    fails_in_one_line(["plan", "--power-mw", "1", "--db", db, "--no-measure"], capsys,
                      ["tokenfab run"])


def test_no_stored_run_measures_one_by_default(
        isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """By default the plan measures the local frontier itself; here no engine can start, so
    the attempt ends in the engine's own one-line error (the real measurement is an
    integration test)."""
    db = f"sqlite:///{isolated_env / 'empty.db'}"
    fails_in_one_line(["plan", "--power-mw", "1", "--db", db], capsys, ["llama-server"])


def test_infeasible_plan_file_says_what_binds(
        isolated_env: Path, run_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path("p.toml").write_text(
        'power_mw = 0.001\n[[tiers]]\nname = "contract"\nusd_per_mtok_output = 3.0\n'
        "min_mtok_per_day = 1000.0\n")
    fails_in_one_line(["plan", "--plan", "p.toml", "--db", run_db], capsys,
                      ["power binds", "MW more than the 0.001 MW budget"])


BAD_FLAGS = [
    (["plan"], ["--power-mw"]),
    (["plan", "--power-mw", "0"], ["--power-mw", "greater than 0"]),
    (["plan", "--power-mw", "-5"], ["--power-mw"]),
    (["plan", "--power-mw", "1e9"], ["--power-mw", "100000"]),
    (["plan", "--power-mw", "abc"], ["--power-mw", "abc"]),
    (["plan", "--power-mw", "nan"], ["--power-mw"]),
    (["plan", "--power-mw", "1", "--pue", "0.5"], ["--pue"]),
    (["plan", "--power-mw", "1", "--usd-per-kwh", "-1"], ["--usd-per-kwh"]),
    (["plan", "--power-mw", "1", "--utilization", "1.5"], ["--utilization"]),
    (["plan", "--power-mw", "1", "--utilization", "0"], ["--utilization"]),
    (["plan", "--power-mw", "1", "--power-basis", "grid"], ["--power-basis", "grid"]),
    (["plan", "--power-mw", "1", "--granularity", "pod"], ["--granularity", "pod"]),
    (["plan", "--power-mw", "1", "--hardware", ""], ["--hardware", "empty"]),
    (["plan", "--power-mw", "1", "--hardware", "H100,,B200"], ["--hardware", "empty name"]),
    (["plan", "--power-mw", "1", "--hardware", "H100,h100"], ["h100", "twice"]),
    (["plan", "--power-mw", "1", "--hardware", "H100"], ["H100", "--model", "--frontier"]),
    (["plan", "--power-mw", "1", "--frontier", "local"], ["--frontier", "HW=run"]),
    (["plan", "--power-mw", "1", "--hardware", "H100", "--frontier", "B200=x.csv"],
     ["B200", "not in --hardware"]),
    (["plan", "--power-mw", "1", "--hardware", "H100", "--frontier", "H100=missing.csv"],
     ["missing.csv", "no such file"]),
    (["plan", "--power-mw", "1", "--hardware", "H100", "--frontier", "H100=projection"],
     ["--model"]),
    (["plan", "--power-mw", "1", "--from-run", " "], ["--from-run", "empty"]),
    (["plan", "--power-mw", "1", "--hardware", "H100", "--model", "nope-model"],
     ["nope-model"]),
    (["plan", "--power-mw", "1", "--hardware", "H100", "--model", "llama-3.1-8b",
      "--precision", "fp5"], ["--precision", "fp5"]),
    (["plan", "--power-mw", "1", "--db", "notaurl://x"], ["notaurl://x"]),
    (["plan", "--power-mw", "1", "--hardware", "H100", "--model", "llama-3.1-405b",
      "--precision", "bf16"], ["llama-3.1-405b does not fit"]),
    (["plan", "--power-mw", "1", "--hardware", "H100,B200", "--from-run", "x"],
     ["--from-run", "--frontier HW=run:RUN_ID"]),
    (["plan", "--power-mw", "1", "--preset", "gtc1999"], ["--preset", "gtc1999", "gtc2026"]),
    (["plan", "--power-mw", "1", "--plan", "nope.toml"], ["nope.toml", "no such file"]),
    (["plan", "--power-mw", "1", "--json", "/nonexistent-dir/x.json"], ["--json"]),
    (["plan", "--power-mw", "1", "--html", "/nonexistent-dir/x.html"], ["--html"]),
    (["plan", "--power-mw", "1", "--ownership", "lease"], ["--ownership", "lease"]),
]


@pytest.mark.parametrize(("args", "names"), BAD_FLAGS)
def test_bad_flags_fail_in_one_line(isolated_env: Path, args: list[str], names: list[str],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(args, capsys, names)


BAD_FILES = [
    ("power_mw = 1\npeu = 1.2\n", ["p.toml", "peu"]),
    ("power_mw = 1\n[[tiers]]\nname = 'a'\nusd_per_mtok_output = -1\n",
     ["p.toml", "tiers.0.usd_per_mtok_output"]),
    ("power_mw = 1\n[[tiers]]\nname = 'a'\nusd_per_mtok_output = 1\n[[tiers]]\nname = 'a'\n"
     "usd_per_mtok_output = 2\n", ["p.toml", "'a'", "twice"]),
    ("power_mw = 1\n[[tiers]]\nname = 'a'\nusd_per_mtok_output = 1\nmin_mtok_per_day = 5\n"
     "max_mtok_per_day = 2\n", ["p.toml", "min_mtok_per_day"]),
    ("power_mw = 1\n[[tiers]]\nname = 'a'\nusd_per_mtok_output = 1\nmax_share = 0.5\n",
     ["p.toml", "max_share", "0.5"]),
    ("power_mw = 1\n[[hardware]]\nname = 'H100'\nall_in_kw = 0\n", ["p.toml", "all_in_kw"]),
    ("power_mw = 1\n[[hardware]]\nname = 'H100'\nownership = 'borrow'\n",
     ["p.toml", "ownership"]),
    ("power_mw = = 1\n", ["p.toml", "not valid TOML"]),
    ("power_mw = 'one'\n", ["p.toml", "power_mw"]),
]


@pytest.mark.parametrize(("text", "names"), BAD_FILES)
def test_bad_plan_files_fail_in_one_line(isolated_env: Path, text: str, names: list[str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    Path("p.toml").write_text(text)
    fails_in_one_line(["plan", "--plan", "p.toml"], capsys, names)


def test_curve_file_errors_name_the_row(curve: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("bad.csv").write_text("per_user_tps,output_tps_per_gpu\n10,abc\n")
    fails_in_one_line(["plan", "--power-mw", "1", "--hardware", "H100", "--frontier",
                       "H100=bad.csv"], capsys, ["bad.csv", "row 1", "abc"])
    Path("cols.csv").write_text("a,b\n1,2\n")
    fails_in_one_line(["plan", "--power-mw", "1", "--hardware", "H100", "--frontier",
                       "H100=cols.csv"], capsys, ["cols.csv", "tok_s_per_user"])
    Path("bad.json").write_text("{not json")
    fails_in_one_line(["plan", "--power-mw", "1", "--hardware", "H100", "--frontier",
                       "H100=bad.json"], capsys, ["bad.json", "not JSON"])
    fails_in_one_line(["plan", "--power-mw", "1", "--hardware", "MI300X", "--frontier",
                       f"MI300X={curve}"], capsys, ["no point for MI300X"])
    fails_in_one_line(["plan", "--power-mw", "1", "--hardware", "NOPE", "--frontier",
                       f"NOPE={curve}"], capsys, ["NOPE", "all_in_kw"])


def test_unknown_run_ids_are_one_line_before_any_projection(
        isolated_env: Path, run_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(["plan", "--power-mw", "1", "--db", run_db, "--from-run", "zzz"], capsys,
                      ["--frontier local=run:zzz", "no run 'zzz'"])
    fails_in_one_line(["plan", "--power-mw", "1", "--db", run_db, "--hardware", "H100,local",
                       "--model", "llama-3.1-8b", "--frontier", "local=run:yyy"], capsys,
                      ["run:yyy"])
    fails_in_one_line(["plan", "--power-mw", "1", "--db", run_db, "--hardware", "H100",
                       "--model", "llama-3.1-8b", "--calibrate", "zzz"], capsys,
                      ["--calibrate", "zzz"])
