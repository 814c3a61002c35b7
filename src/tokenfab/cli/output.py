"""Where a command's documents go (``--json``, ``--markdown``): checked before any work
starts, written at the end; ``-`` is stdout."""

from __future__ import annotations

import sys
from pathlib import Path

from tokenfab.errors import ConfigError


def check_writable(path: str | None, flag: str) -> None:
    """One-line ConfigError now, rather than a lost result after a long run, when ``path``
    cannot be written. A file this check creates is removed again."""
    if not path or path == "-":
        return
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{flag} {path}: is a directory; give a file path")
    existed = p.exists()
    try:
        with p.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write ({exc.strerror}); "
                          "pick a writable path") from None
    if not existed:
        p.unlink(missing_ok=True)


def write_output(text: str, path: str, flag: str) -> None:
    """``text`` to ``path`` (``-``: stdout); a failure -> one-line ConfigError."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write ({exc.strerror}); "
                          "pick a writable path") from None
