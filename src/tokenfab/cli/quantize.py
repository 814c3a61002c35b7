"""``tokenfab quantize``: re-quantize the embedded models and tabulate speed, memory, energy,
cost and quality per model and precision. Parses flags into a :class:`QuantizeConfig`, calls
:func:`tokenfab.session.quantize.quantize`, prints."""

from __future__ import annotations

import json

import click

from tokenfab.cli.flags import validated
from tokenfab.engines.embedded import DEFAULT_MODEL, EMBEDDED
from tokenfab.errors import ConfigError
from tokenfab.outputs import check_writable, write_output
from tokenfab.quant.table import to_markdown, to_rich
from tokenfab.quant.variants import SUPPORTED_TYPES
from tokenfab.report.console import make_console
from tokenfab.schemas.evaluate import PROMPT_STYLES, PromptStyle
from tokenfab.schemas.quantize import QuantizeConfig
from tokenfab.session.quantize import quantize


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
    config = validated(QuantizeConfig, models=_list(models_spec, "--model"),
                       types=None if types_spec is None else _list(types_spec, "--types"),
                       hourly_usd=hourly_usd, chunks=chunks, ctx=ctx, threads=threads,
                       rss=not no_rss, eval_tasks=eval_tasks, eval_limit=eval_limit,
                       eval_style=eval_style)
    check_writable(json_path, "--json")
    check_writable(markdown_path, "--markdown")
    err = make_console(stderr=True)
    result = quantize(config, progress=lambda m: err.print(f"quantize: {m}", highlight=False))
    make_console(stderr="-" in (json_path, markdown_path)).print(to_rich(result.rows))
    if markdown_path:
        write_output(to_markdown(result.rows), markdown_path, "--markdown")
    if json_path:
        write_output(json.dumps(result.to_json_dict(), indent=2) + "\n", json_path, "--json")


def _list(spec: str, flag: str) -> tuple[str, ...]:
    """``"a, b,,a"`` -> ("a", "b"); nothing -> one line naming the choices."""
    out = tuple(dict.fromkeys(x.strip() for x in spec.split(",") if x.strip()))
    if not out:
        choices = ", ".join(EMBEDDED if flag == "--model" else SUPPORTED_TYPES)
        raise ConfigError(f"{flag} is empty; choose from {choices}")
    return out
