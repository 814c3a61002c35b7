"""The per-request record: what one request did, with integer-nanosecond timestamps.

All ``*_ns`` fields come from ``time.perf_counter_ns()`` (CLOCK_MONOTONIC on Linux) in the
process that sent the request; ``RunMeta.clock_offset_ns`` maps them to Unix time.
A plain slotted dataclass, not pydantic: records are created on the hot path by the thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ErrorClass = Literal[
    "connect",  # could not open a connection
    "http",  # non-2xx status; see http_status (reported as e.g. "http_500")
    "timeout",  # no completion within the request timeout
    "disconnect",  # connection closed before the response ended
    "malformed_stream",  # bytes that are not valid SSE / JSON / chunked framing
    "empty",  # 2xx stream that carried no content and no usage
]


@dataclass(slots=True)
class RequestRecord:
    """One request. Provenance of every timing: ``measured`` (client clock).

    Token counts: ``input_tokens``/``output_tokens`` are the server's ``usage`` (primary);
    ``client_output_tokens`` is the client's own count with the model tokenizer (cross-check).
    """

    point_index: int
    request_index: int
    sent_ns: int
    end_ns: int
    warmup: bool = False
    ok: bool = True
    error_class: str | None = None
    http_status: int | None = None
    error_detail: str | None = None
    first_chunk_ns: int | None = None  # first chunk that carried output text
    chunk_ns: list[int] = field(default_factory=list)  # arrival of every content chunk
    chunk_tokens: list[int] = field(default_factory=list)  # tokens in each chunk if known
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    client_output_tokens: int | None = None
    expected_input_tokens: int | None = None
    max_output_tokens: int | None = None
    server_prompt_ms: float | None = None
    server_predicted_ms: float | None = None
    finish_reason: str | None = None
    output_text: str | None = None

    @property
    def error_key(self) -> str | None:
        """Error class as reported in summaries: ``http_<status>`` for HTTP errors."""
        if self.ok:
            return None
        if self.error_class == "http" and self.http_status is not None:
            return f"http_{self.http_status}"
        return self.error_class or "unknown"

    @property
    def ttft_ns(self) -> int | None:
        """TTFT = first_chunk_ns - sent_ns."""
        if self.first_chunk_ns is None:
            return None
        return self.first_chunk_ns - self.sent_ns

    @property
    def e2e_ns(self) -> int:
        """E2E = end_ns - sent_ns."""
        return self.end_ns - self.sent_ns
