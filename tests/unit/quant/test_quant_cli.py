"""``tokenfab quantize`` rejects bad flags with one-line ConfigErrors before any tool runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tokenfab.cli.quantize import quantize_cmd
from tokenfab.errors import ConfigError


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--types", "Q5_K"], "choose from F16, Q8_0, Q4_1, Q4_K, Q4_0, Q3_K, Q2_K"),
     (["--types", ","], "--types is empty"),
     (["--hourly-usd", "-1"], "--hourly-usd -1: must be >= 0")],
)
def test_bad_flags(args: list[str], needle: str) -> None:
    result = CliRunner().invoke(quantize_cmd, args, standalone_mode=False)
    assert isinstance(result.exception, ConfigError)
    msg = str(result.exception)
    assert needle in msg and "\n" not in msg


def test_help_names_the_honesty_note() -> None:
    result = CliRunner().invoke(quantize_cmd, ["--help"])
    assert result.exit_code == 0
    assert "cannot regain" in result.output and "--chunks" in result.output
