"""The simulator's hand-written HTTP/1.1 framing and prompt-token approximation."""

from __future__ import annotations

import pytest

from tokenfab.engines.sim.http import (
    CONTINUE,
    GenerationRequest,
    HttpRequest,
    ParseReply,
    http_chunk,
    parse_request,
    sse_chunk,
)


def _post(body: bytes, *extra: str, version: str = "HTTP/1.1") -> bytes:
    head = [f"POST /v1/completions {version}", "Host: x", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_parses_one_request_and_leaves_the_next_in_the_buffer() -> None:
    buf = bytearray(_post(b'{"a":1}') + _post(b"{}", "Connection: close"))
    first = parse_request(buf, continue_sent=False)
    assert isinstance(first, HttpRequest)
    assert (first.method, first.target, first.body, first.keep_alive) == (
        "POST",
        "/v1/completions",
        b'{"a":1}',
        True,
    )
    assert first.headers["host"] == "x"
    second = parse_request(buf, continue_sent=False)
    assert isinstance(second, HttpRequest)
    assert second.keep_alive is False
    assert buf == b""


def test_incomplete_head_or_body_needs_more_bytes() -> None:
    whole = _post(b'{"prompt":"a b c"}')
    for cut in (5, whole.index(b"\r\n\r\n") + 2, len(whole) - 1):
        buf = bytearray(whole[:cut])
        assert parse_request(buf, continue_sent=False) is None
        assert bytes(buf) == whole[:cut]


def test_http10_closes_unless_keep_alive_is_asked() -> None:
    req = parse_request(bytearray(_post(b"", version="HTTP/1.0")), continue_sent=False)
    assert isinstance(req, HttpRequest) and req.keep_alive is False
    buf = bytearray(_post(b"", "Connection: keep-alive", version="HTTP/1.0"))
    req = parse_request(buf, continue_sent=False)
    assert isinstance(req, HttpRequest) and req.keep_alive is True


def test_expect_100_continue_is_answered_once() -> None:
    whole = _post(b"x" * 2000, "Expect: 100-continue")
    buf = bytearray(whole[: whole.index(b"\r\n\r\n") + 4])
    assert parse_request(buf, continue_sent=False) is CONTINUE
    assert parse_request(buf, continue_sent=True) is None


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nno-colon\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"501"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000, b"431"),
    ],
)
def test_bad_requests_get_an_error_and_close(raw: bytes, status: bytes) -> None:
    reply = parse_request(bytearray(raw), continue_sent=False)
    assert isinstance(reply, ParseReply)
    assert reply.close is True
    assert reply.data.startswith(b"HTTP/1.1 " + status)


def test_each_sse_event_is_one_http_chunk() -> None:
    assert http_chunk(b"hello") == b"5\r\nhello\r\n"
    event = sse_chunk({"a": [1, None]})
    assert event == b'16\r\ndata: {"a":[1,null]}\n\n\r\n'
    assert int(event.split(b"\r\n")[0], 16) == len(b'data: {"a":[1,null]}\n\n')


@pytest.mark.parametrize(
    ("body", "tokens"),
    [
        ({"prompt": "one two  three\nfour"}, 4),
        ({"prompt": ["a b", "c"]}, 3),
        ({"prompt": [5, 6, 7]}, 3),
        ({"prompt": [[5, 6], [7]]}, 3),
        ({"messages": [{"role": "system", "content": "be brief"}, {"content": "hi there"}]}, 4),
        ({"messages": [{"content": [{"type": "text", "text": "a b c"}, {"type": "x"}]}]}, 3),
        ({"messages": [{"role": "assistant", "content": None}]}, 0),
    ],
)
def test_prompt_tokens_are_whitespace_words(body: dict[str, object], tokens: int) -> None:
    assert GenerationRequest.model_validate(body).prompt_tokens() == tokens


def test_unknown_openai_fields_are_accepted() -> None:
    req = GenerationRequest.model_validate(
        {"prompt": "x", "temperature": 0.2, "top_p": 1, "max_tokens": 4, "ignore_eos": True}
    )
    assert req.max_tokens == 4 and req.ignore_eos is True
