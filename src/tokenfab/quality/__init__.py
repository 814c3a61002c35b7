"""Quality-paired cost: generated task sets with verifiable answers, scored against a server.

``load_tasks("arithmetic,format")`` -> :class:`TaskSet`; ``await evaluate(url, model, tasks)``
-> :class:`EvalResult`; ``price_eval(usd_per_hour, wall_s, correct, output_tokens)`` ->
:class:`EvalCost` ($ per correct answer).
"""

from tokenfab.cost.eval_price import EvalCost, price_eval
from tokenfab.quality.evaluate import EvalResult, ItemResult, TaskScore, Tokens, evaluate
from tokenfab.quality.score import CHECKS, CheckKind, check
from tokenfab.quality.tasks import SHIPPED_SETS, Task, TaskSet, load_tasks
from tokenfab.schemas.evaluate import SCHEMA_ID as SCHEMA
from tokenfab.schemas.evaluate import BadRow
from tokenfab.schemas.evaluate import eval_document as eval_json

__all__ = [
    "CHECKS",
    "SCHEMA",
    "SHIPPED_SETS",
    "BadRow",
    "CheckKind",
    "EvalCost",
    "EvalResult",
    "ItemResult",
    "Task",
    "TaskScore",
    "TaskSet",
    "Tokens",
    "check",
    "eval_json",
    "evaluate",
    "load_tasks",
    "price_eval",
]
