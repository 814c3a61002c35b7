"""One request in, one ``RequestRecord`` out; faults become error classes, never exceptions."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from time import perf_counter_ns
from typing import Any

from tokenfab.load.sse import decode_events
from tokenfab.load.wire import ConnectionPool, Endpoint, RawResponse, build_request
from tokenfab.schemas.records import RequestRecord

CHAT_PATH = "/v1/chat/completions"
COMPLETIONS_PATH = "/v1/completions"


@dataclass(slots=True, frozen=True)
class RequestSpec:
    """A request ready to send: serialised HTTP bytes plus what the workload intended."""

    payload: bytes
    expected_input_tokens: int | None
    max_output_tokens: int | None


def make_payload(
    *,
    api: str,
    model: str,
    text: str,
    max_tokens: int | None,
    ignore_eos: bool,
    messages: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[str, bytes]:
    """(path, JSON body) of a streaming request asking for usage in the last chunk."""
    body: dict[str, Any] = {"model": model, "stream": True,
                            "stream_options": {"include_usage": True}}
    if api == "chat":
        body["messages"] = messages if messages is not None else [{"role": "user", "content": text}]
        path = CHAT_PATH
    else:
        body["prompt"] = text
        path = COMPLETIONS_PATH
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
        if ignore_eos:
            body["ignore_eos"] = True
            body["min_tokens"] = max_tokens
    if extra:
        body.update(extra)
    return path, json.dumps(body, separators=(",", ":")).encode()


def make_spec(endpoint: Endpoint, path: str, body: bytes, api_key: str | None,
              expected_input_tokens: int | None, max_output_tokens: int | None,
              extra_headers: dict[str, str] | None = None) -> RequestSpec:
    return RequestSpec(build_request(endpoint, path, body, api_key, extra_headers),
                       expected_input_tokens, max_output_tokens)


def _error_message(resp: RawResponse) -> str:
    raw = resp.body()[:2000]
    try:
        obj = json.loads(raw)
        err = obj.get("error", obj) if isinstance(obj, dict) else obj
        if isinstance(err, dict):
            return str(err.get("message", err))[:200]
        return str(err)[:200]
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to decode
        return raw[:200].decode("utf-8", "replace")


async def execute(
    pool: ConnectionPool,
    spec: RequestSpec,
    *,
    point_index: int,
    request_index: int,
    warmup: bool,
    timeout_s: float,
    keep_text: bool = True,
) -> RequestRecord:
    """Send one streaming request and describe what happened (decoded inline)."""
    rec, resp = await execute_raw(pool, spec, point_index=point_index,
                                  request_index=request_index, warmup=warmup, timeout_s=timeout_s)
    finish_record(rec, resp, keep_text)
    return rec


def finish_record(rec: RequestRecord, resp: RawResponse | None, keep_text: bool = True) -> None:
    """Decode a raw response into ``rec`` (CPU work: keep it off the event loop under load)."""
    if resp is None:
        return
    if rec.error_class == "timeout":
        _fill_partial(rec, resp, keep_text)
    else:
        _classify(rec, resp, keep_text)


async def execute_raw(
    pool: ConnectionPool,
    spec: RequestSpec,
    *,
    point_index: int,
    request_index: int,
    warmup: bool,
    timeout_s: float,
) -> tuple[RequestRecord, RawResponse | None]:
    """Send one streaming request; return its timing and the undecoded response."""
    rec = RequestRecord(point_index=point_index, request_index=request_index, sent_ns=0, end_ns=0,
                        warmup=warmup, expected_input_tokens=spec.expected_input_tokens,
                        max_output_tokens=spec.max_output_tokens)
    for attempt in (0, 1):
        try:
            proto = await pool.acquire()
        except (TimeoutError, OSError) as exc:
            now = perf_counter_ns()
            rec.sent_ns = rec.end_ns = now
            rec.ok, rec.error_class, rec.error_detail = False, "connect", str(exc)[:200]
            return rec, None
        reused = bool(proto.resp.read_ns)
        sent_ns, fut = proto.start(spec.payload)
        try:
            await asyncio.wait_for(fut, timeout_s)
        except TimeoutError:
            proto.close()
            rec.sent_ns, rec.end_ns = sent_ns, perf_counter_ns()
            rec.ok, rec.error_class = False, "timeout"
            rec.error_detail = f"no complete response within {timeout_s:g}s"
            return rec, proto.resp
        resp = proto.resp
        if attempt == 0 and reused and resp.status == 0 and resp.eof and not resp.buf:
            proto.close()  # stale keep-alive connection closed by the server: retry once
            continue
        pool.release(proto)
        rec.sent_ns = sent_ns
        rec.end_ns = resp.read_ns[-1] if resp.read_ns else perf_counter_ns()
        return rec, resp
    raise AssertionError("unreachable")


def _fill_partial(rec: RequestRecord, resp: RawResponse, keep_text: bool) -> None:
    if resp.status == 200 and resp.read_ns:
        parsed = decode_events(resp)
        rec.chunk_ns = parsed.chunk_ns
        rec.first_chunk_ns = parsed.chunk_ns[0] if parsed.chunk_ns else None
        if keep_text:
            rec.output_text = parsed.text
    rec.http_status = resp.status or None


def _classify(rec: RequestRecord, resp: RawResponse, keep_text: bool) -> None:
    rec.http_status = resp.status or None
    if resp.framing_error:
        rec.ok, rec.error_class, rec.error_detail = False, "malformed_stream", resp.framing_error
        return
    if resp.status == 0:
        rec.ok, rec.error_class = False, "disconnect"
        rec.error_detail = "connection closed before a response"
        return
    if resp.status != 200:
        rec.ok, rec.error_class, rec.error_detail = False, "http", _error_message(resp)
        return
    parsed = decode_events(resp)
    rec.chunk_ns = parsed.chunk_ns
    rec.first_chunk_ns = parsed.chunk_ns[0] if parsed.chunk_ns else None
    rec.finish_reason = parsed.finish_reason
    if keep_text:
        rec.output_text = parsed.text
    u = parsed.usage
    if u:
        rec.input_tokens = _int(u.get("prompt_tokens"))
        rec.output_tokens = _int(u.get("completion_tokens"))
        details = u.get("prompt_tokens_details") or {}
        if isinstance(details, dict):
            rec.cached_tokens = _int(details.get("cached_tokens"))
    t = parsed.timings
    if t:
        rec.server_prompt_ms = _float(t.get("prompt_ms"))
        rec.server_predicted_ms = _float(t.get("predicted_ms"))
        if rec.cached_tokens is None:
            rec.cached_tokens = _int(t.get("cache_n"))
    if not resp.complete:
        rec.ok, rec.error_class = False, "disconnect"
        rec.error_detail = f"stream closed after {len(parsed.chunk_ns)} content chunks"
    elif parsed.server_error is not None:
        rec.ok, rec.error_class, rec.error_detail = False, "http", parsed.server_error[:200]
    elif parsed.error is not None:
        rec.ok, rec.error_class, rec.error_detail = False, "malformed_stream", parsed.error
    elif not parsed.chunk_ns and not u:
        ctype = resp.headers.get("content-type", "")
        rec.ok, rec.error_class = False, ("malformed_stream" if "event-stream" not in ctype
                                          else "empty")
        rec.error_detail = f"no content chunks (content-type {ctype or 'missing'})"


def _int(v: object) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _float(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
