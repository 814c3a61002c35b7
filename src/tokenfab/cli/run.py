"""``tokenfab run``: start the embedded engine, benchmark it, stop it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tokenfab.cli.flags import validated
from tokenfab.cli.options import build_config, finish, load_options, write_json
from tokenfab.outputs import check_writable
from tokenfab.report.console import ConsoleProgress, make_console, print_summary
from tokenfab.report.html import write_run_report
from tokenfab.schemas.run import RunConfig
from tokenfab.session.run import (
    DEFAULT_CONCURRENCY as DEFAULT_CONCURRENCY_VALUES,
)
from tokenfab.session.run import (
    DEFAULT_INPUT_TOKENS,
    DEFAULT_MODEL,
    DEFAULT_REQUESTS,
    DEFAULT_WARMUP,
    ENGINE_URL,
    MODEL_CHOICES,
    run,
)
from tokenfab.session.runs import reading

DEFAULT_CONCURRENCY = ",".join(f"{v:g}" for v in DEFAULT_CONCURRENCY_VALUES)


@click.command("run")
@click.option("--engine-arg", "engine_args", multiple=True,
              help="pass settings to llama-server, e.g. --engine-arg='--threads 2'")
@click.option("--slots", type=int, default=None,
              help="parallel slots (-np); default: the highest concurrency")
@click.option("--report", "report_path", default="tokenfab-report.html", show_default=True,
              help="write the HTML report here ('' to skip)")
@click.option("--model", "model_key", default=DEFAULT_MODEL, show_default=True,
              help=f"embedded model to serve: {', '.join(MODEL_CHOICES)}")
@click.option("--model-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="serve this GGUF (a variant of --model) instead of the shipped file")
@load_options(default_concurrency=DEFAULT_CONCURRENCY, default_requests=None,
              default_ignore_eos=True, default_input=None, default_energy="auto")
def run_cmd(engine_args: tuple[str, ...], slots: int | None, model_key: str,
            model_file: str | None, report_path: str, json_path: str | None, db: str | None,
            **kw: Any) -> None:
    """Start llama.cpp with an embedded model (SmolLM2-135M by default), benchmark it at each
    load point, stop it. Exits 3 when the engine died mid-run (completed requests are kept)."""
    if kw["input_tokens"] is None:
        kw["input_tokens"] = str(DEFAULT_INPUT_TOKENS)
    if kw["requests"] is None and kw["duration_s"] is None:
        kw["requests"] = DEFAULT_REQUESTS
    # Every flag and output path is checked before paying for an engine start.
    load = build_config(url=ENGINE_URL, model="embedded", api="chat",
                        default_warmup=DEFAULT_WARMUP, **kw)
    cfg = validated(RunConfig, model=model_key, model_file=model_file, engine_args=engine_args,
                    slots=slots, load=load, db=db)
    check_writable(json_path, "--json")
    check_writable(report_path or None, "--report")
    console = make_console(stderr=True)
    quiet = json_path == "-"
    progress = ConsoleProgress(console, enabled=None if not quiet else False)
    try:
        result = run(cfg, progress=progress,
                     say=lambda text: console.print(text, highlight=False))
    finally:
        progress.close()
    out = make_console(stderr=quiet)
    summary = result.summary
    print_summary(summary, out)
    sol = summary.speed_of_light
    if sol is not None:
        out.print(
            f"speed of light: decode at 1 stream {sol['measured_decode_tok_s']:.1f} tok/s "
            f"(measured) = {sol['fraction']:.0%} of the {sol['limit_tok_s']:.0f} tok/s "
            f"memory-bandwidth roofline ({sol['bandwidth_gb_s']:.1f} GB/s measured ÷ "
            f"{sol['bytes_per_token'] / 1e6:.1f} MB read per token, modelled)", highlight=False)
    write_json(summary, json_path)
    if report_path:
        with reading(db) as store:
            path = write_run_report(store, result.run_id, Path(report_path))
        out.print(f"report: {path.resolve()}", highlight=False)
    finish(result.status, result.warnings)
