"""Flags -> a job's validated config, with errors that name the flag the user typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tokenfab.errors import ConfigError, format_validation

M = TypeVar("M", bound=BaseModel)


def validated(cls: type[M], flags: Mapping[str, str] | None = None, **values: Any) -> M:
    """``cls(**values)``; a validation error -> one-line ConfigError naming the flag.

    A field's flag is ``--`` + its name with dashes, unless ``flags`` maps it (e.g.
    ``{"state_path": "--state"}``); messages that already name a flag are kept as they are."""
    try:
        return cls(**values)
    except ValidationError as exc:
        raise ConfigError(flag_message(exc, flags or {})) from None


def flag_message(exc: ValidationError, flags: Mapping[str, str]) -> str:
    text = format_validation(exc)
    errors = exc.errors()
    if not errors:
        return text
    err = errors[0]
    names = [str(x) for x in err.get("loc", ()) if isinstance(x, str)]
    if not names:
        return text
    msg = text.split(": ", 1)[1] if ": " in text else text
    if msg.startswith("--"):
        return msg
    name = names[-1]
    flag = flags.get(name, "--" + name.replace("_", "-"))
    got = err.get("input")
    shown = f" (got {got!r})" if isinstance(got, int | float | str) and not isinstance(
        got, bool) else ""
    return f"{flag}: {msg[:1].lower()}{msg[1:]}{shown}"
