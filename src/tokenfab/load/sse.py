"""Decode a finished SSE response into content-chunk timestamps, text, usage and timings.

Runs once per request after its last byte arrived, so the hot path stays a byte append.
Chunk timestamps are those of the socket read that completed each event (see ``wire``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from tokenfab.load.wire import RawResponse


@dataclass(slots=True)
class StreamParse:
    chunk_ns: list[int] = field(default_factory=list)
    chunk_texts: list[str] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    timings: dict[str, Any] | None = None
    finish_reason: str | None = None
    done: bool = False  # saw ``data: [DONE]``
    error: str | None = None  # malformed stream detail
    server_error: str | None = None  # an ``error`` object sent inside the stream

    @property
    def text(self) -> str:
        return "".join(self.chunk_texts)


class _Malformed(ValueError):
    """An event whose JSON is valid but not shaped like an OpenAI chunk; the message says how."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _loads(data: bytes) -> Any:
    """JSON that refuses NaN/Infinity, overflowing numbers and non-UTF-8 bytes; ``ValueError``
    if bad (deep nesting included, which the stdlib reports as ``RecursionError``)."""
    try:
        return _DECODER.decode(data.decode("utf-8"))
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _content(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """(text, finish_reason) of one chunk, chat or completions shape; ``_Malformed`` if a field
    has the wrong type."""
    choices = obj.get("choices")
    if not choices:
        return None, None
    if not isinstance(choices, list) or not isinstance(choices[0], dict):
        raise _Malformed("'choices' is not a list of objects")
    c0 = choices[0]
    finish = c0.get("finish_reason")
    if finish is not None and not isinstance(finish, str):
        raise _Malformed("'finish_reason' is not a string")
    delta = c0.get("delta")
    if delta is not None:
        if not isinstance(delta, dict):
            raise _Malformed("'delta' is not an object")
        text = delta.get("content")
        if not text:
            text = delta.get("reasoning_content") or None
    else:
        text = c0.get("text") or None
    if text is not None and not isinstance(text, str):
        raise _Malformed("content is not a string")
    return text, finish or None


def _object(obj: dict[str, Any], key: str) -> dict[str, Any] | None:
    """``obj[key]`` when it is a non-empty object; ``_Malformed`` when it is something else."""
    value = obj.get(key)
    if not value:
        return None
    if not isinstance(value, dict):
        raise _Malformed(f"'{key}' is not an object")
    return value


def _server_error(err: object) -> str:
    """The message of an ``error`` sent inside the stream, as one line of text."""
    message = err.get("message", err) if isinstance(err, dict) else err
    text = message if isinstance(message, str) else json.dumps(message, default=str)
    return " ".join(text.split())[:500] or "error event without a message"


def decode_events(resp: RawResponse) -> StreamParse:
    """Split the body into SSE events and decode each ``data:`` payload.

    Never raises: a payload that is not JSON, not an object, or not shaped like an OpenAI
    chunk sets ``error`` (the stream is malformed) and decoding goes on with the next event.
    """
    out = StreamParse()
    body = resp.body()
    crlf = b"\r\n\r\n" in body
    sep, line_sep = (b"\r\n\r\n", b"\r\n") if crlf else (b"\n\n", b"\n")
    step = len(sep)
    start = 0
    n = len(body)
    while start < n:
        end = body.find(sep, start)
        if end < 0:
            if body[start:].strip():
                out.error = "stream ended inside an event"
            break
        event = body[start:end]
        start = end + step
        data = None
        for line in event.split(line_sep):
            if line.startswith(b"data:"):
                data = line[5:].lstrip(b" ")
                break
        if data is None:
            continue  # comment or other field
        if data == b"[DONE]":
            out.done = True
            continue
        try:
            obj = _loads(data)
        except ValueError:
            out.error = f"invalid JSON in event: {data[:60]!r}"
            continue
        if not isinstance(obj, dict):
            out.error = "event payload is not a JSON object"
            continue
        if "error" in obj:
            out.server_error = _server_error(obj["error"])
            continue
        try:
            text, finish = _content(obj)
            usage, timings = _object(obj, "usage"), _object(obj, "timings")
        except _Malformed as exc:
            out.error = f"event is not an OpenAI chunk: {exc}"
            continue
        if finish:
            out.finish_reason = finish
        if usage is not None:
            out.usage = usage
        if timings is not None:
            out.timings = timings
        if text:
            # timestamp of the read that delivered the event's last byte
            out.chunk_ns.append(resp.ns_at(resp.raw_offset(end + step)))
            out.chunk_texts.append(text)
    return out
