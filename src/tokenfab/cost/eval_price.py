"""What an evaluation cost, and what each correct answer cost. Pure.

The server was busy serving the evaluation for its whole wall time, so

    cost_usd            = usd_per_hour × wall_s / 3600 / utilization
    usd_per_correct     = cost_usd / correct                 (None when correct = 0)
    usd_per_mtok_output = cost_usd / output_tokens × 1e6      (None when output_tokens = 0)

``wall_s`` and the token counts are measured; ``usd_per_hour`` and ``utilization`` are assumed
(a TCO profile), so every price here is "measured time × assumed price". Dividing by
utilization matches :func:`tokenfab.cost.price.usd_per_mtok`: idle hours are paid for too.
"""

from __future__ import annotations

from tokenfab.cost.attribution import point_cost_usd
from tokenfab.schemas.evaluate import EvalCost

__all__ = ["EvalCost", "price_eval"]


def price_eval(usd_per_hour: float, wall_s: float, correct: int, output_tokens: int,
               utilization: float = 1.0) -> EvalCost:
    """cost_usd = usd_per_hour × wall_s / 3600 / utilization; see the module docstring."""
    if usd_per_hour < 0 or wall_s < 0 or not 0 < utilization <= 1:
        raise ValueError("usd_per_hour and wall_s must be >= 0 and utilization in (0, 1]")
    cost = point_cost_usd(usd_per_hour, wall_s, utilization)
    notes = []
    if correct <= 0:
        notes.append("no correct answers, so no $/correct answer")
    if output_tokens <= 0:
        notes.append("no output tokens, so no $/1M output tokens")
    return EvalCost(
        usd_per_hour=usd_per_hour,
        cost_usd=cost,
        usd_per_correct=cost / correct if correct > 0 else None,
        usd_per_mtok_output=cost / output_tokens * 1e6 if output_tokens > 0 else None,
        note="; ".join(notes) or None,
    )
