"""Hand-rolled HTTP/1.1 framing and OpenAI payload helpers for the simulator (``server.py``).

Only what an OpenAI-compatible benchmark client needs: a request line, headers, a
``Content-Length`` body, keep-alive and ``Expect: 100-continue``. Chunked request bodies are
refused with 501. Request bodies are validated by lenient pydantic models: an OpenAI-compatible
server must accept (and ignore) fields it does not use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024

_REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
}


def dumps(obj: object) -> bytes:
    """Compact JSON, as OpenAI and llama.cpp send it."""
    return json.dumps(obj, separators=(",", ":")).encode()


def http_chunk(payload: bytes) -> bytes:
    """One ``Transfer-Encoding: chunked`` chunk: hex length, CRLF, payload, CRLF."""
    return b"%x\r\n%b\r\n" % (len(payload), payload)


def sse_chunk(obj: object) -> bytes:
    """One SSE event ``data: {json}\\n\\n`` framed as one HTTP chunk."""
    return http_chunk(b"data: " + dumps(obj) + b"\n\n")


DONE_AND_END = http_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n"
MALFORMED_EVENT = http_chunk(b"data: {not json\n\n")


def error_body(message: str, type_: str, code: str) -> dict[str, Any]:
    """OpenAI-style error object."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _connection(keep_alive: bool) -> str:
    return "keep-alive" if keep_alive else "close"


def json_response(
    status: int, body: object, *, keep_alive: bool, raw: bytes | None = None
) -> bytes:
    """A complete response (head + body) for one write; ``raw`` replaces the JSON body."""
    payload = raw if raw is not None else dumps(body)
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Server: tokenfab-sim\r\n"
        f"Connection: {_connection(keep_alive)}\r\n\r\n"
    )
    return head.encode("latin-1") + payload


def stream_head(request_id: str, *, keep_alive: bool) -> bytes:
    """Response head of an SSE stream; the body follows as HTTP chunks."""
    return (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n"
        "Transfer-Encoding: chunked\r\n"
        "Server: tokenfab-sim\r\n"
        f"X-Request-Id: {request_id}\r\n"
        f"Connection: {_connection(keep_alive)}\r\n\r\n"
    ).encode("latin-1", "replace")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    keep_alive: bool


@dataclass(frozen=True, slots=True)
class ParseReply:
    """Bytes the server must send before it can go on; ``close`` ends the connection."""

    data: bytes
    close: bool


CONTINUE = ParseReply(b"HTTP/1.1 100 Continue\r\n\r\n", close=False)


def _fail(status: int, message: str) -> ParseReply:
    body = error_body(message, "invalid_request_error", "bad_http")
    return ParseReply(json_response(status, body, keep_alive=False), close=True)


def parse_request(buf: bytearray, *, continue_sent: bool) -> HttpRequest | ParseReply | None:
    """Take one complete request off the front of ``buf``.

    Returns the request (its bytes removed from ``buf``), ``None`` when more bytes are needed,
    or a :class:`ParseReply` to send: ``100 Continue`` or an error after which to close.
    """
    while buf[:2] == b"\r\n":  # tolerate stray CRLFs between requests
        del buf[:2]
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if len(buf) > MAX_HEAD_BYTES:
            return _fail(431, "request head exceeds 64 KiB")
        return None
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return _fail(400, f"malformed request line {lines[0][:80]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            return _fail(400, f"malformed header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _fail(501, "chunked request bodies are not supported; send Content-Length")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        return _fail(400, "Content-Length is not an integer")
    if length < 0 or length > MAX_BODY_BYTES:
        return _fail(413, "request body must be 0..64 MiB")
    start = end + 4
    if len(buf) < start + length:
        if not continue_sent and headers.get("expect", "").lower() == "100-continue":
            return CONTINUE
        return None
    body = bytes(buf[start : start + length])
    del buf[: start + length]
    conn = headers.get("connection", "").lower()
    keep_alive = "close" not in conn if version == "HTTP/1.1" else "keep-alive" in conn
    return HttpRequest(method, target, headers, body, keep_alive)


def count_words(text: str) -> int:
    """Prompt-token approximation: whitespace-separated words."""
    return len(text.split())


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ChatMessage(_Lenient):
    role: str = "user"
    content: str | list[dict[str, Any]] | None = None

    def words(self) -> int:
        if isinstance(self.content, str):
            return count_words(self.content)
        if self.content is None:
            return 0
        return sum(
            count_words(part["text"]) for part in self.content if isinstance(part.get("text"), str)
        )


class StreamOptions(_Lenient):
    include_usage: bool = False


class GenerationRequest(_Lenient):
    """The fields of an OpenAI chat/completions request the simulator reads."""

    model: str | None = None
    messages: list[ChatMessage] | None = None
    prompt: str | list[str] | list[int] | list[list[int]] | None = None
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    ignore_eos: bool = False
    min_tokens: int = Field(0, ge=0)

    def prompt_tokens(self) -> int:
        """Words of every message (no chat template), or of the prompt; token ids count 1."""
        if self.messages is not None:
            return sum(m.words() for m in self.messages)
        prompt = self.prompt
        if prompt is None:
            return 0
        if isinstance(prompt, str):
            return count_words(prompt)
        total = 0
        for item in prompt:
            if isinstance(item, str):
                total += count_words(item)
            elif isinstance(item, list):
                total += len(item)
            else:
                total += 1
        return total


class TokenizeRequest(_Lenient):
    content: str = ""
