"""``tokenfab quantize`` as one library call: re-quantize each embedded model's shipped GGUF
and measure every precision (speed, memory, energy, cost, perplexity, KL, optional accuracy).

Every input is checked before a tool runs: models, types, the perplexity settings (enough
scored tokens for a KL statistic) and the eval tasks. Formulas: :mod:`tokenfab.quant.table`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tokenfab.cost.cpu_power import assumed_cpu_power_w
from tokenfab.engines.embedded import EmbeddedModel, embedded_model
from tokenfab.errors import ConfigError
from tokenfab.host.cpu import local_cpu
from tokenfab.quality import Task, load_tasks
from tokenfab.quant.accuracy import variant_accuracy
from tokenfab.quant.measure import MIN_KLD_TOKENS, MeasureSettings, measure_variants, scored_tokens
from tokenfab.quant.models import Measurement, reference_note
from tokenfab.quant.table import build_rows, to_json
from tokenfab.quant.variants import default_types, make_variants, parse_types
from tokenfab.schemas.quantize import QuantizeConfig, QuantizeResult

Progress = Callable[[str], None]


def loadavg_1m() -> float | None:
    """1-minute load average: other work on the machine skews speeds and modelled watts."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _checked(config: QuantizeConfig) -> tuple[list[EmbeddedModel], list[str] | None,
                                                list[Task]]:
    models = list(dict.fromkeys(embedded_model(m) for m in config.models))
    types = parse_types(list(config.types)) if config.types is not None else None
    tokens = scored_tokens(config.ctx, config.chunks)
    if tokens < MIN_KLD_TOKENS:
        raise ConfigError(f"--chunks {config.chunks} × --ctx {config.ctx} scores {tokens} "
                          f"tokens; llama-perplexity reports KL divergence from "
                          f"{MIN_KLD_TOKENS}: raise --chunks or --ctx")
    tasks: list[Task] = []
    if config.eval_tasks:
        tasks = load_tasks(config.eval_tasks, "--eval-tasks").limited(config.eval_limit).tasks
    return models, types, tasks


def quantize(config: QuantizeConfig, *, progress: Progress | None = None) -> QuantizeResult:
    """Build (cached) and measure every precision of every model; see the module docstring."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter_ns()
    load_start = loadavg_1m()
    models, types, tasks = _checked(config)
    cpu = local_cpu()
    idle_w, busy_w = assumed_cpu_power_w(cpu)
    settings = MeasureSettings(threads=config.threads, ctx=config.ctx, chunks=config.chunks,
                               rss=config.rss, idle_w=idle_w, busy_w=busy_w)
    measurements: list[Measurement] = []
    accuracy: dict[tuple[str, str], float] = {}
    model_docs: list[dict[str, Any]] = []
    for model in models:
        wanted = types or default_types(model.shipped_type)
        say(f"{model.key}: building {', '.join(wanted)} from the shipped {model.shipped_type}")
        variants = make_variants(wanted, model=model)
        reference, measured = measure_variants(variants, settings, progress=say)
        measurements += measured
        if tasks:
            accuracy.update(variant_accuracy(variants, tasks, progress=say,
                                             style=config.eval_style))
        model_docs.append({
            "key": model.key, "model": model.display, "source": str(model.gguf()),
            "shipped_type": model.shipped_type, "tokenizer": model.tokenizer,
            "note": model.note, "wheel": model.wheel,
            "reference": {**reference.model_dump(), "note": reference_note(model.shipped_type)}})
    rows = build_rows(measurements, config.hourly_usd, accuracy or None)
    elapsed_s = (time.perf_counter_ns() - started) / 1e9
    doc = to_json(
        rows, models=model_docs,
        settings={**settings.model_dump(), "cpu_model": cpu.model,
                  "logical_cores": cpu.logical_cores, "eval_tasks": config.eval_tasks,
                  "eval_limit": config.eval_limit if config.eval_tasks else None,
                  "eval_style": config.eval_style if config.eval_tasks else None,
                  "loadavg_1m_start": load_start, "loadavg_1m_end": loadavg_1m(),
                  "power_w_provenance": "assumed (Cloud Carbon Footprint coefficients)"},
        usd_per_hour=config.hourly_usd, elapsed_s=round(elapsed_s, 2))
    return QuantizeResult.model_validate(doc)


__all__ = ["Progress", "loadavg_1m", "quantize"]
