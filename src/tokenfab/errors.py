"""One exception root. Every subclass's message names the problem and the fix on one line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import ValidationError


class TokenfabError(Exception):
    """Base of every error the CLI prints as a single line and exits non-zero on."""

    exit_code = 2


class ConfigError(TokenfabError):
    """A flag, profile or config value is invalid."""


class TargetError(TokenfabError):
    """The server under test is unreachable, not OpenAI-compatible, or rejects the model."""


class EngineError(TokenfabError):
    """The embedded engine could not be built, found or started."""


class DatasetError(TokenfabError):
    """A dataset or workload file cannot be used."""


class StoreError(TokenfabError):
    """The results database is missing, unreadable or from a newer schema."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind everything (flush records, stop engines), then exit 143."""


class HasErrors(Protocol):
    """Anything with pydantic-style ``errors()``, e.g. FastAPI's ``RequestValidationError``."""

    def errors(self) -> Sequence[Any]: ...


def format_validation(exc: ValidationError | HasErrors, where: str | None = None) -> str:
    """First error of a pydantic ``ValidationError`` as ``field: message`` on one line.

    The one formatter for validation errors in tokenfab; ``where`` (a file or flag name) goes
    in front when given, e.g. ``tco.toml: rental_usd_per_hour: Input should be a number``.
    """
    found = exc.errors()
    if not found:
        return f"{where}: {exc}" if where else str(exc)
    err = found[0]
    loc = ".".join(str(x) for x in err.get("loc", ()) if x != "__root__")
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    text = f"{loc}: {msg}" if loc else msg
    return f"{where}: {text}" if where else text


def format_flag_validation(exc: ValidationError, flags: Mapping[str, str] | None = None) -> str:
    """:func:`format_validation`'s line with the field named as the flag the user typed:
    ``--error-500-rate: input should be less than or equal to 1 (got 2.0)``.

    A field's flag is ``--`` + its name with dashes unless ``flags`` maps it (e.g.
    ``{"state_path": "--state"}``); a message that already names a flag is kept as it is."""
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
    flag = (flags or {}).get(name, "--" + name.replace("_", "-"))
    got = err.get("input")
    shown = ""
    if isinstance(got, int | float | str) and not isinstance(got, bool):
        given = repr(got) if len(repr(got)) <= 40 else repr(got)[:37] + "..."
        shown = "" if isinstance(got, str) and given in msg else f" (got {given})"
    return f"{flag}: {msg[:1].lower()}{msg[1:]}{shown}"
