"""Few-shot completion prompts: how a pre-trained base model is asked a task fairly. Pure.

A base model continues text rather than answering a chat turn, so each item becomes a plain
completion prompt: ``shots`` solved items of the same set, then the item itself,

    Q: <example prompt>
    A: <reference reply>

    Q: <item prompt>
    A:

sent to ``/v1/completions`` with stop sequences ``"\\nQ:"`` and ``"\\n\\n"`` so the model stops
after one answer. The examples are the next ``shots`` items of the same set after this one
(cyclically, never the item itself), so every item sees different examples and the choice
is reproducible. A reference reply is the shortest text the item's checker accepts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tokenfab.quality.tasks import Task
from tokenfab.schemas.evaluate import PROMPT_STYLES, PromptStyle

__all__ = ["PROMPT_STYLES", "STOP", "PromptStyle", "fewshot_prompt"]
STOP: tuple[str, ...] = ("\nQ:", "\n\n")


def reference_reply(task: Task) -> str:
    """The answer as a reply its checker accepts: ``{"answer": N}`` for json_answer, else
    the answer itself."""
    if task.check == "json_answer":
        return json.dumps({"answer": int(task.answer)})
    return str(task.answer)


def examples_for(task: Task, pool: Sequence[Task], shots: int) -> list[Task]:
    """The next ``shots`` items of ``task``'s set after it in ``pool``, wrapping around."""
    same = [t for t in pool if t.task == task.task]
    if shots <= 0 or not same:
        return []
    start = next((i for i, t in enumerate(same) if t.id == task.id), -1)
    ring = [same[(start + 1 + k) % len(same)] for k in range(len(same))]
    return [t for t in ring if t.id != task.id][:shots]


def fewshot_prompt(task: Task, pool: Sequence[Task], shots: int) -> str:
    """The completion prompt for ``task`` with ``shots`` solved examples from ``pool``."""
    blocks = [f"Q: {ex.prompt}\nA: {reference_reply(ex)}" for ex in examples_for(task, pool, shots)]
    blocks.append(f"Q: {task.prompt}\nA:")
    return "\n\n".join(blocks)
