"""Task accuracy per quantized variant: serve each GGUF with llama-server, score it with
``tokenfab eval``'s tasks and checkers (the same code as ``tokenfab eval``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from tokenfab.engines.embedded import embedded_model
from tokenfab.engines.lifecycle import EngineSettings, serving
from tokenfab.quality import Task, evaluate
from tokenfab.quant.models import Variant
from tokenfab.schemas.evaluate import PromptStyle
from tokenfab.session.loop import run_async


def variant_accuracy(variants: Sequence[Variant], tasks: list[Task],
                     progress: Callable[[str], None] | None = None,
                     style: PromptStyle = "chat") -> dict[tuple[str, str], float]:
    """accuracy[(model, quant_type)] = correct / n on the same task items for every variant."""
    out: dict[tuple[str, str], float] = {}
    for v in variants:
        settings = EngineSettings.for_model(embedded_model(v.model), Path(v.path),
                                            parallel_slots=4, ctx_per_slot=1024)
        with serving(settings) as served:
            result = run_async(evaluate(served.url, served.alias, tasks, concurrency=4,
                                        timeout_s=120, style=style))
        out[(v.model, v.quant_type)] = result.overall.accuracy
        if progress is not None:
            progress(f"{v.model} {v.quant_type}: accuracy {result.overall.accuracy:.1%} "
                     f"({result.overall.correct}/{result.overall.n})")
    return out
