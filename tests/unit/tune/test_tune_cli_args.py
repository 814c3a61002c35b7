"""``tokenfab tune`` rejects a bad search space in one line, before any trial starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tokenfab.cli.tune import _precisions, tune_cmd
from tokenfab.errors import ConfigError


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--slots", "0,2"], "--slots 0: must be >= 1"),
     (["--lookup", "4,x"], "--lookup 'x': not an integer"),
     (["--ctx-sizes", ","], "--ctx-sizes is empty"),
     (["--precisions", "shipped,Q5_K"], "--precisions Q5_K: unsupported"),
     (["--models", "gpt-5"], "choose from smollm2-135m, gemma3-270m"),
     (["--quality-floor", "1.5"], "--quality-floor must be within 0..1"),
     (["--trials", "0"], "--trials must be >= 1"),
     (["--max-kld", "0"], "--max-kld must be > 0 (got 0); 'inf' turns the guard off")],
)
def test_bad_space_is_one_line(args: list[str], needle: str, tmp_path: Path) -> None:
    state = tmp_path / "s.jsonl"
    result = CliRunner().invoke(tune_cmd, [*args, "--state", str(state)],
                                standalone_mode=False)
    assert isinstance(result.exception, ConfigError), result.output
    assert needle in str(result.exception) and "\n" not in str(result.exception)
    assert not state.exists()


def test_precisions_keep_shipped_symbolic_and_normalise_names() -> None:
    assert _precisions("shipped, q4_0 ,Q4_K_M,shipped") == ("shipped", "Q4_0", "Q4_K")
