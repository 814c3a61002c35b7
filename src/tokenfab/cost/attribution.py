"""Split a load point's cost between input (prefill) and output (decode) tokens. Pure.

cost_usd             = usd_per_hour × duration_s / 3600 / utilization
share_input          = prefill_s / (prefill_s + decode_s)          (measured time shares)
usd_per_mtok_input   = cost_usd × share_input       / input_tokens  × 1e6
usd_per_mtok_output  = cost_usd × (1 − share_input) / output_tokens × 1e6

so input_tokens × usd_per_mtok_input / 1e6 + output_tokens × usd_per_mtok_output / 1e6 = cost_usd
exactly (to floating-point rounding). Time shares come from the server's own timings
(llama.cpp ``prompt_ms``/``predicted_ms``) when every request has them, otherwise from the
client: prefill ≈ TTFT, decode ≈ E2E − TTFT.

Prefix-cache hits: when the server reports cached input tokens, the measured prefill time
covers only the uncached ones, so ``usd_per_mtok_input_uncached`` = cost_usd × share_input /
uncached_input_tokens × 1e6 and cached tokens carry no prefill time (``usd_per_mtok_input_cached``
= 0, modelled: their KV memory is paid for inside decode time).

blended(ratio) = (ratio × usd_per_mtok_input + usd_per_mtok_output) / (ratio + 1)
for ``ratio`` input tokens per output token (e.g. 3 for 3:1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tokenfab.schemas.records import RequestRecord

ShareSource = Literal["server_timings", "client_ttft", "none"]


@dataclass(frozen=True, slots=True)
class PhaseTimes:
    prefill_s: float
    decode_s: float
    source: ShareSource

    @property
    def share_input(self) -> float:
        total = self.prefill_s + self.decode_s
        return self.prefill_s / total if total > 0 else 0.0


def phase_times(records: Sequence[RequestRecord]) -> PhaseTimes:
    """Summed prefill and decode seconds of completed, measured requests."""
    ok = [r for r in records if r.ok and not r.warmup]
    if not ok:
        return PhaseTimes(0.0, 0.0, "none")
    if all(r.server_prompt_ms is not None and r.server_predicted_ms is not None for r in ok):
        pre = sum(r.server_prompt_ms or 0.0 for r in ok) / 1e3
        dec = sum(r.server_predicted_ms or 0.0 for r in ok) / 1e3
        return PhaseTimes(pre, dec, "server_timings")
    pre = dec = 0.0
    for r in ok:
        if r.first_chunk_ns is None:
            continue
        pre += (r.first_chunk_ns - r.sent_ns) / 1e9
        dec += (r.end_ns - r.first_chunk_ns) / 1e9
    return PhaseTimes(pre, dec, "client_ttft")


@dataclass(frozen=True, slots=True)
class Attribution:
    cost_usd: float
    share_input: float
    usd_per_mtok_input: float | None
    usd_per_mtok_output: float | None
    usd_per_mtok_input_uncached: float | None
    usd_per_mtok_input_cached: float | None


def point_cost_usd(usd_per_hour: float, duration_s: float, utilization: float = 1.0) -> float:
    """cost_usd = usd_per_hour × duration_s / 3600 / utilization."""
    return usd_per_hour * duration_s / 3600.0 / utilization


def attribute(cost_usd: float, share_input: float, input_tokens: int, output_tokens: int,
              cached_input_tokens: int = 0) -> Attribution:
    """Prices per 1M input and output tokens that add back up to ``cost_usd``."""
    if not 0.0 <= share_input <= 1.0:
        raise ValueError("share_input must be within [0, 1]")
    if input_tokens <= 0:
        share_input = 0.0  # nothing to charge prefill to: all of it lands on output
    if output_tokens <= 0 and input_tokens > 0:
        share_input = 1.0
    cost_in = cost_usd * share_input
    cost_out = cost_usd - cost_in
    p_in = cost_in / input_tokens * 1e6 if input_tokens > 0 else None
    p_out = cost_out / output_tokens * 1e6 if output_tokens > 0 else None
    uncached = input_tokens - cached_input_tokens
    p_unc = p_cached = None
    if cached_input_tokens > 0 and uncached > 0:
        p_unc, p_cached = cost_in / uncached * 1e6, 0.0
    return Attribution(cost_usd, share_input, p_in, p_out, p_unc, p_cached)


def blended(usd_per_mtok_input: float, usd_per_mtok_output: float, ratio: float) -> float:
    """(ratio × input price + output price) / (ratio + 1), ratio = input:output tokens."""
    if ratio < 0:
        raise ValueError("blend ratio must be >= 0")
    return (ratio * usd_per_mtok_input + usd_per_mtok_output) / (ratio + 1.0)
