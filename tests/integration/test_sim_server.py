"""The streaming simulator over real loopback sockets.

Timing is measured against a simulator in its own process (``SimServer``, uvloop), exactly as the
fidelity benchmark uses it; behaviour-only tests run ``serve()`` in the test's own event loop,
which is faster to start and also covers the plain-asyncio code path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tokenfab.engines.sim import SimConfig, SimServer, serve
from tokenfab.errors import EngineError

pytestmark = pytest.mark.integration

CHAT = "/v1/chat/completions"


def _chat(max_tokens: int = 16, **extra: Any) -> dict[str, Any]:
    return {
        "model": "sim-model",
        "messages": [{"role": "user", "content": "count these five words"}],
        "max_tokens": max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
        **extra,
    }


@contextlib.asynccontextmanager
async def running(**fields: Any) -> AsyncIterator[str]:
    """serve() in this event loop; yields its base URL."""
    loop = asyncio.get_running_loop()
    port: asyncio.Future[int] = loop.create_future()
    task = asyncio.create_task(serve(SimConfig.model_validate(fields), port.set_result))
    url = f"http://127.0.0.1:{await asyncio.wait_for(port, 5)}"
    try:
        yield url
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _events(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(x[6:]) for x in lines if x.startswith("data: {") and x != "data: [DONE]"]


async def _stream_lines(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> list[str]:
    async with client.stream("POST", url, json=body) as resp:
        assert resp.status_code == 200
        return [line async for line in resp.aiter_lines() if line]


# ---- timing, against a separate process -------------------------------------------------------


@pytest.fixture(scope="module")
def timed_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimServer]:
    record = tmp_path_factory.mktemp("sim") / "writes.jsonl"
    config = SimConfig.model_validate({"ttft_ms": 80, "itl_ms": 8, "record_path": str(record)})
    with SimServer(config) as sim:
        yield sim


def _timed_stream(client: httpx.Client, url: str) -> tuple[int, list[int], list[str]]:
    """(send ns, receive ns of each content event, SSE lines)."""
    sent_ns = time.perf_counter_ns()
    content_ns: list[int] = []
    lines: list[str] = []
    with client.stream("POST", url + CHAT, json=_chat(16)) as resp:
        assert resp.status_code == 200
        assert resp.headers["transfer-encoding"] == "chunked"
        for line in resp.iter_lines():
            if not line:
                continue
            lines.append(line)
            if '"content":"tok' in line:
                content_ns.append(time.perf_counter_ns())
    return sent_ns, content_ns, lines


def test_fixed_ttft_and_itl_are_delivered_precisely(timed_sim: SimServer) -> None:
    with httpx.Client(timeout=5) as client:
        _timed_stream(client, timed_sim.url)  # warm the connection and the server
        ttfts_ms, gaps_ms = [], []
        for _ in range(5):
            sent_ns, content_ns, _ = _timed_stream(client, timed_sim.url)
            assert len(content_ns) == 16
            ttfts_ms.append((content_ns[0] - sent_ns) / 1e6)
            gaps_ms.append((content_ns[-1] - content_ns[0]) / 15 / 1e6)
    # best of 5 for TTFT: on a shared 2-core box another process can delay the client's send or
    # read by a few ms; the simulator's own precision is pinned by the record test below
    assert min(ttfts_ms) == pytest.approx(80, abs=5)
    assert statistics.median(gaps_ms) == pytest.approx(8, abs=1)


def test_usage_chunk_counts_and_stream_order(timed_sim: SimServer) -> None:
    with httpx.Client(timeout=5) as client:
        _, _, lines = _timed_stream(client, timed_sim.url)
    assert lines[-1] == "data: [DONE]"
    events = _events(lines)
    assert [e["object"] for e in events] == ["chat.completion.chunk"] * 18
    assert [e["choices"][0]["finish_reason"] for e in events[:17]] == [None] * 16 + ["length"]
    assert events[16]["choices"][0]["delta"] == {}
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events[:17])
    assert text == "tok " * 16
    usage_event = events[17]
    assert usage_event["choices"] == []
    assert usage_event["usage"] == {
        "prompt_tokens": 4,
        "completion_tokens": 16,
        "total_tokens": 20,
        "prompt_tokens_details": {"cached_tokens": 0},
    }
    assert usage_event["timings"]["prompt_ms"] == pytest.approx(80, abs=5)
    assert usage_event["timings"]["predicted_ms"] == pytest.approx(15 * 8, abs=5)


def test_record_has_server_write_times_comparable_with_client_clock(timed_sim: SimServer) -> None:
    record = Path(str(timed_sim.config.record_path))
    with httpx.Client(timeout=5) as client:
        sent_ns, content_ns, lines = _timed_stream(client, timed_sim.url)
    request_id = _events(lines)[0]["id"]
    row: dict[str, Any] | None = None
    deadline = time.monotonic() + 2
    while row is None and time.monotonic() < deadline:
        rows = [json.loads(x) for x in record.read_text().splitlines()]
        row = next((r for r in rows if r["request_id"] == request_id), None)
        time.sleep(0.01)
    assert row is not None, "the simulator never recorded the request"
    assert row["outcome"] == "ok" and row["kinds"] == "c" * 16 + "fud"
    assert sent_ns < row["arrival_ns"] < row["headers_ns"] < row["write_ns"][0]
    lags_ns = [c - w for c, w in zip(content_ns, row["write_ns"][:16], strict=True)]
    assert all(0 < lag < 20_000_000 for lag in lags_ns)  # same clock across processes
    # the server's own schedule: writes at arrival + 80 ms + k * 8 ms, never early
    lateness_ms = [
        (w - row["admit_ns"]) / 1e6 - (80 + 8 * k) for k, w in enumerate(row["write_ns"][:16])
    ]
    assert row["admit_ns"] == row["arrival_ns"]
    assert all(late > -0.03 for late in lateness_ms), lateness_ms  # never early
    # typically ~0.1 ms late; a busy neighbour can delay one write, never the ones after it
    assert statistics.median(lateness_ms) < 0.5, lateness_ms


def test_keep_alive_reuses_one_connection(timed_sim: SimServer) -> None:
    limits = httpx.Limits(max_connections=1)
    with httpx.Client(timeout=5, limits=limits) as client:
        for _ in range(2):
            body = _chat(2, stream=False)
            resp = client.post(timed_sim.url + CHAT, json=body)
            assert resp.status_code == 200
            assert resp.json()["choices"][0]["message"]["content"] == "tok tok "
        assert client.get(timed_sim.url + "/health").json() == {"status": "ok"}


def test_raw_socket_keep_alive_and_connection_close(timed_sim: SimServer) -> None:
    body = b'{"prompt":"a b","max_tokens":1}'

    def request(extra: bytes = b"") -> bytes:
        return (
            b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + extra
            + b"Content-Length: %d\r\n\r\n" % len(body)
            + body
        )

    with socket.create_connection(("127.0.0.1", timed_sim.port), timeout=5) as sock:
        sock.sendall(request() + request(b"Connection: close\r\n"))  # pipelined
        data = b""
        while chunk := sock.recv(65536):  # returns b"" once the server closes
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 2
    assert data.count(b'"text":"tok "') == 2
    assert b"Connection: close" in data


# ---- behaviour, in-process --------------------------------------------------------------------


async def test_models_health_tokenize_and_unknown_route() -> None:
    async with running(model="m1", ttft_ms=0, itl_ms=0) as url, httpx.AsyncClient() as c:
        assert (await c.get(url + "/health")).json() == {"status": "ok"}
        models = (await c.get(url + "/v1/models")).json()
        assert models == {"object": "list", "data": [{"id": "m1", "object": "model"}]}
        tokens = (await c.post(url + "/tokenize", json={"content": " a b\n c "})).json()
        assert len(tokens["tokens"]) == 3
        assert (await c.get(url + "/nope")).status_code == 404
        assert (await c.get(url + CHAT)).status_code == 405


async def test_wrong_model_is_404_and_bad_json_is_400() -> None:
    async with running(ttft_ms=0, itl_ms=0) as url, httpx.AsyncClient() as client:
        resp = await client.post(url + CHAT, json=_chat(model="gpt-9"))
        assert resp.status_code == 404
        error = resp.json()["error"]
        assert error["code"] == "model_not_found" and error["type"] == "invalid_request_error"
        assert "gpt-9" in error["message"]
        bad = await client.post(url + CHAT, content=b"{not json")
        assert bad.status_code == 400 and "error" in bad.json()
        no_messages = await client.post(url + CHAT, json={"max_tokens": 2})
        assert no_messages.status_code == 400


@pytest.mark.parametrize(("field", "status"), [("error_429_rate", 429), ("error_500_rate", 500)])
async def test_error_injection(field: str, status: int) -> None:
    async with running(**{field: 1.0}) as url, httpx.AsyncClient() as client:
        for _ in range(3):
            resp = await client.post(url + CHAT, json=_chat())
            assert resp.status_code == status
            assert "message" in resp.json()["error"]


async def test_disconnect_injection_closes_mid_stream() -> None:
    async with running(ttft_ms=1, itl_ms=1, disconnect_rate=1.0) as url:
        async with httpx.AsyncClient() as client:
            lines: list[str] = []
            with pytest.raises(httpx.RemoteProtocolError):
                async with client.stream("POST", url + CHAT, json=_chat(16)) as resp:
                    assert resp.status_code == 200
                    lines += [line async for line in resp.aiter_lines() if line]
            assert "data: [DONE]" not in lines
            assert len(_events(lines)) < 16


async def test_stall_and_malformed_injection() -> None:
    fields = {"ttft_ms": 1, "itl_ms": 1, "stall_rate": 1.0, "stall_ms": 150, "malformed_rate": 1}
    async with running(**fields) as url, httpx.AsyncClient() as client:
        start = time.perf_counter()
        lines = await _stream_lines(client, url + CHAT, _chat(8))
        assert time.perf_counter() - start > 0.14
    assert lines.count("data: {not json") == 1
    assert lines[-1] == "data: [DONE]"
    assert len(_events([x for x in lines if x != "data: {not json"])) == 10


async def test_burst_writes_everything_at_once() -> None:
    async with running(ttft_ms=5000, itl_ms=1000, burst=True) as url:
        async with httpx.AsyncClient() as client:
            start = time.perf_counter()
            lines = await _stream_lines(client, url + CHAT, _chat(512))
            assert time.perf_counter() - start < 1.0
    events = _events(lines)
    assert sum(1 for e in events if e["choices"] and "content" in e["choices"][0]["delta"]) == 512
    assert events[-1]["usage"]["completion_tokens"] == 512
    assert lines[-1] == "data: [DONE]"


async def test_completions_stream_with_tokens_per_chunk() -> None:
    async with running(ttft_ms=1, itl_ms=1, tokens_per_chunk=4, token_text="w ") as url:
        async with httpx.AsyncClient() as client:
            body = {"prompt": "a b c", "max_tokens": 10, "stream": True}
            lines = await _stream_lines(client, url + "/v1/completions", body)
    events = _events(lines)
    assert all(e["object"] == "text_completion" for e in events)
    assert [e["choices"][0]["text"] for e in events] == ["w w w w ", "w w w w ", "w w ", ""]
    assert events[-1]["choices"][0]["finish_reason"] == "length"
    assert "usage" not in events[-1]  # include_usage was not asked for


async def test_max_concurrency_queues_fifo_before_ttft_starts() -> None:
    async with running(ttft_ms=60, itl_ms=10, max_concurrency=1) as url:
        async with httpx.AsyncClient() as client:

            async def first_token_s() -> float:
                start = time.perf_counter()
                async with client.stream("POST", url + CHAT, json=_chat(4)) as resp:
                    async for line in resp.aiter_lines():
                        if '"content"' in line:
                            return time.perf_counter() - start
                raise AssertionError("no content")

            ttfts = sorted(await asyncio.gather(first_token_s(), first_token_s()))
    # the second waits for the first (60 + 3*10 ms) and then its own 60 ms TTFT
    assert ttfts[0] == pytest.approx(0.060, abs=0.02)
    assert ttfts[1] == pytest.approx(0.150, abs=0.03)


async def test_batch_slowdown_stretches_itl_with_active_streams() -> None:
    async with running(ttft_ms=0, itl_ms=10, batch_slowdown=1.0) as url:
        async with httpx.AsyncClient() as client:

            async def duration_s() -> float:
                start = time.perf_counter()
                await _stream_lines(client, url + CHAT, _chat(11))
                return time.perf_counter() - start

            alone = await duration_s()
            together = await asyncio.gather(duration_s(), duration_s())
    assert alone == pytest.approx(0.100, abs=0.02)
    assert min(together) == pytest.approx(0.200, abs=0.03)  # m = 1 + 1.0 * (2 - 1)


async def test_client_abort_frees_the_slot_for_the_next_request() -> None:
    async with running(ttft_ms=5, itl_ms=20, max_concurrency=1) as url:
        async with httpx.AsyncClient() as client:
            async with client.stream("POST", url + CHAT, json=_chat(100)) as resp:
                async for line in resp.aiter_lines():
                    if '"content"' in line:
                        break  # leaving the block closes this connection mid-stream
            start = time.perf_counter()
            lines = await _stream_lines(client, url + CHAT, _chat(2))
            assert time.perf_counter() - start < 0.5
    assert lines[-1] == "data: [DONE]"


def test_sim_server_reports_a_child_that_cannot_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = SimConfig(port=port)
        with pytest.raises(EngineError, match="exited") as exc:
            SimServer(config, startup_timeout_s=10).start()
    assert f"cannot listen on 127.0.0.1:{port}" in str(exc.value)  # the child's one-line reason
    assert "Traceback" not in str(exc.value)


async def test_record_is_flushed_on_shutdown_even_while_streams_are_active(
    tmp_path: Path,
) -> None:
    record = tmp_path / "rec.jsonl"
    loop = asyncio.get_running_loop()
    port: asyncio.Future[int] = loop.create_future()
    config = SimConfig.model_validate({"ttft_ms": 1, "itl_ms": 1, "record_path": str(record)})
    task = asyncio.create_task(serve(config, port.set_result))
    url = f"http://127.0.0.1:{await port}"
    async with httpx.AsyncClient() as client:
        slow = asyncio.create_task(_stream_lines(client, url + CHAT, _chat(100_000)))
        await asyncio.sleep(0.05)
        done = await client.post(url + CHAT, json=_chat(3, stream=False))
        assert done.status_code == 200
        assert record.read_text() == ""  # buffered: a stream is still active
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(httpx.HTTPError):
            await slow
    rows = [json.loads(line) for line in record.read_text().splitlines()]
    assert rows[0]["request_id"] == done.json()["id"]
    assert rows[0]["kinds"] == "j" and rows[0]["outcome"] == "ok"
