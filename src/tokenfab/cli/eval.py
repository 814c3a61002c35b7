"""``tokenfab eval``: accuracy on generated task sets, and $ per correct answer."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from tokenfab.cli.cost_options import build_profile, tco_options
from tokenfab.cli.flags import validated
from tokenfab.outputs import check_writable, write_output
from tokenfab.quality.tasks import SHIPPED_SETS
from tokenfab.report.console import make_console
from tokenfab.schemas.evaluate import PROMPT_STYLES, EvalConfig, EvalReport, PromptStyle
from tokenfab.session.evaluate import run_eval

EVAL_FLAGS = {"timeout_s": "--timeout"}


@click.command("eval")
@click.option("--url", default=None,
              help="OpenAI-compatible server; default: start the embedded llama.cpp engine")
@click.option("--model", default=None,
              help="with --url: the model name to request (required); without: the embedded "
                   "model to serve (smollm2-135m default, gemma3-270m)")
@click.option("--api-key", default=None, envvar="TOKENFAB_API_KEY",
              help="bearer token for --url [env TOKENFAB_API_KEY]")
@click.option("--tasks", "tasks_spec", default="all", show_default=True,
              help=f"comma list of {', '.join(SHIPPED_SETS)}; 'all'; or a JSONL file")
@click.option("--limit", type=int, default=None, help="first N items of each set")
@click.option("--concurrency", type=int, default=4, show_default=True,
              help="requests in flight")
@click.option("--max-tokens", type=int, default=64, show_default=True,
              help="reply length cap per item")
@click.option("--timeout", "timeout_s", type=float, default=120.0, show_default=True,
              help="seconds per request")
@click.option("--model-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="embedded engine only: serve this GGUF (a variant of --model) instead of "
                   "the shipped file")
@click.option("--style", type=click.Choice(PROMPT_STYLES), default="chat", show_default=True,
              help="chat: the item as a user turn; fewshot: solved examples + the item as a "
                   "plain completion (for pre-trained base models, e.g. gemma3-270m)")
@click.option("--shots", type=int, default=3, show_default=True,
              help="solved examples per item with --style fewshot")
@click.option("--hourly-usd", type=float, default=None, help="serving cost per hour (assumed)")
@tco_options
@click.option("--json", "json_path", default=None, help="write JSON here ('-' for stdout)")
def eval_cmd(url: str | None, model: str | None, api_key: str | None, tasks_spec: str,
             limit: int | None, concurrency: int, max_tokens: int, timeout_s: float,
             model_file: str | None, style: PromptStyle, shots: int, hourly_usd: float | None,
             json_path: str | None, **flags: Any) -> None:
    """Score a model on generated tasks with checkable answers; price each correct answer."""
    profile = build_profile(hourly_usd=hourly_usd, **flags)
    config = validated(EvalConfig, EVAL_FLAGS, url=url, model=model, api_key=api_key,
                       tasks=tasks_spec, limit=limit, concurrency=concurrency,
                       max_tokens=max_tokens, timeout_s=timeout_s, model_file=model_file,
                       style=style, shots=shots, profile=profile)
    check_writable(json_path, "--json")
    err = make_console(stderr=True)
    report = run_eval(config, progress=lambda m: err.print(m, highlight=False))
    print_eval(report, make_console(stderr=json_path == "-"))
    if json_path:
        write_output(json.dumps(report.to_json_dict(), indent=2, ensure_ascii=False) + "\n",
                     json_path, "--json")


def print_eval(report: EvalReport, console: Console) -> None:
    """One row per task set, a total row, then empties, errors and prices in words."""
    result, cost = report.result, report.cost
    table = Table(title=f"tokenfab eval: {result.model}", title_justify="left")
    for col in ("set", "n", "correct", "accuracy", "empty", "errors", "in tok", "out tok"):
        table.add_column(col, justify="left" if col == "set" else "right")
    rows = [*result.per_task.items(), ("all", result.overall)]
    for i, (name, s) in enumerate(rows):
        table.add_row(name, str(s.n), str(s.correct), f"{s.accuracy:.1%}", str(s.empty),
                      str(s.errored), f"{s.tokens.input:,}", f"{s.tokens.output:,}",
                      end_section=i == len(rows) - 2)
    console.print(table)
    o = result.overall
    if o.empty:
        console.print(f"{o.empty} empty answers (scored wrong)", highlight=False)
    if result.errors:
        errs = ", ".join(f"{k} ×{v}" for k, v in result.errors.items())
        console.print(f"{o.errored} requests failed (scored wrong): {errs}", highlight=False)
    if report.bad_rows:
        console.print(f"{len(report.bad_rows)} malformed rows skipped", highlight=False)
    line = f"wall {result.wall_s:.1f} s (measured)"
    if o.tokens.reasoning:
        line += f"; {o.tokens.reasoning:,} reasoning tokens"
    console.print(line, highlight=False)
    if cost is not None:
        per_correct = ("-" if cost.usd_per_correct is None
                       else f"${cost.usd_per_correct:.6f}")
        per_mtok = ("-" if cost.usd_per_mtok_output is None
                    else f"${cost.usd_per_mtok_output:.4f}")
        console.print(f"cost ${cost.cost_usd:.6f} = ${cost.usd_per_hour:g}/h (assumed) × "
                      f"{result.wall_s:.1f} s (measured); $/correct answer: "
                      f"{per_correct}; $/1M output tokens: {per_mtok}", highlight=False)
        if cost.note:
            console.print(cost.note, highlight=False)
