"""Raw HTTP/1.1 streaming over asyncio: bytes in, timestamps kept, nothing parsed on the hot path.

The per-read cost is one ``perf_counter_ns()``, one buffer append and a few offset jumps over
the chunked-transfer framing. SSE events and JSON are decoded only after the response has
ended (``decode_events``), and each event gets the timestamp of the socket read that
completed it: ``event_ns = read_ns[first read whose end offset >= event end offset]``.
"""

from __future__ import annotations

import asyncio
import ssl
from bisect import bisect_left
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import cast
from urllib.parse import urlsplit

from tokenfab.errors import ConfigError


@dataclass(slots=True)
class Endpoint:
    """Where requests go: parsed once from the base URL."""

    host: str
    port: int
    tls: bool
    base_path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:  # e.g. an unclosed IPv6 bracket: http://[::1
            raise ConfigError(f"--url {url!r} is not a valid URL ({exc}); use e.g. "
                              "http://127.0.0.1:8080 or http://[::1]:8080") from None
        if parts.scheme not in ("http", "https") or not host:
            raise ConfigError(f"--url {url!r} is not an http(s) URL; use e.g. http://127.0.0.1:8080")
        tls = parts.scheme == "https"
        try:
            port = parts.port or (443 if tls else 80)
        except ValueError:
            raise ConfigError(f"--url {url!r} has an invalid port; use e.g. :8080") from None
        base = parts.path.rstrip("/")
        if base.endswith("/v1"):
            base = base[:-3]
        return cls(host, port, tls, base)

    @property
    def host_header(self) -> str:
        default = 443 if self.tls else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


@dataclass(slots=True)
class RawResponse:
    """What came back: status, headers, the raw bytes and when each read arrived."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    buf: bytearray = field(default_factory=bytearray)
    read_ns: list[int] = field(default_factory=list)  # perf_counter_ns at each read
    read_end: list[int] = field(default_factory=list)  # len(buf) after each read
    body_start: int = -1
    segments: list[tuple[int, int]] = field(default_factory=list)  # chunked payload (start, len)
    chunked: bool = False
    content_length: int | None = None
    complete: bool = False
    eof: bool = False
    framing_error: str | None = None
    keep_alive: bool = True
    headers_ns: int = 0
    cum: list[int] | None = None  # decoded end offset of each chunked segment (lazy)

    def body(self) -> bytes:
        """The de-chunked body."""
        if self.body_start < 0:
            return b""
        if not self.chunked:
            end = len(self.buf)
            if self.content_length is not None:
                end = min(end, self.body_start + self.content_length)
            return bytes(self.buf[self.body_start : end])
        mv = memoryview(self.buf)
        return b"".join(mv[s : s + n] for s, n in self.segments)

    def raw_offset(self, body_offset: int) -> int:
        """Map an offset in ``body()`` to the raw buffer offset (end-exclusive)."""
        if not self.chunked:
            return self.body_start + body_offset
        if self.cum is None:
            acc, cum = 0, []
            for _, n in self.segments:
                acc += n
                cum.append(acc)
            self.cum = cum
        i = bisect_left(self.cum, body_offset)
        if i >= len(self.segments):
            return len(self.buf)
        s, n = self.segments[i]
        return s + (body_offset - (self.cum[i] - n))

    def ns_at(self, raw_end: int) -> int:
        """Timestamp of the read that delivered raw byte ``raw_end - 1``."""
        i = bisect_left(self.read_end, raw_end)
        if i >= len(self.read_ns):
            i = len(self.read_ns) - 1
        return self.read_ns[i]


class StreamProtocol(asyncio.Protocol):
    """One HTTP/1.1 connection. Reused for sequential requests when the server keeps it alive."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.resp = RawResponse()
        self.done: asyncio.Future[None] | None = None
        self.closed = False
        self._pos = 0  # next unparsed framing offset in resp.buf

    # -- asyncio callbacks: the hot path -------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        t = perf_counter_ns()
        r = self.resp
        r.buf += data
        r.read_ns.append(t)
        r.read_end.append(len(r.buf))
        if r.body_start < 0 and not self._parse_head():
            return
        if r.chunked:
            self._advance_chunks()
        elif r.content_length is not None and len(r.buf) - r.body_start >= r.content_length:
            self._finish()

    def eof_received(self) -> bool | None:
        self.resp.eof = True
        self.closed = True
        self._finish()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.resp.eof = True
        self._finish()

    # -- framing -------------------------------------------------------------------------
    def _parse_head(self) -> bool:
        r = self.resp
        end = r.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(r.buf[:end]).decode("latin-1").split("\r\n")
        try:
            r.status = int(head[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            r.framing_error = f"bad status line {head[0][:60]!r}"
            self._finish()
            return False
        for line in head[1:]:
            k, _, v = line.partition(":")
            r.headers[k.strip().lower()] = v.strip()
        r.headers_ns = r.read_ns[-1]
        r.body_start = end + 4
        self._pos = r.body_start
        te = r.headers.get("transfer-encoding", "").lower()
        r.chunked = "chunked" in te
        if r.headers.get("connection", "").lower() == "close":
            r.keep_alive = False
        if not r.chunked:
            cl = r.headers.get("content-length")
            if cl is not None:
                try:
                    r.content_length = int(cl)
                except ValueError:
                    r.framing_error = f"bad content-length {cl!r}"
                    self._finish()
                    return False
                if len(r.buf) - r.body_start >= r.content_length:
                    self._finish()
            else:
                r.keep_alive = False  # body runs to EOF
        return True

    def _advance_chunks(self) -> None:
        r = self.resp
        buf = r.buf
        pos = self._pos
        n = len(buf)
        while pos < n:
            nl = buf.find(b"\r\n", pos)
            if nl < 0:
                break
            token = bytes(buf[pos:nl]).split(b";", 1)[0].strip()
            try:  # hex digits only: a negative size would step backwards forever
                size = int(token, 16) if token.isalnum() else -1
            except ValueError:
                size = -1
            if size < 0:
                r.framing_error = "bad chunk size line"
                self._finish()
                return
            if size == 0:
                if n < nl + 4:  # "0\r\n" then the final "\r\n" (trailers unsupported)
                    break
                self._pos = n
                self._finish()
                return
            start = nl + 2
            nxt = start + size + 2
            if nxt > n:
                break
            r.segments.append((start, size))
            pos = nxt
        self._pos = pos

    def _finish(self) -> None:
        r = self.resp
        if r.body_start >= 0 and not r.eof and r.framing_error is None:
            r.complete = True
        elif r.eof and r.body_start >= 0 and not r.chunked and r.content_length is None:
            r.complete = True  # body delimited by EOF
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    # -- driving -------------------------------------------------------------------------
    def start(self, request: bytes) -> tuple[int, asyncio.Future[None]]:
        """Send one request; returns (sent_ns, future resolved when the response ends)."""
        assert self.transport is not None
        self.resp = RawResponse()
        self._pos = 0
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        t = perf_counter_ns()
        self.transport.write(request)
        return t, self.done

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self.closed = True


class ConnectionPool:
    """Idle keep-alive connections to one endpoint."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._idle: list[StreamProtocol] = []
        self._ssl: ssl.SSLContext | None = ssl.create_default_context() if endpoint.tls else None

    async def acquire(self) -> StreamProtocol:
        while self._idle:
            p = self._idle.pop()
            if not p.closed and p.transport is not None and not p.transport.is_closing():
                return p
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(
            StreamProtocol, self.endpoint.host, self.endpoint.port, ssl=self._ssl
        )
        return proto

    def release(self, proto: StreamProtocol) -> None:
        r = proto.resp
        if proto.closed or not r.complete or not r.keep_alive:
            proto.close()
        else:
            self._idle.append(proto)

    def close(self) -> None:
        for p in self._idle:
            p.close()
        self._idle.clear()


def header_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as an HTTP header value (printable ASCII), or None."""
    bad = next((c for c in value if not (" " <= c <= "~")), None)
    if bad is None:
        return None
    return f"it contains {bad!r}; HTTP headers carry printable ASCII only"


def build_request(endpoint: Endpoint, path: str, body: bytes, api_key: str | None,
                  extra_headers: dict[str, str] | None = None) -> bytes:
    """Serialise one POST request; done before the load point starts, not on the hot path.

    Header values must be printable ASCII (see :func:`header_value_problem`)."""
    for name, value in ([("api key", api_key)] if api_key else []) + list(
            (extra_headers or {}).items()):
        problem = header_value_problem(value)
        if problem:
            raise ConfigError(f"cannot send the {name} as an HTTP header: {problem}")
    auth = f"Authorization: Bearer {api_key}\r\n" if api_key else ""
    if extra_headers:
        auth += "".join(f"{k}: {v}\r\n" for k, v in extra_headers.items())
    head = (
        f"POST {endpoint.base_path}{path} HTTP/1.1\r\n"
        f"Host: {endpoint.host_header}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: text/event-stream\r\n"
        f"{auth}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body
