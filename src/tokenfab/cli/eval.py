"""``tokenfab eval``: accuracy on generated task sets, and $ per correct answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from tokenfab.cli.cost_options import build_profile, tco_options
from tokenfab.cost.tco import hourly_cost
from tokenfab.errors import ConfigError
from tokenfab.quality import (
    EvalCost,
    EvalResult,
    TaskSet,
    eval_json,
    evaluate,
    load_tasks,
    price_eval,
)
from tokenfab.quality.fewshot import PROMPT_STYLES, PromptStyle
from tokenfab.quality.tasks import SHIPPED_SETS
from tokenfab.report.console import make_console
from tokenfab.session.loop import run_async


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
    for name, v in (("--limit", limit), ("--concurrency", concurrency),
                    ("--max-tokens", max_tokens)):
        if v is not None and v < 1:
            raise ConfigError(f"{name} must be >= 1 (got {v})")
    if timeout_s <= 0:
        raise ConfigError(f"--timeout must be > 0 (got {timeout_s:g})")
    if shots < 0:
        raise ConfigError(f"--shots must be >= 0 (got {shots})")
    if url is not None and model is None:
        raise ConfigError("--url needs --model NAME (the model the server serves)")
    if url is not None and model_file is not None:
        raise ConfigError("--model-file starts the embedded engine; drop it or drop --url")
    embedded = None
    if url is None:
        from tokenfab.engines.embedded import embedded_model

        embedded = embedded_model(model)  # one-line error for an unknown name, before any work
    profile = build_profile(hourly_usd=hourly_usd, **flags)
    taskset = load_tasks(tasks_spec).limited(limit)
    if not taskset.tasks:
        raise ConfigError(f"--tasks {tasks_spec}: nothing to run")
    quiet = json_path == "-"
    err = make_console(stderr=True)
    for b in taskset.bad_rows:
        err.print(f"skipped {b.source} line {b.line}: {b.error}", highlight=False)

    async def _go(target_url: str, name: str) -> EvalResult:
        return await evaluate(target_url, name, taskset.tasks, concurrency=concurrency,
                              max_tokens=max_tokens, timeout_s=timeout_s, api_key=api_key,
                              style=style, shots=shots)

    if embedded is None:
        assert url is not None and model is not None
        target = {"kind": "openai", "url": url}
        result = run_async(_go(url, model))
    else:
        from tokenfab.engines.llamacpp import EngineSettings, LlamaServer

        settings = EngineSettings.for_model(embedded, Path(model_file) if model_file else None,
                                            parallel_slots=concurrency,
                                            ctx_per_slot=1024 + max_tokens)
        what = (f"{model_file} (as {embedded.display})" if model_file
                else f"{embedded.display} {embedded.shipped_type}")
        err.print(f"tokenfab eval: starting llama-server with {what}…", highlight=False)
        with LlamaServer(settings) as server:
            err.print(f"  engine ready at {server.url} (llama.cpp {server.version}); "
                      f"{len(taskset.tasks)} items, {concurrency} in flight", highlight=False)
            target = {"kind": "llama.cpp llama-server", "url": server.url,
                      "version": server.version, "embedded_model": embedded.key,
                      "model_file": str(settings.model_path)}
            result = run_async(_go(server.url, settings.alias))
    cost: EvalCost | None = None
    if profile is not None:
        o = result.overall
        cost = price_eval(hourly_cost(profile).usd_per_hour, result.wall_s, o.correct,
                          o.tokens.output, profile.utilization)
    doc = eval_json(result, cost, taskset.bad_rows, target=target,
                    profile=profile.name if profile else None)
    doc["prompt"] = {"style": style, "shots": shots if style == "fewshot" else 0}
    print_eval(result, cost, taskset, make_console(stderr=quiet))
    if json_path:
        _write(doc, json_path)


def print_eval(result: EvalResult, cost: EvalCost | None, taskset: TaskSet,
               console: Console) -> None:
    """One row per task set, a total row, then empties, errors and prices in words."""
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
    if taskset.bad_rows:
        console.print(f"{len(taskset.bad_rows)} malformed rows skipped", highlight=False)
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


def _write(doc: dict[str, Any], path: str) -> None:
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if path == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return
    try:
        Path(path).write_text(text + "\n")
    except OSError as exc:
        raise ConfigError(f"--json {path}: cannot write ({exc.strerror}); "
                          "pick a writable path") from None
