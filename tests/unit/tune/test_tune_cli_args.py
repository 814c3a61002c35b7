"""``tokenfab tune`` rejects every bad flag in one line, before any trial (or engine) starts.

The engine cannot start here (no llama.cpp build on the path), so a flag that slipped through
validation would surface as an engine error naming neither the flag nor the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line

from tokenfab.cli.main import main
from tokenfab.cli.tune import _precisions

pytestmark = pytest.mark.usefixtures("isolated_env")


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--slots", "0,2"], "--slots 0: must be >= 1"),
     (["--lookup", "4,x"], "--lookup 'x': not an integer"),
     (["--ctx-sizes", ","], "--ctx-sizes is empty"),
     (["--threads", "-1"], "--threads -1: must be >= 1"),
     (["--slots", "8,100000"], "--slots 100000: must be within 1..256"),
     (["--lookup", "0,1000"], "--lookup 1000: must be within 0..64"),
     (["--ctx-sizes", "512,10000000"], "--ctx-sizes 10000000: must be within 64..131072"),
     (["--concurrency", "100000"], "--concurrency: input should be less than or equal to 256"),
     (["--db", "bogus://x"], "no database driver for bogus://x"),
     (["--precisions", "shipped,Q5_K"], "--precisions Q5_K: unsupported"),
     (["--precisions", ","], "--precisions is empty"),
     (["--models", "gpt-5"], "choose from smollm2-135m, gemma3-270m"),
     (["--models", ","], "--models is empty"),
     (["--quality-floor", "1.5"], "--quality-floor"),
     (["--quality-floor", "nan"], "--quality-floor"),
     (["--trials", "0"], "--trials: input should be greater than or equal to 1 (got 0)"),
     (["--max-kld", "0"], "--max-kld"),
     (["--max-kld", "nan"], "--max-kld: input should be greater than 0 (got nan)"),
     (["--slo", ""], "--slo is empty"),
     (["--slo", "tpot_ms=0"], "--slo tpot_ms"),
     (["--slo", "tpot_ms=inf"], "--slo tpot_ms"),
     (["--slo", "speed=3"], "use keys ttft_ms, tpot_ms, e2e_ms"),
     (["--eval-limit", "0"], "--eval-limit: input should be greater than or equal to 1"),
     (["--tasks", "bogus"], "--tasks: unknown task set bogus"),
     (["--tasks", "missing.jsonl"], "--tasks missing.jsonl: cannot read"),
     (["--concurrency", "0"], "--concurrency: input should be greater than or equal to 1"),
     (["--requests", "0"], "--requests: input should be greater than or equal to 1"),
     (["--hourly-usd", "-1"], "--hourly-usd: input should be greater than or equal to 0"),
     (["--hourly-usd", "nan"], "--hourly-usd: input should be a finite number"),
     (["--json", "/nonexistent/x.json"], "--json /nonexistent/x.json: cannot write"),
     (["--state", "/nonexistent/s.jsonl"], "--state /nonexistent/s.jsonl: cannot write"),
     (["--eval-style", "zero-shot"], "'zero-shot' is not one of 'chat', 'fewshot'")],
)
def test_bad_flag_is_one_line_before_any_trial(args: list[str], needle: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    line = fails_in_one_line(["tune", *args], capsys)
    assert needle in line
    assert not (tmp_path / "tokenfab-tune.jsonl").exists()  # no trial was recorded
    assert not (tmp_path / "home").exists()  # no results database was opened


def test_malformed_state_file_is_one_line(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "s.jsonl"
    state.write_text("not a trial\n{}\n")
    line = fails_in_one_line(["tune", "--state", str(state)], capsys)
    assert f"--state {state} line 1: not a tune trial" in line
    assert state.read_text() == "not a trial\n{}\n"  # left as it was


def test_binary_state_file_is_one_line(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "s.jsonl"
    state.write_bytes(bytes(range(256)))
    assert "not UTF-8" in fails_in_one_line(["tune", "--state", str(state)], capsys)


def test_state_that_is_a_directory_is_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d").mkdir()
    assert "is a directory" in fails_in_one_line(["tune", "--state", str(tmp_path / "d")],
                                                 capsys)


def test_json_that_is_a_directory_is_one_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    line = fails_in_one_line(["tune", "--json", "."], capsys)
    assert "--json .: cannot write (it is a directory)" in line


def test_every_trial_failing_exits_non_zero(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """No llama.cpp build: every trial fails; tune says so and exits 2 (not 0), and the
    trials table still shows each trial's error."""
    with pytest.raises(SystemExit) as exc:
        main(["tune", "--trials", "2", "--max-kld", "inf", "--state", str(tmp_path / "s.jsonl")])
    out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert "Traceback" not in out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("tokenfab: error: all 2 trials failed, nothing was measured")
    assert "llama-quantize is not built" in last or "llama-server" in last
    assert len((tmp_path / "s.jsonl").read_text().splitlines()) == 2


def test_precisions_keep_shipped_symbolic_and_normalise_names() -> None:
    assert _precisions("shipped, q4_0 ,Q4_K_M,shipped,Q4_0") == ("shipped", "Q4_0", "Q4_K")
