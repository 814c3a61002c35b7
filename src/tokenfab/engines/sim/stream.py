"""Per-request scheduling of the simulator: admission, absolute-deadline timers, fault plans and
the ground-truth write log. See ``tokenfab.engines.sim`` for the timing model."""

from __future__ import annotations

import asyncio
import heapq
import json
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from tokenfab.engines.sim.config import Dist, SimConfig
from tokenfab.engines.sim.http import (
    DONE_AND_END,
    MALFORMED_EVENT,
    GenerationRequest,
    json_response,
    sse_chunk,
)
from tokenfab.engines.sim.timer import DeadlineTimer

__all__ = ["Generation", "SimState", "StreamConn"]

_NS_PER_MS = 1_000_000
_EARLY_NS = 20_000  # targets this close are due now


class StreamConn(Protocol):
    """What a generation needs from its connection."""

    transport: asyncio.Transport | None
    headers_ns: int

    def response_done(self, keep_alive: bool) -> None: ...

    def abort(self) -> None: ...


def _sampler_ns(dist: Dist, state: SimState) -> Callable[[], float]:
    """A zero-argument draw of one delay, in ns."""
    if dist.kind == "constant":
        value_ns = dist.mean_ms * _NS_PER_MS
        return lambda: value_ns
    rng = state.timing_rng
    return lambda: dist.sample_ms(rng) * _NS_PER_MS


class SimState:
    """Everything shared by the connections of one server."""

    def __init__(self, config: SimConfig, loop: asyncio.AbstractEventLoop) -> None:
        self.config = config
        self.loop = loop
        self.fault_rng = random.Random(config.seed)
        self.timing_rng = random.Random(config.seed ^ 0x5EED)
        self.ttft_ns = _sampler_ns(config.ttft_ms, self)
        self.itl_ns = _sampler_ns(config.itl_ms, self)
        self.stall_ns = int(config.stall_ms * _NS_PER_MS)
        self.active = 0
        self.queue: list[Generation] = []
        self.queue_head = 0
        self.conns: set[StreamConn] = set()
        self.next_id = 0
        self.record = open(config.record_path, "a") if config.record_path else None  # noqa: SIM115
        # one timer for all streams: a heap of (target_ns, seq, generation)
        self.heap: list[tuple[int, int, Generation]] = []
        self.seq = 0
        self.timer = DeadlineTimer(loop, self._run)
        self.timer_target_ns = 0  # when the timer will wake us; 0: not armed
        self.slack_ns = config.timer_slack_us * 1_000
        self.running = False

    def schedule(self, target_ns: int, gen: Generation) -> None:
        """Call ``gen.fire(now_ns)`` at ``target_ns`` (perf_counter ns), never earlier and at most
        ``timer_slack_us`` later (plus wake-up latency): one wake-up serves every due stream."""
        self.seq += 1
        heapq.heappush(self.heap, (target_ns, self.seq, gen))
        wake_ns = target_ns + self.slack_ns
        if not self.running and (self.timer_target_ns == 0 or wake_ns < self.timer_target_ns):
            self._arm()

    def _arm(self) -> None:
        if self.heap:
            self.timer_target_ns = self.heap[0][0] + self.slack_ns
            self.timer.arm(self.timer_target_ns)
        elif self.timer_target_ns:
            self.timer_target_ns = 0
            self.timer.disarm()

    def _run(self) -> None:
        """Fire every generation whose target has come; then re-arm for the next one."""
        self.timer_target_ns = 0
        heap = self.heap
        self.running = True
        try:
            now = time.perf_counter_ns()
            while heap and heap[0][0] <= now + _EARLY_NS:
                gen = heapq.heappop(heap)[2]
                if not gen.ended:
                    gen.fire(now)
                now = time.perf_counter_ns()
        finally:  # even if a generation raised: the other streams must go on
            self.running = False
            self._arm()

    def slowdown(self) -> float:
        """m = 1 + batch_slowdown * (active_streams - 1)."""
        return 1.0 + self.config.batch_slowdown * max(0, self.active - 1)

    def admit(self, gen: Generation, arrival_ns: int) -> None:
        limit = self.config.max_concurrency
        if limit is None or self.active < limit:
            self.active += 1
            gen.start(arrival_ns)
        else:
            self.queue.append(gen)

    def release(self) -> None:
        """A stream ended: free its slot and start queued requests in FIFO order."""
        self.active -= 1
        limit = self.config.max_concurrency
        while self.queue_head < len(self.queue) and (limit is None or self.active < limit):
            gen = self.queue[self.queue_head]
            self.queue_head += 1
            if gen.ended:
                continue
            self.active += 1
            gen.admitted = True  # holds a slot from now, even if its client leaves first
            self.loop.call_soon(gen.start_now)
        if self.queue_head > 1024 and self.queue_head * 2 > len(self.queue):
            del self.queue[: self.queue_head]
            self.queue_head = 0
        if self.active == 0 and self.record is not None:
            self.record.flush()

    def write_record(self, row: dict[str, Any]) -> None:
        if self.record is not None:
            self.record.write(json.dumps(row, separators=(",", ":")) + "\n")

    def close(self) -> None:
        self.timer.close()
        for conn in list(self.conns):
            conn.abort()
        if self.record is not None:
            self.record.close()
            self.record = None


class Generation:
    """One chat/completions request from arrival to its last write."""

    def __init__(
        self,
        state: SimState,
        conn: StreamConn,
        body: GenerationRequest,
        *,
        chat: bool,
        request_id: str,
        keep_alive: bool,
        arrival_ns: int,
    ) -> None:
        cfg = state.config
        self.state, self.conn, self.chat, self.keep_alive = state, conn, chat, keep_alive
        self.request_id, self.arrival_ns = request_id, arrival_ns
        self.stream = body.stream
        self.include_usage = bool(body.stream_options and body.stream_options.include_usage)
        self.prompt_tokens = body.prompt_tokens()
        self.n_tokens = body.max_tokens or body.max_completion_tokens or cfg.default_max_tokens
        per = cfg.tokens_per_chunk
        self.n_events = -(-self.n_tokens // per)
        self.created = int(time.time())
        rng = state.fault_rng  # a fixed number of draws per request keeps runs reproducible
        u_disc, u_stall, u_mal = rng.random(), rng.random(), rng.random()
        pos_disc, pos_stall, pos_mal = rng.random(), rng.random(), rng.random()
        n = self.n_events
        self.disconnect_at = int(pos_disc * n) if u_disc < cfg.disconnect_rate else -1
        self.stall_before = (
            (1 + int(pos_stall * (n - 1)) if n > 1 else 0) if u_stall < cfg.stall_rate else -1
        )
        self.malformed_before = int(pos_mal * n) if u_mal < cfg.malformed_rate else -1
        self.admit_ns = 0
        self.target_ns = 0
        self.sent = 0
        self.first_ns = 0
        self.last_ns = 0
        self.write_ns: list[int] = []
        self.kinds: list[str] = []
        self.buffered_writes = 0
        self.admitted = False
        self.ended = False
        text = cfg.token_text
        self.event_first = self._content_event(text * min(per, self.n_tokens), first=True)
        self.event_mid = self._content_event(text * min(per, self.n_tokens), first=False)
        rest = self.n_tokens - per * (n - 1)
        self.event_last = (
            self.event_first if n == 1 else self._content_event(text * rest, first=False)
        )

    # ---- payloads -------------------------------------------------------------------------
    def _envelope(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.request_id,
            "object": "chat.completion.chunk" if self.chat else "text_completion",
            "created": self.created,
            "model": self.state.config.model,
            "choices": choices,
        }

    def _content_event(self, text: str, *, first: bool) -> bytes:
        if self.chat:
            delta = {"role": "assistant", "content": text} if first else {"content": text}
            choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": None}
        else:
            choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": None}
        return sse_chunk(self._envelope([choice]))

    def _finish_event(self) -> bytes:
        if self.chat:
            choice: dict[str, Any] = {"index": 0, "delta": {}, "finish_reason": "length"}
        else:
            choice = {"index": 0, "text": "", "logprobs": None, "finish_reason": "length"}
        return sse_chunk(self._envelope([choice]))

    def _usage(self) -> dict[str, Any]:
        p, c = self.prompt_tokens, self.n_tokens
        return {
            "prompt_tokens": p,
            "completion_tokens": c,
            "total_tokens": p + c,
            "prompt_tokens_details": {"cached_tokens": 0},
        }

    def _timings(self) -> dict[str, Any]:
        return {
            "prompt_n": self.prompt_tokens,
            "prompt_ms": (self.first_ns - self.admit_ns) / _NS_PER_MS,
            "predicted_n": self.n_tokens,
            "predicted_ms": (self.last_ns - self.first_ns) / _NS_PER_MS,
        }

    def _usage_event(self) -> bytes:
        row = self._envelope([])
        row["usage"] = self._usage()
        row["timings"] = self._timings()
        return sse_chunk(row)

    def _full_body(self) -> dict[str, Any]:
        text = self.state.config.token_text * self.n_tokens
        if self.chat:
            choice: dict[str, Any] = {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "length",
            }
            obj = "chat.completion"
        else:
            choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": "length"}
            obj = "text_completion"
        row = self._envelope([choice])
        row["object"] = obj
        row["usage"] = self._usage()
        row["timings"] = self._timings()
        return row

    def _event(self, i: int) -> bytes:
        if i == 0:
            return self.event_first
        return self.event_last if i == self.n_events - 1 else self.event_mid

    # ---- scheduling -----------------------------------------------------------------------
    def start_now(self) -> None:
        self.start(time.perf_counter_ns())

    def start(self, admit_ns: int) -> None:
        """Admitted at ``admit_ns``: the TTFT clock starts here."""
        if self.ended:
            return
        self.admitted = True
        self.admit_ns = admit_ns
        state = self.state
        if state.config.burst:
            self._burst()
            return
        m = state.slowdown()
        delay = state.ttft_ns() * m + (state.stall_ns if self.stall_before == 0 else 0)
        if not self.stream:  # one write when the whole generation would have finished
            self.first_ns = admit_ns + int(delay)  # simulated first token, for `timings`
            itl = state.itl_ns
            delay += sum(itl() for _ in range(self.n_events - 1)) * m
            if self.stall_before > 0:
                delay += state.stall_ns
        self.target_ns = admit_ns + int(delay)
        state.schedule(self.target_ns, self)

    def _write(self, data: bytes, kind: str, now_ns: int) -> None:
        transport = self.conn.transport
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size():
            self.buffered_writes += 1
        transport.write(data)
        self.write_ns.append(now_ns)
        self.kinds.append(kind)

    def fire(self, now: int) -> None:
        """The scheduler says this generation's target time has come."""
        if not self.stream:
            self._finish_json(now)
            return
        i = self.sent
        if i == self.disconnect_at:
            self._disconnect()
            return
        if i == self.malformed_before:
            self._write(MALFORMED_EVENT, "m", now)
        self._write(self._event(i), "c", now)
        if i == 0:
            self.first_ns = now
        self.last_ns = now
        self.sent = i + 1
        if self.sent == self.n_events:
            self._write(self._finish_event(), "f", now)
            if self.include_usage:
                self._write(self._usage_event(), "u", time.perf_counter_ns())
            self._write(DONE_AND_END, "d", time.perf_counter_ns())
            self._end("ok")
            return
        state = self.state
        delay = state.itl_ns() * state.slowdown()
        if self.sent == self.stall_before:
            delay += state.stall_ns
        self.target_ns += int(delay)
        state.schedule(self.target_ns, self)

    def _finish_json(self, now: int) -> None:
        self.last_ns = now
        self.first_ns = self.first_ns or now
        if self.disconnect_at >= 0:
            self._disconnect()
            return
        if self.malformed_before >= 0:
            data = json_response(200, None, keep_alive=self.keep_alive, raw=b"{not json")
        else:
            data = json_response(200, self._full_body(), keep_alive=self.keep_alive)
        self._write(data, "j", now)
        self._end("ok")

    def _burst(self) -> None:
        """Whole response in one write, no delays (client-throughput ceiling)."""
        now = self.admit_ns = time.perf_counter_ns()
        self.first_ns = self.last_ns = now
        if not self.stream:
            self._finish_json(now)
            return
        parts: list[bytes] = []
        for i in range(self.n_events):
            if i == self.disconnect_at:
                self._write(b"".join(parts), "b", now)
                self._disconnect()
                return
            if i == self.malformed_before:
                parts.append(MALFORMED_EVENT)
            parts.append(self._event(i))
        self.sent = self.n_events
        parts.append(self._finish_event())
        if self.include_usage:
            parts.append(self._usage_event())
        parts.append(DONE_AND_END)
        self._write(b"".join(parts), "b", now)
        self._end("ok")

    def _disconnect(self) -> None:
        transport = self.conn.transport
        if transport is not None:
            transport.close()  # flushes what was written, then FIN: no chunked terminator
        self._end("disconnect")

    def client_closed(self) -> None:
        self._end("client_closed")  # a pending heap entry is skipped once ended

    def _end(self, outcome: str) -> None:
        if self.ended:
            return
        self.ended = True
        state = self.state
        state.write_record(
            {
                "request_id": self.request_id,
                "arrival_ns": self.arrival_ns,
                "admit_ns": self.admit_ns,
                "headers_ns": self.conn.headers_ns,
                "write_ns": self.write_ns,
                "kinds": "".join(self.kinds),
                "outcome": outcome,
                "stream": self.stream,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.n_tokens if outcome == "ok" else self.sent,
                "buffered_writes": self.buffered_writes,
            }
        )
        if self.admitted:
            state.release()
        if outcome == "ok":
            self.conn.response_done(self.keep_alive)
