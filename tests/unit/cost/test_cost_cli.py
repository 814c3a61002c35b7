"""``tokenfab cost`` and ``tokenfab hardware`` on bad input: one line naming the flag or the
file, a non-zero exit, never a traceback; and the JSON and text of a good call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line, succeeds

NOWHERE = "/nonexistent/dir/out"
PRICE = ["--tok-s", "100", "--hourly-usd", "1"]


@pytest.fixture(autouse=True)
def files(tmp_path: Path, isolated_env: Path) -> Path:
    (tmp_path / "adir").mkdir()
    (tmp_path / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    (tmp_path / "bool.toml").write_text('name = "x"\nrental_usd_per_hour = true\n')
    (tmp_path / "typo.toml").write_text("rental_usd_per_hour = 2\npeu = 1.3\n")
    (tmp_path / "notoml.toml").write_text("rental_usd_per_hour = \n")
    (tmp_path / "hw_bool.toml").write_text(
        '[X1]\nvendor = "A"\nname = "X1"\nfamily = "f"\ndense_bf16_tflops = 1.0\n'
        "memory_gb = 1.0\nmemory_tb_s = 1.0\ntdp_w = true\n")
    return tmp_path


CASES: list[tuple[list[str], list[str]]] = [
    # what to price
    (["cost", "--hourly-usd", "1"], ["--run", "--tok-s"]),
    (["cost", "--run", "x", "--tok-s", "1", "--hourly-usd", "1"], ["--run", "--tok-s"]),
    (["cost", "--tok-s", "10"], ["no price", "--hourly-usd"]),
    (["cost", "--tok-s", "nan", "--hourly-usd", "1"], ["--tok-s", "nan"]),
    (["cost", "--tok-s", "inf", "--hourly-usd", "1"], ["--tok-s", "inf"]),
    (["cost", "--tok-s", "0", "--hourly-usd", "1"], ["--tok-s", "> 0"]),
    (["cost", "--tok-s", "-5", "--hourly-usd", "1"], ["--tok-s"]),
    (["cost", "--tok-s", "abc", "--hourly-usd", "1"], ["tok-s", "abc"]),
    (["cost", *PRICE, "--tokens-per-day", "nan"], ["--tokens-per-day"]),
    (["cost", *PRICE, "--tokens-per-day", "0"], ["--tokens-per-day"]),
    (["cost", *PRICE, "--tokens-per-day", "-1e6"], ["--tokens-per-day"]),
    (["cost", *PRICE, "--blend-ratio", "2"], ["--blend-ratio", "--run"]),
    (["cost", *PRICE, "--bootstrap", "10"], ["--bootstrap", "--run"]),
    (["cost", *PRICE, "--db", "sqlite:///x.db"], ["--db", "--run"]),
    (["cost", *PRICE, "--json", ""], ["--json"]),
    (["cost", *PRICE, "--json", f"{NOWHERE}/x.json"], ["/nonexistent"]),
    (["cost", *PRICE, "--json", "adir"], ["--json", "directory"]),
    (["cost", "--run", "nosuchrun", "--hourly-usd", "1", "--json", f"{NOWHERE}/x.json"],
     ["--json", "/nonexistent"]),
    # the hourly price
    (["cost", "--tok-s", "10", "--hourly-usd", "nan"], ["--hourly-usd", "nan"]),
    (["cost", "--tok-s", "10", "--hourly-usd", "-1"], ["--hourly-usd", ">= 0"]),
    (["cost", "--tok-s", "10", "--hourly-usd", "inf"], ["--hourly-usd"]),
    (["cost", "--tok-s", "10", "--hourly-usd", "1", "--hardware", "H100"], ["one of"]),
    (["cost", "--tok-s", "10", "--hardware", "H100", "--gpus", "0"], ["--gpus", "at least 1"]),
    (["cost", "--tok-s", "10", "--hardware", "H100", "--gpus", "-2"], ["--gpus"]),
    (["cost", "--tok-s", "10", "--hardware", "H100", "--gpus", "1.5"], ["gpus", "1.5"]),
    (["cost", "--tok-s", "10", "--hardware", ""], ["--hardware", "empty"]),
    (["cost", "--tok-s", "10", "--hardware", "H900"], ["h900", "h100"]),
    (["cost", "--tok-s", "10", "--hardware", "H100", "--tier", "nope"], ["nope"]),
    (["cost", "--tok-s", "10", "--hardware", "H100", "--tier", ""], ["--tier", "empty"]),
    (["cost", "--tok-s", "10", "--hourly-usd", "1", "--tier", "spot"], ["--tier", "--hardware"]),
    (["cost", "--tok-s", "10", "--hourly-usd", "1", "--capex"], ["--capex", "--hardware"]),
    (["cost", "--tok-s", "10", "--pue", "1.2"], ["need a price"]),
    # profiles
    (["cost", "--tok-s", "10", "--profile", "adir"], ["adir", "directory"]),
    (["cost", "--tok-s", "10", "--profile", "missing.toml"], ["missing.toml", "no such file"]),
    (["cost", "--tok-s", "10", "--profile", "latin1.toml"], ["latin1.toml", "utf-8"]),
    (["cost", "--tok-s", "10", "--profile", "bool.toml"], ["rental_usd_per_hour", "number"]),
    (["cost", "--tok-s", "10", "--profile", "typo.toml"], ["peu", "allowed keys"]),
    (["cost", "--tok-s", "10", "--profile", "notoml.toml"], ["notoml.toml", "toml"]),
    (["cost", "--tok-s", "10", "--profile", ""], ["--profile", "empty"]),
    # overrides
    (["cost", *PRICE, "--utilization", "0"], ["--utilization", "> 0"]),
    (["cost", *PRICE, "--utilization", "1.5"], ["--utilization", "<= 1"]),
    (["cost", *PRICE, "--utilization", "nan"], ["--utilization"]),
    (["cost", *PRICE, "--pue", "0.8"], ["--pue"]),
    (["cost", *PRICE, "--pue", "6"], ["--pue"]),
    (["cost", *PRICE, "--pue", "nan"], ["--pue"]),
    (["cost", *PRICE, "--usd-per-kwh", "-0.1"], ["--usd-per-kwh"]),
    (["cost", *PRICE, "--usd-per-kwh", "inf"], ["--usd-per-kwh"]),
    (["cost", *PRICE, "--overhead-usd-per-hour", "-1"], ["--overhead-usd-per-hour"]),
    (["cost", *PRICE, "--overhead-usd-per-hour", "nan"], ["--overhead-usd-per-hour"]),
    (["cost", *PRICE, "--overhead-pct", "-5"], ["--overhead-pct"]),
    (["cost", *PRICE, "--overhead-pct", "5000"], ["--overhead-pct"]),
    (["cost", *PRICE, "--overhead-pct", "nan"], ["--overhead-pct"]),
    # a stored run
    (["cost", "--run", "nosuchrun", "--hourly-usd", "1"], ["nosuchrun"]),
    (["cost", "--run", "", "--hourly-usd", "1"], ["--run", "empty"]),
    (["cost", "--run", "x", "--hourly-usd", "1", "--blend-ratio", "-1"], ["--blend-ratio"]),
    (["cost", "--run", "x", "--hourly-usd", "1", "--blend-ratio", "nan"], ["--blend-ratio"]),
    (["cost", "--run", "x", "--hourly-usd", "1", "--bootstrap", "-5"], ["--bootstrap"]),
    (["cost", "--run", "x", "--hourly-usd", "1", "--bootstrap", "1000000"], ["--bootstrap"]),
    (["cost", "--run", "x", "--hourly-usd", "1", "--tokens-per-day", "5"],
     ["--tokens-per-day", "--tok-s"]),
    (["cost", "--run", "x"], ["no price"]),
    # hardware
    (["hardware", "show", "nope"], ["nope", "known"]),
    (["hardware", "show", ""], ["unknown hardware"]),
    (["hardware", "show", "a\nb"], ["unknown hardware 'a\\nb'"]),
    (["hardware", "list", "--catalog", "adir"], ["adir"]),
    (["hardware", "list", "--catalog", "missing.toml"], ["missing.toml"]),
    (["hardware", "list", "--catalog", "latin1.toml"], ["latin1.toml", "utf-8"]),
    (["hardware", "list", "--catalog", "hw_bool.toml"], ["tdp_w", "number"]),
    (["hardware", "show", "X1", "--catalog", "notoml.toml"], ["notoml.toml", "toml"]),
    (["hardware", "local", "--bogus"], ["--bogus"]),
]


@pytest.mark.parametrize(("args", "words"), CASES, ids=[" ".join(a)[:70] for a, _ in CASES])
def test_bad_input_is_one_line(args: list[str], words: list[str],
                               capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(args, capsys, words, ignore_case=True)


def test_rate_json_and_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = succeeds(["cost", "--tok-s", "1000", "--hourly-usd", "3.6", "--utilization", "0.5",
                     "--tokens-per-day", "1e7", "--json", str(tmp_path / "c.json")], capsys)
    # 3.6 $/h / (1000 tok/s × 3600 s/h × 0.5) × 1e6 = $2 per 1M; 1e7 tokens/day = $20/day
    assert "$2.0000 per 1M output tokens" in text and "$20.00/day = $7,300.00/year" in text
    r = json.loads((tmp_path / "c.json").read_text())
    assert r["schema"] == "tokenfab.cost/1"
    assert r["usd_per_mtok_output"] == pytest.approx(2.0)
    assert r["breakdown_usd_per_mtok_output"] == pytest.approx(
        {"hardware": 2.0, "energy": 0.0, "overhead": 0.0})
    assert r["usd_per_day"] == pytest.approx(20.0) and r["usd_per_year"] == pytest.approx(7300)
    assert r["output_tok_s"] == 1000 and r["output_tokens_per_day"] == 1e7
    assert "breakdown" not in r and "tok_s" not in r


def test_catalog_gpus_multiply_the_price(capsys: pytest.CaptureFixture[str]) -> None:
    one = json.loads(succeeds(["cost", "--tok-s", "1000", "--hardware", "H100", "--json", "-"],
                              capsys))
    eight = json.loads(succeeds(["cost", "--tok-s", "1000", "--hardware", "H100", "--gpus", "8",
                                 "--json", "-"], capsys))
    assert eight["profile"]["accelerators"] == 8
    assert eight["usd_per_hour"] == pytest.approx(8 * one["usd_per_hour"])
