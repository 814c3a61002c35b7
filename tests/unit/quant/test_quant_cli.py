"""``tokenfab quantize`` and ``tokenfab speculate`` reject every bad flag in one line before
any llama.cpp tool or engine runs (none is built here: a flag that slipped through would
surface as a build error naming neither the flag nor the value)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli_support import fails_in_one_line

from tokenfab.cli.quantize import quantize_cmd

TYPES = "F16, Q8_0, Q4_1, Q4_K, Q4_0, Q3_K, Q2_K"


@pytest.fixture(autouse=True)
def files(tmp_path: Path, isolated_env: Path) -> Path:
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)))
    return tmp_path


@pytest.mark.parametrize(("args", "needle"), [
    (["--types", "bogus"], f"--types bogus: unsupported; choose from {TYPES}"),
    (["--types", "Q5_K"], f"choose from {TYPES}"),
    (["--types", ","], "--types is empty"),
    (["--model", "nope"], "'nope' is not an embedded model; choose from smollm2-135m"),
    (["--model", "smollm2-135m,llama-70b"], "choose from smollm2-135m, gemma3-270m"),
    (["--model", ","], "--model is empty"),
    (["--hourly-usd", "-1"], "--hourly-usd: input should be greater than or equal to 0"),
    (["--hourly-usd", "nan"], "--hourly-usd: input should be a finite number"),
    (["--chunks", "0"], "--chunks: input should be greater than or equal to 1"),
    (["--chunks", "101"], "--chunks: input should be less than or equal to 100"),
    (["--ctx", "8"], "--ctx: input should be greater than or equal to 16"),
    (["--ctx", "100000"], "--ctx: input should be less than or equal to 4096"),
    (["--chunks", "1", "--ctx", "16"], "scores 7 tokens; llama-perplexity reports KL"),
    (["--threads", "0"], "--threads: input should be greater than or equal to 1"),
    (["--eval-tasks", "bogus"], "--eval-tasks: unknown task set bogus"),
    (["--eval-tasks", "binary.bin"], "--eval-tasks binary.bin: not UTF-8 text"),
    (["--eval-tasks", "arithmetic", "--eval-limit", "0"], "--eval-limit: input should be"),
    (["--eval-style", "zero"], "'zero' is not one of 'chat', 'fewshot'"),
    (["--json", "/nonexistent/q.json"], "--json /nonexistent/q.json: cannot write"),
    (["--markdown", "/nonexistent/q.md"], "--markdown /nonexistent/q.md: cannot write"),
])
def test_quantize_bad_flag_is_one_line(args: list[str], needle: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert needle in fails_in_one_line(["quantize", *args], capsys)
    assert not (tmp_path / "cache").exists()  # nothing was built or cached


@pytest.mark.parametrize(("args", "needle"), [
    (["--draft-max", "0"], "--draft-max: input should be greater than or equal to 1 (got 0)"),
    (["--draft-max", "1000"], "--draft-max: input should be less than or equal to 64"),
    (["--requests", "0"], "--requests: input should be greater than or equal to 1"),
    (["--max-tokens", "7"], "--max-tokens: input should be greater than or equal to 8"),
    (["--max-tokens", "5000"], "--max-tokens: input should be less than or equal to 768"),
    (["--hourly-usd", "-1"], "--hourly-usd: input should be greater than or equal to 0"),
    (["--hourly-usd", "inf"], "--hourly-usd: input should be a finite number"),
    (["--model", "nope"], "'nope' is not an embedded model"),
    (["--draft", "bogus"], f"--draft bogus: unsupported; choose from {TYPES}"),
    (["--draft", "Q4_0,Q2_K"], "--draft Q4_0,Q2_K: give one precision"),
    (["--json", "/nonexistent/s.json"], "--json /nonexistent/s.json: cannot write"),
])
def test_speculate_bad_flag_is_one_line(args: list[str], needle: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert needle in fails_in_one_line(["speculate", *args], capsys)
    assert not (tmp_path / "cache").exists()


def test_help_names_the_honesty_note() -> None:
    result = CliRunner().invoke(quantize_cmd, ["--help"])
    assert result.exit_code == 0
    assert "cannot regain" in result.output and "--chunks" in result.output
