"""Flags -> a job's validated config, with errors that name the flag the user typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tokenfab.errors import ConfigError, format_flag_validation

M = TypeVar("M", bound=BaseModel)


def validated(cls: type[M], flags: Mapping[str, str] | None = None, **values: Any) -> M:
    """``cls(**values)``; a validation error -> one-line ConfigError naming the flag.

    A field's flag is ``--`` + its name with dashes, unless ``flags`` maps it (e.g.
    ``{"state_path": "--state"}``); messages that already name a flag are kept as they are."""
    try:
        return cls(**values)
    except ValidationError as exc:
        raise ConfigError(format_flag_validation(exc, flags)) from None
