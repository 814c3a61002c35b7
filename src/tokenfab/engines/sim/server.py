"""OpenAI-compatible streaming simulator: the timing ground truth for tokenfab's own client.

Raw asyncio (uvloop when importable) with a hand-written HTTP/1.1 parser, so the server adds as
little jitter as possible. Streaming responses use ``Transfer-Encoding: chunked`` like llama.cpp's
server; each SSE event (``data: {json}\\n\\n``) is one HTTP chunk written with one
``transport.write``. Each event is scheduled against an absolute target time:

    first content event = admit_ns + TTFT * m
    event k+1           = target(event k) + ITL * m,   m = 1 + batch_slowdown * (active - 1)

so lateness never accumulates. All streams share one deadline timer (a Linux ``timerfd``, so
wake-ups are ~0.1 ms late and never early; ``timer_slack_us`` trades that for fewer wake-ups at
high concurrency). ``admit_ns`` is the request's arrival time unless it waited for a
``max_concurrency`` slot. Counting is approximate by design: prompt tokens are
whitespace-separated words of the prompt (or of every message's text, no chat template);
completion tokens are always exactly ``max_tokens``.

With ``record_path`` set, each finished generation request appends one JSON line:
``request_id, arrival_ns, admit_ns, headers_ns, write_ns[], kinds, outcome, ...`` where every
``*_ns`` is ``time.perf_counter_ns()`` (CLOCK_MONOTONIC on Linux, comparable across processes)
and ``kinds`` has one letter per body write: c=content, m=malformed, f=finish, u=usage,
d=[DONE]+terminator, b=whole burst response, j=non-streaming JSON, e=error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import signal
import socket
import sys
import time
import zlib
from collections.abc import Callable
from typing import cast

from pydantic import ValidationError

from tokenfab.engines.sim.config import SimConfig
from tokenfab.engines.sim.http import (
    GenerationRequest,
    HttpRequest,
    ParseReply,
    TokenizeRequest,
    error_body,
    json_response,
    parse_request,
    stream_head,
)
from tokenfab.engines.sim.stream import Generation, SimState
from tokenfab.errors import ConfigError, TokenfabError, format_validation

__all__ = ["listen_socket", "main", "run", "serve"]


_ROUTES = {  # path -> the one method it answers
    "/v1/chat/completions": "POST",
    "/chat/completions": "POST",
    "/v1/completions": "POST",
    "/completions": "POST",
    "/tokenize": "POST",
    "/health": "GET",
    "/v1/models": "GET",
    "/models": "GET",
}


class _Conn(asyncio.Protocol):
    """One client connection: parse requests in order, answer one at a time."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.busy = False
        self.processing = False
        self.continue_sent = False
        self.current: Generation | None = None
        self.headers_ns = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError):  # uvloop sets it too
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.state.conns.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.conns.discard(self)
        current, self.current = self.current, None
        if current is not None:
            current.client_closed()
        self.transport = None

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self._process(time.perf_counter_ns())

    def response_done(self, keep_alive: bool) -> None:
        self.busy = False
        self.current = None
        if not keep_alive:
            if self.transport is not None:
                self.transport.close()
            return
        if self.buf:
            self._process(time.perf_counter_ns())

    def _process(self, now_ns: int) -> None:
        if self.processing:
            return  # re-entered from a response that finished synchronously
        self.processing = True
        try:
            while not self.busy and self.transport is not None and self.buf:
                result = parse_request(self.buf, continue_sent=self.continue_sent)
                if result is None:
                    return
                if isinstance(result, ParseReply):  # 100 Continue, or an error and close
                    self.transport.write(result.data)
                    if result.close:
                        self.transport.close()
                    else:
                        self.continue_sent = True
                    return
                self.continue_sent = False
                self._dispatch(result, now_ns)
        finally:
            self.processing = False

    def _reply(self, status: int, body: object, keep_alive: bool) -> None:
        assert self.transport is not None
        self.transport.write(json_response(status, body, keep_alive=keep_alive))
        if not keep_alive:
            self.transport.close()

    def _dispatch(self, req: HttpRequest, now_ns: int) -> None:
        cfg = self.state.config
        path = req.target.split("?", 1)[0]
        want = _ROUTES.get(path)
        if want is None:
            body = error_body(f"no route for {path}", "invalid_request_error", "not_found")
            self._reply(404, body, req.keep_alive)
        elif req.method != want:
            body = error_body(f"use {want} {path}", "invalid_request_error", "method_not_allowed")
            self._reply(405, body, req.keep_alive)
        elif path == "/health":
            self._reply(200, {"status": "ok"}, req.keep_alive)
        elif want == "GET":
            models = {"object": "list", "data": [{"id": cfg.model, "object": "model"}]}
            self._reply(200, models, req.keep_alive)
        elif path == "/tokenize":
            self._tokenize(req)
        else:
            self._generate(req, chat=path.endswith("chat/completions"), arrival_ns=now_ns)

    def _tokenize(self, req: HttpRequest) -> None:
        try:
            words = TokenizeRequest.model_validate_json(req.body).content.split()
        except ValidationError as exc:
            body = error_body(format_validation(exc), "invalid_request_error", "invalid_json")
            self._reply(400, body, req.keep_alive)
            return
        tokens = [zlib.crc32(w.encode()) % 50_000 for w in words]
        self._reply(200, {"tokens": tokens}, req.keep_alive)

    def _generate(self, req: HttpRequest, *, chat: bool, arrival_ns: int) -> None:
        state = self.state
        cfg = state.config
        try:
            body = GenerationRequest.model_validate_json(req.body)
        except ValidationError as exc:
            err = error_body(format_validation(exc), "invalid_request_error", "invalid_request")
            self._reply(400, err, req.keep_alive)
            return
        missing = "messages" if chat and body.messages is None else None
        if not chat and body.prompt is None:
            missing = "prompt"
        if missing is not None:
            err = error_body(f"'{missing}' is required", "invalid_request_error", "missing")
            self._reply(400, err, req.keep_alive)
            return
        if body.model is not None and body.model != cfg.model:
            message = f"The model '{body.model}' does not exist; this server serves '{cfg.model}'"
            self._reply(
                404, error_body(message, "invalid_request_error", "model_not_found"), req.keep_alive
            )
            return
        state.next_id += 1
        request_id = req.headers.get("x-request-id") or (
            f"{'chatcmpl' if chat else 'cmpl'}-sim-{state.next_id}"
        )
        u = state.fault_rng.random()
        if u < cfg.error_500_rate + cfg.error_429_rate:
            status = 500 if u < cfg.error_500_rate else 429
            if status == 500:
                err = error_body("simulated server error", "server_error", "internal_error")
            else:
                err = error_body("simulated rate limit", "rate_limit_error", "rate_limit_exceeded")
            now = time.perf_counter_ns()
            self._reply(status, err, req.keep_alive)
            state.write_record(
                {
                    "request_id": request_id,
                    "arrival_ns": arrival_ns,
                    "admit_ns": 0,
                    "headers_ns": now,
                    "write_ns": [now],
                    "kinds": "e",
                    "outcome": f"error_{status}",
                    "stream": body.stream,
                }
            )
            return
        gen = Generation(
            state,
            self,
            body,
            chat=chat,
            request_id=request_id,
            keep_alive=req.keep_alive,
            arrival_ns=arrival_ns,
        )
        self.busy = True
        self.current = gen
        self.headers_ns = 0
        if body.stream and self.transport is not None:
            self.headers_ns = time.perf_counter_ns()
            self.transport.write(stream_head(request_id, keep_alive=req.keep_alive))
        state.admit(gen, arrival_ns)


def _bind_error(host: str, port: int, exc: OSError) -> str:
    """One line saying why ``host:port`` cannot be listened on, and which flag to change."""
    where = f"cannot listen on {host}:{port}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"{where}: permission denied (ports below 1024 need root); "
                "pick another --port, e.g. 8000, or 0 for a free one")
    if exc.errno == errno.EADDRINUSE:
        return (f"{where}: the port is in use by another server; "
                "pick another --port, or 0 for a free one")
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{where}: --host {host!r} is not an address of this machine; use 127.0.0.1"
    reason = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".").lower()
    return f"{where}: {reason}; check --host and --port"


def listen_socket(host: str, port: int, backlog: int = 4096) -> socket.socket:
    """A listening TCP socket on ``host:port`` (the first address ``host`` resolves to).

    Raises ``ConfigError`` in one line naming ``--host`` or ``--port`` when the name does not
    resolve, the port is taken or privileged, or the address is not on this machine.
    """
    name = host.strip().strip("[]")
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"--host {host!r}: cannot resolve it ({reason}); use 127.0.0.1"
                          ) from None
    family, kind, proto, _, addr = found[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise ConfigError(_bind_error(host, port, exc)) from None
    return sock


async def serve(config: SimConfig, ready: Callable[[int], None] | None = None) -> None:
    """Serve until cancelled; ``ready(port)`` is called once the socket listens.

    Raises ``ConfigError`` (one line) when ``config.host``/``config.port`` cannot be listened on.
    """
    loop = asyncio.get_running_loop()
    sock = listen_socket(config.host, config.port)
    try:
        state = SimState(config, loop)
    except BaseException:
        sock.close()
        raise
    try:
        server = await loop.create_server(lambda: _Conn(state), sock=sock, backlog=4096)
    except BaseException:
        sock.close()
        state.close()
        raise
    try:
        port = int(server.sockets[0].getsockname()[1])
        if ready is not None:
            ready(port)
        await asyncio.Event().wait()
    finally:
        server.close()
        state.close()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return cast(Callable[[], asyncio.AbstractEventLoop], uvloop.new_event_loop)


async def _serve_until_signal(config: SimConfig, ready: Callable[[int], None] | None) -> None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread / Windows
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await serve(config, ready)


def run(config: SimConfig, ready: Callable[[int], None] | None = None) -> None:
    """Blocking: serve on uvloop (when installed) until SIGTERM or Ctrl-C."""
    gc.freeze()  # startup objects never need collecting; fewer, shorter GC pauses
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_serve_until_signal(config, ready))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tokenfab.engines.sim",
        description="OpenAI-compatible streaming simulator; prints 'LISTENING <port>' when ready.",
    )
    parser.add_argument("--config-json", default="{}", help="SimConfig as JSON")
    args = parser.parse_args(argv)
    try:
        config = SimConfig.model_validate_json(args.config_json)
    except ValidationError as exc:
        print(f"error: invalid simulator config: {format_validation(exc)}", file=sys.stderr)
        return 2

    def ready(port: int) -> None:
        print(f"LISTENING {port}", flush=True)

    try:
        run(config, ready)
    except KeyboardInterrupt:
        return 130
    except TokenfabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # e.g. an unwritable record_path
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
