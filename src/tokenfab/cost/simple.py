"""First price: an hourly serving cost spread over measured throughput.

usd_per_mtok = usd_per_hour / (tok_per_s * 3600) * 1e6

``usd_per_hour`` is an ``assumed`` input; throughput is ``measured``. The full TCO model
(hardware, energy, overhead, attribution) builds on this in ``tokenfab.cost``.
"""

from __future__ import annotations

import math

from tokenfab.schemas.summary import CostSummary, PointSummary

SECONDS_PER_HOUR = 3600.0
TOKENS_PER_MTOK = 1_000_000.0


def usd_per_mtok(usd_per_hour: float, tok_per_s: float) -> float | None:
    """usd_per_mtok = usd_per_hour / (tok_per_s * 3600) * 1e6; None when nothing was produced."""
    if usd_per_hour < 0 or not math.isfinite(usd_per_hour):
        raise ValueError("usd_per_hour must be a finite, non-negative number")
    if tok_per_s <= 0 or not math.isfinite(tok_per_s):
        return None
    return usd_per_hour / (tok_per_s * SECONDS_PER_HOUR) * TOKENS_PER_MTOK


def price_point(point: PointSummary, usd_per_hour: float) -> CostSummary:
    """$/1M output tokens and $/1M total tokens for one measured load point."""
    return CostSummary(
        usd_per_hour=usd_per_hour,
        usd_per_mtok_output=usd_per_mtok(usd_per_hour, point.throughput.output_tok_s),
        usd_per_mtok_total=usd_per_mtok(usd_per_hour, point.throughput.total_tok_s),
        provenance={"usd_per_hour": "assumed", "throughput": "measured"},
    )
