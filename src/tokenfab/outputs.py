"""Where a command's documents go (``--json``, ``--markdown``, ``-o``, ``--report``,
``--state``): the one place that checks an output path before any work starts and writes it
at the end. ``-`` is stdout. Every failure is one :class:`ConfigError` naming the flag."""

from __future__ import annotations

import sys
from pathlib import Path

from tokenfab.errors import ConfigError


def check_writable(path: str | Path | None, flag: str) -> Path | None:
    """``path`` as a writable file, checked now rather than after a long run; ``None`` for
    no path or ``-`` (stdout). Probes by opening for append (works for root and read-only
    mounts alike); a file this check creates is removed again."""
    if path is None or str(path) == "-":
        return None
    if not str(path).strip():
        raise ConfigError(f"{flag} is empty; give a file path or '-' for stdout")
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{flag} {path}: cannot write (it is a directory); give a file "
                          f"path, e.g. {flag} {p / 'out'}")
    if not p.parent.is_dir():
        raise ConfigError(f"{flag} {path}: cannot write (the directory {p.parent} does not "
                          f"exist); create it or pick another {flag}")
    existed = p.exists()
    try:
        with p.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write ({exc.strerror or exc}); pick a "
                          "writable path") from None
    if not existed:
        p.unlink(missing_ok=True)
    return p


def write_output(text: str, path: str | Path, flag: str) -> None:
    """``text`` (UTF-8) to ``path`` (``-``: stdout); a failure -> one-line ConfigError."""
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write ({exc.strerror or exc}); pick a "
                          "writable path") from None


__all__ = ["check_writable", "write_output"]
