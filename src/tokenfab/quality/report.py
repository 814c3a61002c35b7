"""The ``tokenfab.eval/1`` JSON document. Pure: values in, a dict out."""

from __future__ import annotations

from typing import Any

from tokenfab.cost.eval_price import EvalCost
from tokenfab.quality.evaluate import EvalResult
from tokenfab.quality.tasks import BadRow

SCHEMA = "tokenfab.eval/1"


def eval_json(result: EvalResult, cost: EvalCost | None, bad_rows: list[BadRow], *,
              target: dict[str, Any] | None = None, profile: str | None = None) -> dict[str, Any]:
    """Accuracy per set and overall, tokens, errors, prices and where each number came from."""
    o = result.overall
    provenance: dict[str, str] = {
        "accuracy": "measured (checked against generated answers)",
        "tokens": "measured (server usage)",
        "wall_s": "measured",
    }
    if cost is not None:
        provenance.update({
            "usd_per_hour": "assumed" + (f" ({profile})" if profile else ""),
            "cost_usd": "measured time × assumed price",
            "usd_per_correct": "measured time × assumed price / measured correct",
            "usd_per_mtok_output": "measured time × assumed price / measured tokens",
        })
    return {
        "schema": SCHEMA,
        "model": result.model,
        "target": target or {},
        "accuracy": o.accuracy,
        "correct": o.correct,
        "n": o.n,
        "empty_answers": o.empty,
        "tasks": {name: {"accuracy": s.accuracy, "n": s.n, "correct": s.correct,
                         "empty": s.empty, "errored": s.errored,
                         "tokens": s.tokens.model_dump()}
                  for name, s in result.per_task.items()},
        "tokens": o.tokens.model_dump(),
        "usd_per_hour": cost.usd_per_hour if cost else None,
        "cost_usd": cost.cost_usd if cost else None,
        "usd_per_correct": cost.usd_per_correct if cost else None,
        "usd_per_mtok_output": cost.usd_per_mtok_output if cost else None,
        "cost_note": cost.note if cost else None,
        "wall_s": result.wall_s,
        "errors": result.errors,
        "bad_rows": [b.model_dump() for b in bad_rows],
        "provenance": provenance,
        "items": [{"id": i.id, "task": i.task, "correct": i.correct, "empty": i.empty,
                   "error": i.error, "reply": i.reply, "finish_reason": i.finish_reason,
                   "output_tokens": i.output_tokens, "latency_ms": i.latency_ns / 1e6}
                  for i in result.items],
    }
