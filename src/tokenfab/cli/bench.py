"""``tokenfab bench``: load any OpenAI-compatible server."""

from __future__ import annotations

from typing import Any

import click

from tokenfab.cli.options import build_config, finish, load_options, write_json
from tokenfab.outputs import check_writable
from tokenfab.report.console import ConsoleProgress, make_console, print_summary
from tokenfab.session.bench import bench


@click.command("bench")
@click.option("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080")
@click.option("--model", required=True, help="model name the server serves")
@click.option("--api", type=click.Choice(["chat", "completions"]), default="chat",
              show_default=True)
@click.option("--api-key", default=None, envvar="TOKENFAB_API_KEY",
              help="bearer token (or $TOKENFAB_API_KEY)")
@load_options(default_concurrency=None, default_requests=None, default_ignore_eos=False)
def bench_cmd(url: str, model: str, api: str, api_key: str | None, json_path: str | None,
              db: str | None, **kw: Any) -> None:
    """Benchmark a running server at each load point and store every request.

    Exits 3 when the server went away mid-run (the completed requests are kept)."""
    cfg = build_config(url=url, model=model, api=api, api_key=api_key, **kw)
    check_writable(json_path, "--json")
    quiet = json_path == "-"
    console = make_console(stderr=True)
    progress = ConsoleProgress(console, enabled=None if not quiet else False)
    try:
        result = bench(cfg, db=db, progress=progress,
                       say=lambda text: console.print(text, highlight=False))
    finally:
        progress.close()
    print_summary(result.summary, make_console(stderr=quiet))
    write_json(result.summary, json_path)
    if json_path and json_path != "-":
        console.print(f"summary written to {json_path}", highlight=False)
    finish(result.status, result.warnings)


__all__ = ["bench_cmd"]
