"""``tokenfab eval`` end to end: the real embedded llama.cpp engine, and the simulator."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import tokenfab
from tokenfab.engines.sim import SimConfig, SimServer

pytestmark = pytest.mark.integration

def _eval(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``tokenfab eval ...`` as a user runs it."""
    return tokenfab("eval", *args, timeout=timeout)


def _contract(doc: dict[str, Any]) -> None:
    assert doc["schema"] == "tokenfab.eval/1"
    for key in ("model", "accuracy", "tasks", "correct", "n", "tokens", "usd_per_correct",
                "usd_per_mtok_output", "cost_usd", "wall_s", "errors", "bad_rows",
                "provenance"):
        assert key in doc, key
    assert set(doc["tokens"]) == {"input", "output", "reasoning"}
    assert 0.0 <= doc["accuracy"] <= 1.0
    assert doc["correct"] == sum(t["correct"] for t in doc["tasks"].values())
    assert doc["n"] == sum(t["n"] for t in doc["tasks"].values())


def test_eval_embedded_gemma_by_name() -> None:
    """``--model gemma3-270m`` without ``--url`` serves Gemma-3-270M (its chat template set)."""
    proc = _eval("--model", "gemma3-270m", "--tasks", "arithmetic", "--limit", "3",
                 "--json", "-")
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    _contract(doc)
    assert doc["model"] == "gemma-3-270m" and doc["n"] == 3
    assert doc["tokens"]["input"] > 0 and doc["tokens"]["output"] > 0
    assert "Gemma-3-270M Q4_K" in proc.stderr
    assert doc["prompt"] == {"style": "chat", "shots": 0}


def test_eval_fewshot_completions_stop_after_one_answer() -> None:
    """``--style fewshot``: solved examples + the item via /v1/completions; the stop
    sequences end each reply after one answer (the base model no longer runs to the cap)."""
    proc = _eval("--model", "gemma3-270m", "--style", "fewshot", "--shots", "2",
                 "--tasks", "extraction", "--limit", "4", "--json", "-")
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    _contract(doc)
    assert doc["prompt"] == {"style": "fewshot", "shots": 2}
    assert all(i["finish_reason"] == "stop" and i["error"] is None for i in doc["items"])
    assert doc["tokens"]["output"] < 4 * 16  # short answers, not 64-token continuations
    assert doc["tokens"]["input"] > 4 * 150  # two solved passages precede every item


def test_eval_embedded_unknown_model_is_one_line() -> None:
    proc = _eval("--model", "llama-70b", "--tasks", "arithmetic", timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "choose from smollm2-135m, gemma3-270m" in proc.stderr


def test_eval_embedded_engine_json_contract() -> None:
    proc = _eval("--tasks", "arithmetic,format", "--limit", "8", "--hourly-usd", "0.1",
                 "--json", "-")
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    _contract(doc)
    assert doc["model"] == "SmolLM2-135M-Instruct"
    assert set(doc["tasks"]) == {"arithmetic", "format"}
    assert doc["n"] == 16 and all(t["n"] == 8 for t in doc["tasks"].values())
    assert doc["tokens"]["input"] > 0 and doc["tokens"]["output"] > 0
    assert doc["wall_s"] > 0
    # cost = $0.1/h × wall_s / 3600 (measured time × assumed price)
    assert doc["cost_usd"] == pytest.approx(0.1 * doc["wall_s"] / 3600)
    assert doc["usd_per_mtok_output"] == pytest.approx(
        doc["cost_usd"] / doc["tokens"]["output"] * 1e6)
    if doc["correct"]:
        assert doc["usd_per_correct"] == pytest.approx(doc["cost_usd"] / doc["correct"])
    else:
        assert doc["usd_per_correct"] is None and doc["cost_note"]
    assert "set" in proc.stderr and "arithmetic" in proc.stderr  # the table went to stderr


def test_eval_simulator_scores_zero_without_crashing(tmp_path: Path) -> None:
    with SimServer(SimConfig(ttft_ms=1, itl_ms=0, token_text="tok ")) as sim:
        proc = _eval("--url", sim.url, "--model", "sim-model", "--tasks", "all",
                     "--limit", "5", "--max-tokens", "3", "--hourly-usd", "1",
                     "--json", str(tmp_path / "eval.json"), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((tmp_path / "eval.json").read_text())
    _contract(doc)
    assert (doc["accuracy"], doc["correct"], doc["n"]) == (0.0, 0, 20)
    assert doc["tokens"]["output"] == 20 * 3  # the simulator always returns max_tokens
    assert doc["usd_per_correct"] is None and "no correct answers" in doc["cost_note"]
    assert doc["errors"] == {}
    assert "0.0%" in proc.stdout


def test_eval_empty_answers_are_reported_not_a_crash(tmp_path: Path) -> None:
    rows = [{"id": str(i), "task": "mine", "prompt": "say something", "answer": "x",
             "check": "exact"} for i in range(3)]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    with SimServer(SimConfig(ttft_ms=1, itl_ms=0, token_text=" ")) as sim:
        proc = _eval("--url", sim.url, "--model", "sim-model", "--tasks", str(path),
                     "--max-tokens", "2", "--json", "-", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["empty_answers"] == 3 and doc["correct"] == 0
    assert doc["bad_rows"] == [{"source": str(path), "line": 4, "error": "not JSON "
                                "(Expecting value)"}]
    assert "3 empty answers" in proc.stderr
    assert "line 4" in proc.stderr


def test_eval_server_errors_are_counted_not_fatal() -> None:
    with SimServer(SimConfig(ttft_ms=1, itl_ms=0, error_500_rate=0.5, seed=3)) as sim:
        proc = _eval("--url", sim.url, "--model", "sim-model", "--tasks", "counting",
                     "--limit", "8", "--json", "-", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    failed = doc["errors"].get("http_500", 0)
    assert 0 < failed < 8, doc["errors"]
    assert f"{failed} requests failed" in proc.stderr


def test_eval_where_every_request_fails_is_one_line_error() -> None:
    with SimServer(SimConfig(ttft_ms=1, itl_ms=0, error_500_rate=1.0)) as sim:
        proc = _eval("--url", sim.url, "--model", "sim-model", "--tasks", "counting",
                     "--limit", "4", "--json", "-", timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tokenfab: error: all 4 eval requests")
    assert "http_500 ×4" in lines[0] and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_eval_unknown_set_is_one_line_error() -> None:
    proc = _eval("--tasks", "trivia", "--url", "http://127.0.0.1:1", "--model", "m")
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("tokenfab: error:") and "arithmetic" in last, proc.stderr
    assert "Traceback" not in proc.stderr
