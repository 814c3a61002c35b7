"""Property-based: whatever bytes a server sends, the client's decoder (HTTP framing in
``load.wire``, SSE events in ``load.sse``, the record in ``load.client``) gives a record —
``ok`` or with an error class — and never raises, hangs or invents timestamps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tokenfab.load.client import finish_record
from tokenfab.load.sse import decode_events
from tokenfab.load.wire import StreamProtocol
from tokenfab.schemas.records import RequestRecord

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ERROR_CLASSES = {"http", "timeout", "disconnect", "malformed_stream", "empty"}

# JSON values that exercise the decoder's assumptions: wrong types where dicts/lists/strings are
# expected, huge and non-finite numbers, deep nesting.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**18, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["choices", "delta", "content", "text", "usage", "timings", "error",
                         "message", "finish_reason", "prompt_tokens", "completion_tokens",
                         "prompt_tokens_details", "cached_tokens", "prompt_ms", "predicted_ms",
                         "cache_n", "reasoning_content", "x"]), inner, max_size=4),
    max_leaves=12,
)


def _chunk_shaped(obj: Any) -> Any:
    """Often wrap a value where an OpenAI chunk has it, so decoding goes deep."""
    return {"choices": [{"delta": obj, "text": obj, "finish_reason": obj}], "usage": obj,
            "timings": obj}


payloads = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps(_chunk_shaped(v)).encode()),
    st.sampled_from([b"[DONE]", b"{not json", b"[" * 5000 + b"]" * 5000, b"1e400", b"NaN",
                     b'{"usage": {"completion_tokens": 1e400}}',
                     b'{"usage": {"completion_tokens": NaN}}',
                     b'{"error": {"message": 7}}', b'{"error": ["x"]}', b'{"choices": "abc"}',
                     b'{"choices": [{"delta": "abc"}]}', b'{"choices": [7]}',
                     b'{"choices": [{"delta": {"content": 5}}]}', b"\xff\xfe\x00"]),
    st.binary(max_size=40),
)
events = st.lists(payloads, max_size=6).flatmap(
    lambda ps: st.lists(st.sampled_from([b"\n\n", b"\r\n\r\n", b"\n", b""]),
                        min_size=len(ps), max_size=len(ps)).map(
        lambda seps: b"".join(b"data: " + p + s for p, s in zip(ps, seps, strict=True))))

status_lines = st.sampled_from([b"HTTP/1.1 200 OK", b"HTTP/1.1 500 Internal Server Error",
                                b"HTTP/1.1 429 Too Many", b"HTTP/1.1 abc", b"garbage", b"",
                                b"HTTP/1.1 200"])
framings = st.sampled_from(["chunked", "length", "eof", "bad-length", "negative-length"])


@st.composite
def responses(draw: st.DrawFn) -> bytes:
    """A plausible-to-broken HTTP response carrying SSE, or pure noise."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    body = draw(events)
    framing = draw(framings)
    head = [draw(status_lines), b"Content-Type: text/event-stream"]
    if framing == "chunked":
        head.append(b"Transfer-Encoding: chunked")
        sizes = draw(st.lists(st.integers(-20, 40), max_size=4))
        out, pos = b"", 0
        for size in sizes:  # honest chunks, then sizes that lie
            piece = body[pos:pos + max(size, 0)]
            pos += len(piece)
            shown = draw(st.sampled_from([f"{len(piece):x}", f"{size:x}", f"{size}", "zz", ""]))
            out += shown.encode() + b"\r\n" + piece + b"\r\n"
        rest = body[pos:]
        if rest:
            out += f"{len(rest):x}\r\n".encode() + rest + b"\r\n"
        body = out + draw(st.sampled_from([b"0\r\n\r\n", b"0\r\n", b""]))
    elif framing == "length":
        head.append(b"Content-Length: %d" % len(body))
    elif framing == "bad-length":
        head.append(b"Content-Length: " + draw(st.sampled_from([b"x", b"1e3", b"99999999999"])))
    elif framing == "negative-length":
        head.append(b"Content-Length: -5")
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def decode(raw: bytes, cuts: list[int], *, timed_out: bool) -> RequestRecord:
    """Feed ``raw`` in reads split at ``cuts``, end the connection, build the record."""
    proto = StreamProtocol()
    bounds = sorted({c % (len(raw) + 1) for c in cuts} | {0, len(raw)})
    for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        proto.data_received(raw[a:b])
        proto.resp.read_ns[-1] = 1_000 + i  # deterministic, increasing read times
    proto.eof_received()
    rec = RequestRecord(point_index=0, request_index=0, sent_ns=0, end_ns=0)
    if timed_out:
        rec.ok, rec.error_class = False, "timeout"
    finish_record(rec, proto.resp, keep_text=True)
    return rec


CHUNKED_200 = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


@FUZZ
@given(raw=responses(), cuts=st.lists(st.integers(0, 10_000), max_size=8),
       timed_out=st.booleans())
# found by this test: a negative chunk size stepped the framing parser backwards forever
@example(raw=CHUNKED_200 + b"-6\r\nabcdef", cuts=[], timed_out=False)
@example(raw=CHUNKED_200 + b"-14\r\n" + b"x" * 40, cuts=[60], timed_out=False)
# an error body nested deeper than the recursion limit
@example(raw=b"HTTP/1.1 500 X\r\nContent-Length: 3000\r\n\r\n" + b"[" * 3000, cuts=[],
         timed_out=False)
# numbers JSON allows but a count cannot be
@example(raw=CHUNKED_200 + b"2f\r\ndata: {\"usage\": {\"completion_tokens\": 1e400}}\n\n\r\n"
         + b"0\r\n\r\n", cuts=[], timed_out=False)
def test_any_response_bytes_give_a_record(raw: bytes, cuts: list[int], timed_out: bool) -> None:
    rec = decode(raw, cuts, timed_out=timed_out)
    assert rec.ok == (rec.error_class is None)
    assert rec.error_class is None or rec.error_class in ERROR_CLASSES
    assert rec.chunk_ns == sorted(rec.chunk_ns)  # timestamps are reads, in order
    assert all(1_000 <= t < 1_000 + len(raw) + 2 for t in rec.chunk_ns)
    for count in (rec.input_tokens, rec.output_tokens, rec.cached_tokens):
        assert count is None or isinstance(count, int)
    for ms in (rec.server_prompt_ms, rec.server_predicted_ms):
        assert ms is None or (isinstance(ms, float) and ms == ms and abs(ms) != float("inf"))
    assert rec.finish_reason is None or isinstance(rec.finish_reason, str)
    assert rec.error_detail is None or isinstance(rec.error_detail, str)


@FUZZ
@given(body=events)
def test_decode_events_never_raises_on_any_event_stream(body: bytes) -> None:
    proto = StreamProtocol()
    proto.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    parsed = decode_events(proto.resp)
    assert len(parsed.chunk_ns) == len(parsed.chunk_texts)
    assert all(isinstance(t, str) and t for t in parsed.chunk_texts)
    assert parsed.usage is None or isinstance(parsed.usage, dict)
    assert parsed.timings is None or isinstance(parsed.timings, dict)
    assert parsed.server_error is None or isinstance(parsed.server_error, str)


@pytest.mark.parametrize("payload", [
    b'{"choices": "abc"}',
    b'{"choices": [7]}',
    b'{"choices": [{"delta": "abc"}]}',
    b'{"choices": [{"delta": {"content": 5}}]}',
    b'{"choices": [{"text": ["a"]}]}',
    b'{"choices": [{"delta": {}, "finish_reason": 3}]}',
    b'{"choices": [], "usage": [1, 2]}',
    b'{"choices": [], "timings": "fast"}',
    b'{"usage": {"completion_tokens": 1e400}}',
    b'{"usage": {"completion_tokens": NaN}}',
    b"[" * 5000,
])
def test_wrongly_shaped_chunks_make_a_malformed_stream(payload: bytes) -> None:
    body = b"data: " + payload + b"\n\ndata: [DONE]\n\n"
    rec = decode(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d"
                 b"\r\n\r\n%b" % (len(body), body), [], timed_out=False)
    assert (rec.ok, rec.error_class) == (False, "malformed_stream")


@pytest.mark.parametrize("error", [b'{"message": "out\\nof memory"}',
                                   b'{"message": {"why": "out of memory"}}', b'["out"]'])
def test_an_error_event_is_one_line_text(error: bytes) -> None:
    body = b'data: {"error": %b}\n\n' % error
    rec = decode(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body), [],
                 timed_out=False)
    assert (rec.ok, rec.error_class) == (False, "http")
    assert rec.error_detail is not None and "out" in rec.error_detail
    assert "\n" not in rec.error_detail
