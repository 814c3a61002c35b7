"""``tokenfab eval``: every bad flag is one line before any engine starts; the library entry
point scores and prices a run against a canned server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.cli_support import fails_in_one_line

from tokenfab.errors import ConfigError, DatasetError
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.evaluate import EvalConfig
from tokenfab.session.evaluate import run_eval

URL = ["--url", "http://127.0.0.1:9", "--model", "m"]


@pytest.fixture(autouse=True)
def files(tmp_path: Path, isolated_env: Path) -> Path:
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "bad.jsonl").write_text("not json\n[1]\n")
    return tmp_path


@pytest.mark.parametrize(("args", "needle"), [
    (["--tasks", "binary.bin"], "--tasks binary.bin: not UTF-8 text"),
    (["--tasks", "missing.jsonl"], "--tasks missing.jsonl: cannot read"),
    (["--tasks", "./missing"], "--tasks ./missing: cannot read"),
    (["--tasks", "empty.jsonl"], "--tasks empty.jsonl: the file is empty"),
    (["--tasks", "bad.jsonl"], "--tasks bad.jsonl: no valid rows (2 bad)"),
    (["--tasks", "trivia"], "unknown task set trivia"),
    (["--tasks", " "], "--tasks is empty"),
    (["--limit", "0"], "--limit: input should be greater than or equal to 1 (got 0)"),
    (["--shots", "-1"], "--shots: input should be greater than or equal to 0 (got -1)"),
    (["--shots", "33"], "--shots: input should be less than or equal to 32"),
    (["--concurrency", "0"], "--concurrency: input should be greater than or equal to 1"),
    (["--concurrency", "100000"], "--concurrency: input should be less than or equal to 256"),
    (["--max-tokens", "0"], "--max-tokens: input should be greater than or equal to 1"),
    (["--timeout", "0"], "--timeout: input should be greater than 0"),
    (["--timeout", "nan"], "--timeout: input should be a finite number"),
    (["--hourly-usd", "-1"], "--hourly-usd"),
    (["--json", "/nonexistent/x.json"], "--json /nonexistent/x.json: cannot write"),
    (["--style", "zero"], "'zero' is not one of 'chat', 'fewshot'"),
])
def test_bad_flag_is_one_line(args: list[str], needle: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    line = fails_in_one_line(["eval", *URL, *args], capsys)
    assert needle in line


@pytest.mark.parametrize(("args", "needle"), [
    (["--url", "http://[::1", "--model", "m"], "--url 'http://[::1': Invalid IPv6 URL"),
    (["--url", "ftp://host", "--model", "m"], "give http(s)://host:port"),
    (["--url", "http://127.0.0.1:9"], "--url needs --model NAME"),
    ([*URL, "--api-key", "clé€"], "--api-key: a bearer token is printable ASCII"),
    ([*URL, "--model-file", "binary.bin"], "--model-file starts the embedded engine"),
    (["--model", "llama-70b"], "choose from smollm2-135m, gemma3-270m"),
])
def test_bad_target_is_one_line(args: list[str], needle: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert needle in fails_in_one_line(["eval", *args], capsys)


def test_bad_tasks_stop_before_the_engine_starts(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --url the embedded engine would start; a bad task file is found first."""
    line = fails_in_one_line(["eval", "--tasks", "binary.bin"], capsys)
    assert "binary.bin" in line and "llama-server" not in line


def _server(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    prompt = body["messages"][0]["content"]
    return httpx.Response(200, json={
        "choices": [{"message": {"content": "42" if "42" in prompt else "0"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3}})


def test_run_eval_scores_and_prices_through_the_library(tmp_path: Path) -> None:
    rows = [{"id": "a", "task": "t", "prompt": "say 42", "answer": 42, "check": "int"},
            {"id": "b", "task": "t", "prompt": "say 7", "answer": 7, "check": "int"}]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    notes: list[str] = []
    cfg = EvalConfig(url="http://test", model="m", tasks=str(path),
                     profile=TcoProfile(rental_usd_per_hour=3.6))
    report = run_eval(cfg, progress=notes.append, transport=httpx.MockTransport(_server))
    assert (report.result.overall.correct, report.result.overall.n) == (1, 2)
    assert notes == [f"skipped {path} line 3: not JSON (Expecting value)"]
    assert report.cost is not None
    # $3.6/h × wall_s / 3600 = $0.001 per second of evaluation
    assert report.cost.cost_usd == pytest.approx(0.001 * report.result.wall_s)
    doc = report.to_json_dict()
    assert doc["schema"] == "tokenfab.eval/1" and doc["correct"] == 1
    assert doc["prompt"] == {"style": "chat", "shots": 0}
    assert doc["target"] == {"kind": "openai", "url": "http://test"}
    assert doc["tokens"] == {"input": 14, "output": 6, "reasoning": 0}


def test_run_eval_raises_before_any_request_on_bad_tasks(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _server(request)

    with pytest.raises(DatasetError):
        run_eval(EvalConfig(url="http://test", model="m", tasks="binary.bin"),
                 transport=httpx.MockTransport(record))
    with pytest.raises(ConfigError):
        run_eval(EvalConfig(url="http://test", model="m", tasks="nope"),
                 transport=httpx.MockTransport(record))
    assert seen == []
