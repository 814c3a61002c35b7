"""Decode a finished SSE response into content-chunk timestamps, text, usage and timings.

Runs once per request after its last byte arrived, so the hot path stays a byte append.
Chunk timestamps are those of the socket read that completed each event (see ``wire``).
"""

from __future__ import annotations

import json
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


def _content(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """(text, finish_reason) of one chunk, chat or completions shape."""
    choices = obj.get("choices")
    if not choices:
        return None, None
    c0 = choices[0]
    finish = c0.get("finish_reason")
    delta = c0.get("delta")
    if delta is not None:
        text = delta.get("content")
        if not text:
            text = delta.get("reasoning_content") or None
        return text, finish
    return c0.get("text") or None, finish


def decode_events(resp: RawResponse) -> StreamParse:
    """Split the body into SSE events and decode each ``data:`` payload."""
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
            obj = json.loads(data)
        except ValueError:
            out.error = f"invalid JSON in event: {data[:60]!r}"
            continue
        if not isinstance(obj, dict):
            out.error = "event payload is not a JSON object"
            continue
        if "error" in obj:
            err = obj["error"]
            out.server_error = err.get("message", str(err)) if isinstance(err, dict) else str(err)
            continue
        text, finish = _content(obj)
        if finish:
            out.finish_reason = finish
        if obj.get("usage"):
            out.usage = obj["usage"]
        if obj.get("timings"):
            out.timings = obj["timings"]
        if text:
            # timestamp of the read that delivered the event's last byte
            out.chunk_ns.append(resp.ns_at(resp.raw_offset(end + step)))
            out.chunk_texts.append(text)
    return out
