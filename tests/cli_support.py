"""Shared helpers for tests that drive the real CLI entry point (``tokenfab.cli.main.main``)
in-process.

- ``isolated_env``: a fixture (made available suite-wide by ``tests/conftest.py``) that points
  ``TOKENFAB_HOME`` and ``TOKENFAB_CACHE`` into ``tmp_path``, makes ``tmp_path`` the working
  directory, and leaves no way to start an engine (no llama.cpp build dir, a bare ``PATH``): a
  flag that slipped past validation then fails later with an engine message naming neither the
  flag nor the value, and the test fails. It yields ``tmp_path``.
- ``fails_in_one_line``: ``tokenfab ARGS`` exits non-zero with exactly one non-blank stderr
  line, ``tokenfab: error: ...``, that holds every one of ``names`` (the flag, value or file it
  is about), and no traceback anywhere; returns that line.
- ``succeeds``: ``tokenfab ARGS`` returns normally, no traceback, no error line; returns stdout.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tokenfab.cli.main import main

ERROR_PREFIX = "tokenfab: error: "


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TOKENFAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TOKENFAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TOKENFAB_LLAMA_BIN_DIR", str(tmp_path / "no-bin"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def fails_in_one_line(args: list[str], capsys: pytest.CaptureFixture[str],
                      names: Iterable[str] = (), *, ignore_case: bool = False) -> str:
    """Run ``tokenfab ARGS``; assert exit ≠ 0, no traceback, one ``tokenfab: error:`` line
    holding each of ``names`` (compared case-insensitively with ``ignore_case``)."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code not in (0, None), f"exit {exc.value.code!r} for {args}: {out[-400:]}"
    assert "Traceback" not in out + err, err[-2000:]
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"{args} printed {len(lines)} lines on stderr: {err[-500:]}"
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), line
    for name in names:
        found = name.lower() in line.lower() if ignore_case else name in line
        assert found, f"{args}: the message does not name {name!r}: {line}"
    return line


def succeeds(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``tokenfab ARGS``; assert it returns (no ``SystemExit`` at all), prints no traceback
    and no ``tokenfab: error:`` line; return what it printed on stdout."""
    try:
        main(args)
    except SystemExit as exc:
        err = capsys.readouterr().err
        pytest.fail(f"exit {exc.code!r} for {args}: {err[-500:]}")
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err[-2000:]
    assert ERROR_PREFIX.strip() not in err, err[-500:]
    return out
