"""Replay datasets: JSONL of OpenAI-style messages, ShareGPT conversations or plain prompts.

One request per line, in any of three shapes::

    {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 64}
    {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]}
    {"prompt": "Once upon a time"}

Bad rows are reported with their line numbers and skipped; they never abort the load. Any file
gives either requests (plus the bad rows) or one ``DatasetError`` line: binary, non-UTF-8, empty,
a directory or nested junk included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokenfab.errors import DatasetError
from tokenfab.workload.tokenizers import DEFAULT_TOKENS_PER_WORD

MAX_TOKENS = 1_000_000  # largest max_tokens a row may ask for (as LengthSpec's clip ceiling)
OPENAI_ROLES = frozenset({"system", "user", "assistant"})
SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system"}
_FIX = (
    "use JSONL with one object per line holding 'messages' (OpenAI chat), "
    "'conversations' (ShareGPT) or 'prompt' (completions)"
)


@dataclass(frozen=True)
class DatasetRequest:
    """One replayed request: chat ``messages`` as (role, content) pairs with OpenAI roles, or a
    completions ``prompt``; exactly one is set. ``max_tokens`` is the output target, if known."""

    messages: tuple[tuple[str, str], ...] | None
    prompt: str | None
    max_tokens: int | None


@dataclass(frozen=True)
class BadRow:
    """A skipped line: 1-based ``line_no`` and why it was skipped."""

    line_no: int
    reason: str


@dataclass(frozen=True)
class DatasetLoad:
    """Usable ``requests`` in file order and the ``bad_rows`` that were skipped."""

    requests: list[DatasetRequest]
    bad_rows: list[BadRow]


class _Bad(Exception):
    """A row is unusable; the message is the reason."""


def _short(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters: a reason stays one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _max_tokens(row: dict[str, Any]) -> int | None:
    value = row.get("max_tokens")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKENS:
        raise _Bad(f"max_tokens must be a whole number from 1 to {MAX_TOKENS} "
                   f"(got {_short(value)})")
    return value


def _text(value: str, where: str) -> str:
    """``value`` if it can be sent as UTF-8 (JSON allows lone surrogates such as \\ud800)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Bad(f"{where} is not valid Unicode text (a lone surrogate escape)") from None
    return value


def _content_text(content: Any, where: str) -> str:
    """A message's text: a string, or OpenAI content parts ``[{"type": "text", "text": ...}]``."""
    if isinstance(content, list):
        texts: list[str] = []
        for part in content:
            if not (isinstance(part, dict) and part.get("type") == "text"):
                raise _Bad(f"{where}: only text content parts can be replayed")
            text = part.get("text")
            if not isinstance(text, str):
                raise _Bad(f"{where}: a text content part has no 'text' string")
            texts.append(text)
        content = "".join(texts)
    if not isinstance(content, str):
        raise _Bad(f"{where}: content must be a string")
    if not content.strip():
        raise _Bad(f"{where}: content is empty")
    return _text(content, f"{where}: content")


def _from_messages(row: dict[str, Any]) -> DatasetRequest:
    messages = row["messages"]
    if not isinstance(messages, list) or not messages:
        raise _Bad("'messages' must be a non-empty list")
    out: list[tuple[str, str]] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise _Bad(f"{where} needs 'role' and 'content'")
        role = message["role"]
        if not isinstance(role, str) or role not in OPENAI_ROLES:
            raise _Bad(f"{where}: role {_short(role)} is not one of system, user, assistant")
        out.append((role, _content_text(message["content"], where)))
    if not any(role == "user" for role, _ in out):
        raise _Bad("'messages' has no user message")
    return DatasetRequest(messages=tuple(out), prompt=None, max_tokens=_max_tokens(row))


def _from_conversations(row: dict[str, Any], tokens_per_word: float) -> DatasetRequest:
    turns = row["conversations"]
    if not isinstance(turns, list) or not turns:
        raise _Bad("'conversations' must be a non-empty list")
    parsed: list[tuple[str, Any]] = []
    for i, turn in enumerate(turns):
        where = f"conversations[{i}]"
        if not isinstance(turn, dict) or "from" not in turn or "value" not in turn:
            raise _Bad(f"{where} needs 'from' and 'value'")
        speaker = turn["from"]
        if not isinstance(speaker, str) or speaker not in SHAREGPT_ROLES:
            raise _Bad(f"{where}: 'from' {_short(speaker)} is not one of human, gpt, system")
        parsed.append((SHAREGPT_ROLES[speaker], turn["value"]))
    last_human = max((i for i, (role, _) in enumerate(parsed) if role == "user"), default=None)
    if last_human is None:
        raise _Bad("'conversations' has no human turn")
    messages = tuple(
        (role, _content_text(value, f"conversations[{i}]"))
        for i, (role, value) in enumerate(parsed[: last_human + 1])
    )
    max_tokens = _max_tokens(row)
    if max_tokens is None and last_human + 1 < len(parsed):
        role, reply = parsed[last_human + 1]
        if role == "assistant" and isinstance(reply, str) and reply.split():
            max_tokens = max(1, round(len(reply.split()) * tokens_per_word))
    return DatasetRequest(messages=messages, prompt=None, max_tokens=max_tokens)


def _from_prompt(row: dict[str, Any]) -> DatasetRequest:
    prompt = row["prompt"]
    if not isinstance(prompt, str):
        raise _Bad("'prompt' must be a string")
    if not prompt.strip():
        raise _Bad("'prompt' is empty")
    return DatasetRequest(messages=None, prompt=_text(prompt, "'prompt'"),
                          max_tokens=_max_tokens(row))


def parse_row(line: str, *, tokens_per_word: float = DEFAULT_TOKENS_PER_WORD) -> DatasetRequest:
    """Parse one JSONL line into a request; raises ``ValueError`` with the reason if unusable.

    ShareGPT rows keep the conversation up to and including the last human turn; when the row has
    no ``max_tokens``, the gpt reply after it sets the output target as
    ``round(words * tokens_per_word)`` (an estimate).
    """
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise ValueError(f"invalid JSON ({str(exc).split(';')[0][:80]})") from None
    except RecursionError:
        raise ValueError("invalid JSON (nested too deeply)") from None
    if not isinstance(row, dict):
        raise ValueError(f"expected a JSON object, got {type(row).__name__}")
    try:
        if "messages" in row:
            return _from_messages(row)
        if "conversations" in row:
            return _from_conversations(row, tokens_per_word)
        if "prompt" in row:
            return _from_prompt(row)
    except _Bad as exc:
        raise ValueError(str(exc)) from None
    raise ValueError("no 'messages', 'conversations' or 'prompt' field")


def load_dataset(
    path: str | Path, *, tokens_per_word: float = DEFAULT_TOKENS_PER_WORD
) -> DatasetLoad:
    """Read a JSONL replay file. Blank lines are ignored; bad rows are collected, not fatal.

    Raises ``DatasetError`` (one line: the file and the fix) when the file is missing,
    unreadable, empty, or has no usable row.
    """
    file = Path(path)
    if file.is_dir():
        raise DatasetError(f"dataset {file}: is a directory; pass the path to a JSONL file")
    if not file.exists():
        raise DatasetError(f"dataset {file}: no such file; pass the path to a JSONL file")
    if not file.is_file():
        raise DatasetError(f"dataset {file}: not a regular file; pass the path to a JSONL file")
    try:
        data = file.read_bytes()
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise DatasetError(f"dataset {file}: cannot read it ({reason}); {_FIX}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"dataset {file}: not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}; "
            f"a binary file?); {_FIX}"
        ) from None
    requests: list[DatasetRequest] = []
    bad_rows: list[BadRow] = []
    seen = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        seen += 1
        try:
            requests.append(parse_row(line, tokens_per_word=tokens_per_word))
        except ValueError as exc:
            bad_rows.append(BadRow(line_no=line_no, reason=str(exc)))
    if seen == 0:
        raise DatasetError(f"dataset {file}: file is empty; {_FIX}")
    if not requests:
        first = bad_rows[0]
        raise DatasetError(
            f"dataset {file}: none of {len(bad_rows)} rows is usable"
            f" (line {first.line_no}: {first.reason}); {_FIX}"
        )
    return DatasetLoad(requests=requests, bad_rows=bad_rows)
