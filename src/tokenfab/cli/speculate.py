"""``tokenfab speculate``: does speculative decoding make tokens cheaper on this engine?
Parses flags into a :class:`SpeculateConfig`, calls :func:`tokenfab.session.speculate
.speculate`, prints."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from tokenfab.cli.flags import validated
from tokenfab.engines.embedded import DEFAULT_MODEL, EMBEDDED
from tokenfab.outputs import check_writable, write_output
from tokenfab.report.console import make_console
from tokenfab.report.fmt import num, usd
from tokenfab.schemas.speculate import SpeculateConfig, SpeculateResult
from tokenfab.session.speculate import speculate


@click.command("speculate")
@click.option("--model", "model_key", default=DEFAULT_MODEL, show_default=True,
              help=f"embedded model: {', '.join(EMBEDDED)}")
@click.option("--requests", "n", type=int, default=4, show_default=True,
              help="requests per workload and configuration")
@click.option("--max-tokens", type=int, default=96, show_default=True)
@click.option("--draft", default="Q2_K", show_default=True,
              help="draft model: a lower-precision variant of the shipped model ('' to skip)")
@click.option("--draft-max", type=int, default=4, show_default=True,
              help="tokens drafted per step")
@click.option("--hourly-usd", type=float, default=0.10, show_default=True)
@click.option("--json", "json_path", default=None, help="write JSON here ('-' for stdout)")
def speculate_cmd(model_key: str, n: int, max_tokens: int, draft: str, draft_max: int,
                  hourly_usd: float, json_path: str | None) -> None:
    """Prompt lookup and draft-model decoding vs plain decoding, on copy and free workloads."""
    config = validated(SpeculateConfig, model=model_key, requests=n, max_tokens=max_tokens,
                       draft=draft, draft_max=draft_max, hourly_usd=hourly_usd)
    check_writable(json_path, "--json")
    err = make_console(stderr=True)
    result = speculate(config, progress=lambda m: err.print(f"speculate: {m}", highlight=False))
    print_speculation(result, make_console(stderr=json_path == "-"))
    if json_path:
        write_output(json.dumps(result.to_json_dict(), indent=2) + "\n", json_path, "--json")


def print_speculation(result: SpeculateResult, console: Console) -> None:
    table = Table(title=f"Speculative decoding economics ({result.model_display}, "
                        "llama.cpp CPU)", header_style="bold cyan")
    for col in ("config", "workload", "decode tok/s", "acceptance", "speed-up", "$/1M out"):
        table.add_column(col, justify="left" if col in ("config", "workload") else "right")
    for r in result.rows:
        table.add_row(r.config, r.workload, num(r.decode_tok_s),
                      f"{r.acceptance:.0%}" if r.acceptance is not None else "-",
                      f"{r.speedup:.2f}×" if r.speedup is not None else "-",
                      usd(r.usd_per_mtok_output))
    console.print(table)
