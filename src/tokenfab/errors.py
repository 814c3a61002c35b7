"""One exception root. Every subclass's message names the problem and the fix on one line."""

from __future__ import annotations


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
