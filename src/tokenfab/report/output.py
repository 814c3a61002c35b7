"""Where a report goes: output paths checked before any work, written with one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

from tokenfab.errors import ConfigError


def check_output_path(path: str | Path, flag: str) -> Path:
    """``path`` as a file that can be written, or a :class:`ConfigError` naming ``flag``.

    Checked up front, so a bad path fails before any run is loaded or measured."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{flag} {path}: is a directory; give a file name, e.g. "
                          f"{flag} {p / 'report.html'}")
    parent = p.parent
    if not parent.is_dir():
        raise ConfigError(f"{flag} {path}: the directory {parent} does not exist; create it or "
                          f"pick another {flag}")
    if not os.access(parent, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise ConfigError(f"{flag} {path}: not writable here; pick another {flag}")
    return p


def write_text(path: Path, text: str, flag: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``; an OS failure becomes one line naming ``flag``."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write ({exc.strerror or exc}); pick a "
                          "writable path") from None
    return path


__all__ = ["check_output_path", "write_text"]
