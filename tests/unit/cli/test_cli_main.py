"""The command table: every command imports on demand under its own name, ``--help`` lists
them all without importing any job code, and unknown commands are one line."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from tests.cli_support import fails_in_one_line, succeeds

from tokenfab.cli.main import COMMANDS, cli


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_resolves_to_itself(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command)
    assert command.name == name
    assert COMMANDS[name][2].strip()


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeds(["--help"], capsys)
    for name, (_, _, line) in COMMANDS.items():
        assert f"{name}" in out and line[:30] in out


def test_help_imports_no_job_code() -> None:
    code = ("import sys\nfrom tokenfab.cli.main import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('tokenfab.session', "
            "'tokenfab.store', 'tokenfab.roofline', 'sqlalchemy', 'numpy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == "[]"


def test_unknown_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(["nope"], capsys, ["nope"])
