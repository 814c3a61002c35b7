"""``tokenfab quantize`` on the real llama.cpp tools (small: two types, two chunks)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.conftest import assert_one_line_error, tokenfab
from tokenfab.engines.build import find_tool

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOOLS = ("llama-quantize", "llama-perplexity", "llama-bench", "llama-server")
if any(find_tool(t) is None for t in TOOLS):
    if os.environ.get("CI"):
        raise RuntimeError("llama.cpp tools are not built; `make setup` must run first")
    pytest.skip("llama.cpp tools not built (run `make setup`)", allow_module_level=True)


def _registered() -> None:
    from tokenfab.cli.main import COMMANDS

    assert "quantize" in COMMANDS


def test_quantize_two_types_json_contract() -> None:
    _registered()
    proc = tokenfab("quantize", "--types", "Q4_1,Q4_0", "--chunks", "2", "--json", "-",
                    timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "tokenfab.quantize/2"
    (model,) = doc["models"]
    assert (model["key"], model["shipped_type"]) == ("smollm2-135m", "Q4_1")
    assert doc["honesty"][0].startswith("All variants derive from the shipped Q4_1 file "
                                        "(re-quantized from Q4_1: cannot regain precision)")
    assert model["reference"]["quant_type"] == "F16" and model["reference"]["ppl"] > 1
    assert doc["settings"]["chunks"] == 2
    assert doc["provenance"]["j_per_token"].startswith("modelled")
    rows = {r["precision"]: r for r in doc["rows"]}
    assert list(rows) == ["Q4_1", "Q4_0"]
    for r in rows.values():
        assert r["file_mb"] > 50
        assert r["decode_tok_per_s"] > 0 and r["prefill_tok_per_s"] > 0
        assert r["rss_mb"] is None or r["rss_mb"] > 50
        assert r["ppl"] > 1 and r["kld"] >= 0
        assert r["usd_per_mtok_output"] > 0
        assert r["accuracy"] is None
        assert r["derived_from"] == "Q4_1"
    assert rows["Q4_1"]["note"].startswith("shipped")
    assert rows["Q4_0"]["note"].startswith("re-quantized from Q4_1: cannot regain precision")
    # Q4_0 has fewer bits per weight than the Q4_1 it was made from.
    assert rows["Q4_0"]["file_mb"] < rows["Q4_1"]["file_mb"]
    # Everything diverges more from the reference after a lossy re-quantization.
    assert rows["Q4_0"]["kld"] > rows["Q4_1"]["kld"]
    assert "Quantization economics" in proc.stderr  # the table goes to stderr with --json -


def test_unknown_type_is_one_line_error() -> None:
    _registered()
    proc = tokenfab("quantize", "--types", "Q5_K", timeout=60)
    assert_one_line_error(proc, "Q5_K", "F16, Q8_0, Q4_1, Q4_K, Q4_0, Q3_K, Q2_K")


def test_unknown_model_is_one_line_error() -> None:
    proc = tokenfab("quantize", "--model", "smollm2-135m,llama-70b", timeout=60)
    assert_one_line_error(proc, "llama-70b", "choose from smollm2-135m, gemma3-270m")


def test_the_same_table_across_two_models() -> None:
    """SmolLM2 (Q4_1) and Gemma-3-270M (Q4_K_M, assembled from its part wheels) in one table."""
    proc = tokenfab("quantize", "--model", "smollm2-135m,gemma3-270m", "--types", "Q4_1,Q4_K",
                    "--chunks", "2", "--no-rss", "--eval-tasks", "arithmetic",
                    "--eval-limit", "3", "--json", "-", timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert [(m["key"], m["shipped_type"]) for m in doc["models"]] == [
        ("smollm2-135m", "Q4_1"), ("gemma3-270m", "Q4_K")]
    assert Path(doc["models"][1]["source"]).stat().st_size == 253_113_024
    rows = {(r["model"], r["precision"]): r for r in doc["rows"]}
    assert list(rows) == [("smollm2-135m", "Q4_1"), ("smollm2-135m", "Q4_K"),
                          ("gemma3-270m", "Q4_1"), ("gemma3-270m", "Q4_K")]
    assert rows[("gemma3-270m", "Q4_K")]["note"] == "shipped Q4_K file, not re-quantized"
    assert rows[("gemma3-270m", "Q4_1")]["note"].endswith("(format/speed change only)")
    assert rows[("smollm2-135m", "Q4_K")]["note"].endswith("(errors compound)")
    for r in rows.values():
        assert r["decode_tok_per_s"] > 0 and r["ppl"] > 1 and r["kld"] >= 0
        assert r["accuracy"] is not None and 0 <= r["accuracy"] <= 1
    # Gemma-3-270M has twice the parameters: its shipped file is the bigger one
    assert rows[("gemma3-270m", "Q4_K")]["file_mb"] > 2 * rows[("smollm2-135m", "Q4_1")]["file_mb"]
    assert "tokenizers differ" in doc["honesty"][-1]


def test_quantize_fills_the_accuracy_column() -> None:
    _registered()
    proc = tokenfab("quantize", "--types", "Q4_1", "--chunks", "2", "--no-rss",
                    "--eval-tasks", "arithmetic", "--eval-limit", "4", "--json", "-",
                    timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    row = doc["rows"][0]
    acc = row.get("accuracy")
    assert acc is not None and 0.0 <= acc <= 1.0


def test_speculate_contract() -> None:
    proc = tokenfab("speculate", "--requests", "1", "--max-tokens", "24", "--draft", "",
                    "--json", "-", timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    configs = {(r["config"], r["workload"]) for r in doc["rows"]}
    assert {("none", "copy"), ("none", "free"), ("prompt-lookup", "copy")} <= configs
    assert all(r["decode_tok_s"] > 0 for r in doc["rows"])


def test_tune_runs_real_trials_and_resumes(tmp_path: Path) -> None:
    state, db = tmp_path / "tune.jsonl", tmp_path / "t.db"
    # a two-point space: the default (SmolLM2, shipped Q4_1) and Gemma-3-270M's shipped Q4_K_M
    args = ["tune", "--slo", "tpot_ms=500", "--quality-floor", "0", "--tasks", "arithmetic",
            "--eval-limit", "2", "--requests", "4", "--concurrency", "2",
            "--models", "smollm2-135m,gemma3-270m", "--precisions", "shipped", "--slots", "2",
            "--threads", "2", "--ctx-sizes", "512", "--lookup", "0", "--state", str(state)]
    first = tokenfab(*args, "--trials", "1", db=db, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    assert len(state.read_text().splitlines()) == 1
    second = tokenfab(*args, "--trials", "2", "--json", "-", db=db, timeout=600)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "resuming, 1 trial(s)" in second.stderr
    doc = json.loads(second.stdout)
    assert len(doc["trials"]) == 2
    # floor 0 and a loose SLO: both are feasible, so the best is simply the cheaper one
    cheapest = min(doc["trials"], key=lambda x: x["usd_per_mtok_output"])
    assert doc["best"]["config"] == cheapest["config"]
    assert doc["best"]["usd_per_mtok_output"] == cheapest["usd_per_mtok_output"]
    assert [x["config"]["model"] for x in doc["trials"]] == ["smollm2-135m", "gemma3-270m"]
    assert all(x["error"] is None and x["usd_per_mtok_output"] > 0 for x in doc["trials"])
    # the KL guard measured each shipped file against its own F16 re-encoding: small, not 0
    assert all(0 < x["kld"] < doc["max_kld"] == 0.1 for x in doc["trials"])
    assert doc["default"] == "smollm2-135m/shipped/np2/t2/c512/plain"
    third = tokenfab(*args, "--trials", "3", db=db, timeout=600)
    assert third.returncode == 0 and "all 2 configurations of the space tried" in third.stderr
