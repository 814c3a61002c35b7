"""``tokenfab project`` with bad flags: one ``tokenfab: error:`` line naming the flag, a
non-zero exit, no traceback and no output file; and the good path's table and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line, succeeds

from tokenfab.cli.main import main

BASE = ["project", "--model", "llama-3.1-8b", "--isl", "128", "--osl", "64"]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "notjson.json").write_text("{hidden_size: 4096")
    (tmp_path / "latin1.json").write_bytes('{"model_type": "caf\xe9"}'.encode("latin-1"))
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "partial.json").write_text('{"model_type": "llama", "hidden_size": 4096}')
    (tmp_path / "adir").mkdir()
    return tmp_path


CASES: list[tuple[list[str], list[str]]] = [
    (["--hardware", "H100", "--concurrency", "1.5"], ["--concurrency", "whole number"]),
    (["--hardware", "H100", "--concurrency", "1e12"], ["--concurrency", "16,384"]),
    (["--hardware", "H100", "--concurrency", "1000000"], ["--concurrency", "16,384"]),
    (["--hardware", "H100", "--concurrency", "0"], ["--concurrency"]),
    (["--hardware", "H100", "--concurrency", "-4"], ["--concurrency"]),
    (["--hardware", "H100", "--concurrency", ""], ["--concurrency"]),
    (["--hardware", ""], ["--hardware is empty", "hardware list"]),
    (["--hardware", " , "], ["--hardware is empty"]),
    (["--hardware", "H100,,B200"], ["--hardware", "empty name"]),
    (["--hardware", "H900"], ["H900", "known"]),
    (["--hardware", "H100", "--tier", "nope"], ["--tier 'nope'", "neocloud_on_demand"]),
    (["--hardware", "MI300X", "--tier", "nope"], ["--tier 'nope'", "no rental prices"]),
    (["--hardware", "H100", "--tier", ""], ["--tier is empty"]),
    (["--hardware", "H100", "--isl", "100000000000"], ["--isl", "context"]),
    (["--hardware", "H100", "--isl", "900000"], ["kv cache", "--isl"]),
    (["--hardware", "H100", "--osl", "0"], ["--osl"]),
    (["--hardware", "H100", "--osl", "40000"], ["--osl", "32,768"]),
    (["--hardware", "H100", "--isl", "N(1,2"], ["--isl"]),
    (["--hardware", "H100", "--gpus", "0"], ["--gpus"]),
    (["--hardware", "H100", "--gpus", "-1"], ["--gpus"]),
    (["--hardware", "H100", "--gpus", "1e3"], ["--gpus"]),
    (["--hardware", "H100", "--gpus", "1000001"], ["--gpus"]),
    (["--hardware", "H100", "--tp", "3", "--gpus", "2"], ["--tp 3", "--gpus 2"]),
    (["--hardware", "H100", "--tp", "0"], ["--tp"]),
    (["--hardware", "H100", "--precision", "fp6"], ["--precision"]),
    (["--hardware", "H100", "--compute", "fp4"], ["--compute fp4", "H100", "FP4"]),
    (["--hardware", "H100", "--weights", "mxfp5"], ["--weights"]),
    (["--hardware", "H100", "--kv-dtype", "int3"], ["--kv-dtype"]),
    (["--hardware", "H100", "--precision", "fp8", "--weights", "mxfp4"],
     ["--precision fp8", "--weights mxfp4", "disagree"]),
    (["--hardware", "H100", "--engine", "tgi"], ["--engine"]),
    (["--hardware", "H100", "--slo", "bogus"], ["--slo"]),
    (["--hardware", "H100", "--slo", ""], ["--slo"]),
    (["--hardware", "H100", "--slo", "tpot_ms=-5"], ["--slo"]),
    (["--hardware", "H100", "--json", "/nonexistent/x.json"], ["--json", "/nonexistent"]),
    (["--hardware", "H100", "--json", "adir"], ["--json adir", "is a directory"]),
    (["--hardware", "H100", "--json", ""], ["--json is empty"]),
    (["--hardware", "H100", "--calibrate", "nosuchrun"], ["nosuchrun"]),
    (["--hardware", "H100", "--calibrate", ""], ["--calibrate is empty"]),
    (["--hardware", "H100", "--calibrate-precision", "int4"], ["--calibrate-precision"]),
    (["--hardware", "H100", "--calibrate-precision", "int3", "--calibrate", "x"],
     ["--calibrate-precision"]),
    (["--hardware", "H100", "--db", "sqlite:///x.db"], ["--db", "--calibrate"]),
]
MODEL_CASES: list[tuple[str, list[str]]] = [
    ("", ["--model is empty"]),
    ("notjson.json", ["notjson.json", "not valid JSON"]),
    ("latin1.json", ["latin1.json", "UTF-8"]),
    ("list.json", ["list.json", "JSON object"]),
    ("partial.json", ["partial.json", "num_hidden_layers"]),
    ("adir", ["adir"]),
    ("missing/config.json", ["missing/config.json"]),
    ("llama-9-1t", ["llama-9-1t", "llama-3.1-8b"]),
]


@pytest.mark.parametrize(("args", "words"), CASES, ids=[" ".join(a)[:50] for a, _ in CASES])
def test_bad_flag_is_one_line(args: list[str], words: list[str],
                              capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    fails_in_one_line([*BASE, *args, "--json", str(isolated / "out.json")]
                      if "--json" not in args else [*BASE, *args], capsys, words, ignore_case=True)
    assert not (isolated / "out.json").exists()


@pytest.mark.parametrize(("model", "words"), MODEL_CASES,
                         ids=[m or "empty" for m, _ in MODEL_CASES])
def test_bad_model_is_one_line(model: str, words: list[str],
                               capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(["project", "--model", model, "--hardware", "H100"], capsys, words,
                      ignore_case=True)


def test_table_says_what_its_ranges_and_prices_are(capsys: pytest.CaptureFixture[str]) -> None:
    out = " ".join(succeeds([*BASE, "--hardware", "H100,MI300X", "--concurrency", "1,8",
                             "--slo", "tpot_ms=1000"], capsys).split())
    assert "ranges: p10–p90 of cross-validated residuals, dense-memory (modelled)" in out
    assert "efficiency: learned from" in out and "published points" in out
    assert "no catalog price for Instinct MI300X" in out
    assert "max concurrency meeting the SLO (p50): H100 SXM5 80GB 8, Instinct MI300X 8" in out
    assert "ci95" not in out


def test_json_document_is_a_projection(isolated: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = isolated / "p.json"
    succeeds([*BASE, "--hardware", "H100", "--concurrency", "1,4", "--json", str(path)], capsys)
    doc = json.loads(path.read_text())
    assert doc["schema"] == "tokenfab.projection/1" and doc["kind"] == "projection"
    assert doc["config"]["concurrency"] == [1, 4] and doc["band_kind"].startswith("p10–p90")
    for p in doc["points"]:
        assert "ci95" not in p and "ci95" not in p["cost"]
        assert p["cost"]["band_kind"] == p["band"]["kind"]
        assert p["band"]["kind"].startswith("p10–p90 of cross-validated residuals")
        assert p["band"]["regime"] in p["band"]["kind"]
        assert p["weights"] == "bf16" and p["compute"] == "bf16" and p["kv_dtype"] == "bf16"
        lo, hi = p["cost"]["band"]["usd_per_mtok_output_all_in"]
        assert lo < hi
    out = succeeds([*BASE, "--hardware", "H100", "--concurrency", "1", "--json", "-"], capsys)
    assert json.loads(out)["points"][0]["hardware"] == "H100 SXM5 80GB"


def test_json_document_reads_as_a_report_view(isolated: Path) -> None:
    from tokenfab.report.document import read_document

    path = isolated / "p.json"
    main([*BASE, "--hardware", "H100", "--concurrency", "1,4", "--json", str(path)])
    view = read_document(str(path))
    assert view.kind == "modelled" and len(view.points) == 2
    assert view.label == "llama-3.1-8b on H100 SXM5 80GB (modelled)"


def test_explicit_precision_axes(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeds([*BASE, "--hardware", "H200", "--weights", "mxfp4", "--compute", "bf16",
                    "--kv-dtype", "fp8", "--concurrency", "1", "--json", "-"], capsys)
    p = json.loads(out)["points"][0]
    assert (p["weights"], p["compute"], p["kv_dtype"], p["precision"]) == (
        "mxfp4", "bf16", "fp8", "fp4")


def test_fp4_shorthand_projects_on_hardware_without_fp4(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    out = succeeds([*BASE, "--hardware", "H200", "--precision", "fp4", "--concurrency", "1"],
                   capsys)
    assert "mxfp4 weights" in out and "(bf16)" in out
