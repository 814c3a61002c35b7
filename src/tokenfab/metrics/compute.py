"""Records -> latency, throughput and goodput. Pure: values in, values out.

Definitions (all client-side, provenance ``measured``):

- TTFT = first_content_chunk_ns - sent_ns
- TPOT = (E2E - TTFT) / (output_tokens - 1), for requests with >= 2 output tokens
- ITL  = chunk_ns[k] - chunk_ns[k-1] per content chunk (a chunk may carry several tokens,
  so ITL is reported separately from TPOT)
- E2E  = end_ns - sent_ns (last byte of the response)
- duration = last measured end_ns - first measured sent_ns
- output tok/s = sum(output_tokens of completed requests) / duration; input likewise
- requests/s = completed / duration
- per-user tok/s = 1000 / TPOT_ms (per request; the point reports its median)
- goodput requests/s = requests meeting every SLO bound / duration;
  goodput fraction = met / (completed + failed)  (failed requests count against it)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tokenfab.schemas.config import Slo
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import (
    GoodputSummary,
    LatencyStats,
    LoadSpec,
    PointSummary,
    RequestCounts,
    ThroughputSummary,
    TokenCounts,
    TokenSource,
)

NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


def ns_to_ms(ns: float) -> float:
    """ms = ns / 1e6."""
    return ns / NS_PER_MS


def ns_to_s(ns: float) -> float:
    """s = ns / 1e9."""
    return ns / NS_PER_S


def output_tokens_of(rec: RequestRecord) -> int:
    """Server usage first, then the client tokenizer count, then the content-chunk count."""
    if rec.output_tokens is not None:
        return rec.output_tokens
    if rec.client_output_tokens is not None:
        return rec.client_output_tokens
    return len(rec.chunk_ns)


# Token-count sources, most exact first.
SOURCE_RANK: tuple[TokenSource, ...] = ("usage", "tokenizer", "word_estimate", "chunk_count")


def token_source(completed: Sequence[RequestRecord]) -> TokenSource:
    """The least exact source behind any count of these completed requests (``none`` if empty).

    Output: server usage, else the client's tokenizer count, else the chunk count. Input:
    server usage, else the prompt's planned length, sized with the model's tokenizer when the
    request has a tokenizer count (the server has /tokenize) and by the word estimate otherwise.
    """
    worst = -1 if not completed else 0
    for r in completed:
        out = 0 if r.output_tokens is not None else 1 if r.client_output_tokens is not None else 3
        inp = 0
        if r.input_tokens is None and r.expected_input_tokens is not None:
            inp = 1 if r.client_output_tokens is not None else 2
        worst = max(worst, out, inp)
    return "none" if worst < 0 else SOURCE_RANK[worst]


def tpot_ms(rec: RequestRecord) -> float | None:
    """TPOT_ms = (E2E - TTFT) / (output_tokens - 1) / 1e6; None below 2 tokens."""
    out = output_tokens_of(rec)
    if rec.first_chunk_ns is None or out < 2:
        return None
    return ns_to_ms((rec.end_ns - rec.first_chunk_ns) / (out - 1))


def itl_ms(rec: RequestRecord) -> list[float]:
    """ITL_ms[k] = (chunk_ns[k] - chunk_ns[k-1]) / 1e6."""
    c = rec.chunk_ns
    return [(c[k] - c[k - 1]) / NS_PER_MS for k in range(1, len(c))]


def latency_stats(values_ms: Sequence[float] | np.ndarray) -> LatencyStats | None:
    """p50/p90/p95/p99 (linear interpolation), mean, min, max; None when empty."""
    arr = np.asarray(values_ms, dtype=np.float64)
    if arr.size == 0:
        return None
    p = np.percentile(arr, [50, 90, 95, 99])
    return LatencyStats(p50=float(p[0]), p90=float(p[1]), p95=float(p[2]), p99=float(p[3]),
                        mean=float(arr.mean()), min=float(arr.min()), max=float(arr.max()),
                        n=int(arr.size))


def meets_slo(rec: RequestRecord, slo: Slo) -> bool:
    """A completed request meets the SLO when every bound that is set holds."""
    if not rec.ok:
        return False
    ttft = rec.ttft_ns
    if slo.ttft_ms is not None and (ttft is None or ns_to_ms(ttft) > slo.ttft_ms):
        return False
    if slo.tpot_ms is not None:
        t = tpot_ms(rec)
        if t is None or t > slo.tpot_ms:
            return False
    return not (slo.e2e_ms is not None and ns_to_ms(rec.e2e_ns) > slo.e2e_ms)


@dataclass(frozen=True, slots=True)
class Window:
    """The measured interval of a point, in perf_counter ns."""

    start_ns: int
    end_ns: int

    @property
    def duration_s(self) -> float:
        return max(ns_to_s(self.end_ns - self.start_ns), 1e-9)

    @classmethod
    def of(cls, records: Sequence[RequestRecord]) -> Window:
        if not records:
            return cls(0, 0)
        return cls(min(r.sent_ns for r in records), max(r.end_ns for r in records))


def summarize_point(records: Sequence[RequestRecord], *, mode: str, value: float,
                    slo: Slo | None = None, duration_s: float | None = None) -> PointSummary:
    """Aggregate one load point's measured (non-warm-up) records. ``duration_s`` overrides the
    window (repeats of a point: the sum of their windows)."""
    measured = [r for r in records if not r.warmup]
    ok = [r for r in measured if r.ok]
    failed = [r for r in measured if not r.ok]
    window = Window.of(measured)
    dur = (duration_s if duration_s is not None else window.duration_s) if measured else 0.0
    out_tok = sum(output_tokens_of(r) for r in ok)
    in_tok = sum(r.input_tokens or r.expected_input_tokens or 0 for r in ok)
    cached = sum(r.cached_tokens or 0 for r in ok)
    with_client = [r for r in ok if r.client_output_tokens is not None]
    mismatches = sum(1 for r in with_client
                     if r.output_tokens is not None and r.output_tokens != r.client_output_tokens)
    source = token_source(ok)
    ttfts = [ns_to_ms(r.ttft_ns) for r in ok if r.ttft_ns is not None]
    tpots = [x for r in ok if (x := tpot_ms(r)) is not None]
    itls: list[float] = []
    for r in ok:
        itls.extend(itl_ms(r))
    e2es = [ns_to_ms(r.e2e_ns) for r in ok]
    per_user = [1000.0 / t for t in tpots if t > 0]
    safe = dur if dur > 0 else 1.0
    throughput = ThroughputSummary(
        output_tok_s=out_tok / safe if ok else 0.0,
        input_tok_s=in_tok / safe if ok else 0.0,
        total_tok_s=(out_tok + in_tok) / safe if ok else 0.0,
        requests_per_s=len(ok) / safe if ok else 0.0,
        per_user_output_tok_s_p50=float(np.median(per_user)) if per_user else None,
    )
    goodput = None
    if slo is not None:
        met = [r for r in ok if meets_slo(r, slo)]
        goodput = GoodputSummary(
            requests_per_s=len(met) / safe if measured else 0.0,
            fraction=len(met) / len(measured) if measured else 0.0,
            output_tok_s=sum(output_tokens_of(r) for r in met) / safe if measured else 0.0,
        )
    errors = Counter(r.error_key or "unknown" for r in failed)
    return PointSummary(
        load=LoadSpec(mode="rate" if mode == "rate" else "concurrency", value=value),
        requests=RequestCounts(completed=len(ok), failed=len(failed), errors=dict(errors)),
        duration_s=dur,
        tokens=TokenCounts(input=in_tok, output=out_tok, cached_input=cached,
                           client_output=(sum(r.client_output_tokens or 0 for r in with_client)
                                          if with_client else None),
                           count_mismatches=mismatches, token_source=source),
        throughput=throughput,
        latency_ms={"ttft": latency_stats(ttfts), "tpot": latency_stats(tpots),
                    "itl": latency_stats(itls), "e2e": latency_stats(e2es)},
        goodput=goodput,
    )
