"""Byte-level framing, SSE decoding and timestamps, fed one socket read at a time."""

from __future__ import annotations

import asyncio
import json

import pytest

from tokenfab.errors import ConfigError
from tokenfab.load import wire
from tokenfab.load.client import _classify
from tokenfab.load.sse import decode_events
from tokenfab.load.wire import Endpoint, StreamProtocol, build_request
from tokenfab.schemas.records import RequestRecord


def chunk(payload: bytes) -> bytes:
    return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"


def sse(obj: object) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def delta(text: str) -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n")
USAGE = {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3,
                                  "prompt_tokens_details": {"cached_tokens": 2}},
         "timings": {"prompt_ms": 1.5, "predicted_ms": 9.0}}


def feed(proto: StreamProtocol, parts: list[bytes], monkeypatch: pytest.MonkeyPatch,
         times: list[int]) -> None:
    it = iter(times)
    monkeypatch.setattr(wire, "perf_counter_ns", lambda: next(it))
    for p in parts:
        proto.data_received(p)


def full_stream() -> list[bytes]:
    return [HEAD + chunk(sse(delta("Hel"))), chunk(sse(delta("lo"))),
            chunk(sse(delta("!")) + sse({"choices": [{"delta": {}, "finish_reason": "length"}]})),
            chunk(sse(USAGE)) + chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n"]


async def test_chunked_sse_timestamps_and_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    proto = StreamProtocol()
    proto.done = asyncio.get_running_loop().create_future()
    feed(proto, full_stream(), monkeypatch, [10, 20, 30, 40])
    assert proto.resp.complete and proto.done.done()
    parsed = decode_events(proto.resp)
    assert parsed.chunk_ns == [10, 20, 30]  # each content event stamped by its read
    assert parsed.text == "Hello!"
    assert parsed.finish_reason == "length" and parsed.done
    rec = RequestRecord(point_index=0, request_index=0, sent_ns=0, end_ns=40)
    _classify(rec, proto.resp, keep_text=True)
    assert rec.ok and rec.output_tokens == 3 and rec.input_tokens == 7
    assert rec.cached_tokens == 2 and rec.server_predicted_ms == 9.0
    assert rec.first_chunk_ns == 10


async def test_byte_by_byte_reads_give_same_events(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"".join(full_stream())
    proto = StreamProtocol()
    proto.done = asyncio.get_running_loop().create_future()
    feed(proto, [raw[i:i + 1] for i in range(len(raw))], monkeypatch, list(range(len(raw))))
    assert proto.resp.complete
    parsed = decode_events(proto.resp)
    assert parsed.text == "Hello!" and len(parsed.chunk_ns) == 3
    # each event's timestamp is the read that delivered its final separator byte
    body = proto.resp.body()
    first_end = body.find(b"\n\n") + 2
    assert parsed.chunk_ns[0] == proto.resp.raw_offset(first_end) - 1


async def test_content_length_json_error(monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"error": {"message": "model not found"}}).encode()
    proto = StreamProtocol()
    proto.done = asyncio.get_running_loop().create_future()
    feed(proto, [b"HTTP/1.1 404 Not Found\r\nContent-Length: " + str(len(body)).encode() +
                 b"\r\n\r\n" + body], monkeypatch, [5])
    rec = RequestRecord(point_index=0, request_index=0, sent_ns=0, end_ns=5)
    _classify(rec, proto.resp, keep_text=True)
    assert not rec.ok and rec.error_key == "http_404"
    assert rec.error_detail == "model not found"


async def test_disconnect_mid_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    proto = StreamProtocol()
    proto.done = asyncio.get_running_loop().create_future()
    feed(proto, full_stream()[:2], monkeypatch, [1, 2])
    proto.connection_lost(None)
    rec = RequestRecord(point_index=0, request_index=0, sent_ns=0, end_ns=2)
    _classify(rec, proto.resp, keep_text=True)
    assert not rec.ok and rec.error_class == "disconnect"
    assert rec.chunk_ns == [1, 2]  # what arrived is kept


async def test_malformed_json_event(monkeypatch: pytest.MonkeyPatch) -> None:
    proto = StreamProtocol()
    proto.done = asyncio.get_running_loop().create_future()
    feed(proto, [HEAD + chunk(sse(delta("a"))) + chunk(b"data: {not json\n\n") +
                 b"0\r\n\r\n"], monkeypatch, [3])
    rec = RequestRecord(point_index=0, request_index=0, sent_ns=0, end_ns=3)
    _classify(rec, proto.resp, keep_text=True)
    assert not rec.ok and rec.error_class == "malformed_stream"


async def test_not_sse_is_malformed(monkeypatch: pytest.MonkeyPatch) -> None:
    html = b"<html>hello</html>"
    proto = StreamProtocol()
    proto.done = asyncio.get_running_loop().create_future()
    feed(proto, [b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
                 str(len(html)).encode() + b"\r\n\r\n" + html], monkeypatch, [3])
    rec = RequestRecord(point_index=0, request_index=0, sent_ns=0, end_ns=3)
    _classify(rec, proto.resp, keep_text=True)
    assert not rec.ok and rec.error_class == "malformed_stream"


def test_bad_chunk_size_is_a_framing_error(monkeypatch: pytest.MonkeyPatch) -> None:
    proto = StreamProtocol()
    feed(proto, [HEAD + b"zz\r\nabc\r\n"], monkeypatch, [1])
    assert proto.resp.framing_error == "bad chunk size line"
    assert not proto.resp.complete


@pytest.mark.parametrize(
    ("url", "host", "port", "base"),
    [("http://127.0.0.1:8080", "127.0.0.1", 8080, ""),
     ("http://localhost:8000/v1", "localhost", 8000, ""),
     ("https://example.test/proxy/v1/", "example.test", 443, "/proxy")],
)
def test_endpoint_parse(url: str, host: str, port: int, base: str) -> None:
    ep = Endpoint.parse(url)
    assert (ep.host, ep.port, ep.base_path) == (host, port, base)
    req = build_request(ep, "/v1/chat/completions", b"{}", "k")
    assert req.startswith(f"POST {base}/v1/chat/completions HTTP/1.1\r\n".encode())
    assert b"Authorization: Bearer k\r\n" in req and req.endswith(b"\r\n\r\n{}")


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "ftp://x", "http://"])
def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError, match="--url"):
        Endpoint.parse(url)


def test_non_ascii_header_values_are_refused_before_sending() -> None:
    ep = Endpoint.parse("http://127.0.0.1:8080")
    with pytest.raises(ConfigError, match="ASCII"):
        build_request(ep, "/v1/chat/completions", b"{}", "clé€")
    assert b"Bearer k-1" in build_request(ep, "/v1/chat/completions", b"{}", "k-1")
