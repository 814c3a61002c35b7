"""``tokenfab speculate``: does speculative decoding make tokens cheaper on this engine?"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click
from rich.table import Table

from tokenfab.engines.embedded import DEFAULT_MODEL, EMBEDDED, embedded_model
from tokenfab.errors import ConfigError
from tokenfab.quant.speculate import SpecConfig, run_speculation
from tokenfab.quant.variants import make_variants
from tokenfab.report.console import make_console
from tokenfab.report.fmt import num, usd


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
    if n < 1 or max_tokens < 8 or draft_max < 1:
        raise ConfigError("--requests >= 1, --max-tokens >= 8 and --draft-max >= 1 are needed")
    if hourly_usd < 0:
        raise ConfigError(f"--hourly-usd must be >= 0 (got {hourly_usd:g})")
    model = embedded_model(model_key)
    configs = [SpecConfig("none", ("--spec-type", "none")),
               SpecConfig("prompt-lookup", ("--spec-type", "ngram-simple",
                                            "--spec-draft-n-max", str(draft_max)))]
    if draft:
        path = make_variants([draft], model=model)[0].path
        configs.append(SpecConfig(f"draft-{draft}", ("--spec-type", "draft-simple",
                                                     "--spec-draft-model", str(path),
                                                     "--spec-draft-n-max", str(draft_max))))
    err = make_console(stderr=True)
    rows = run_speculation(configs, n=n, max_tokens=max_tokens, usd_per_hour=hourly_usd,
                           progress=lambda m: err.print(f"speculate: {m}", highlight=False),
                           model=model)
    table = Table(title=f"Speculative decoding economics ({model.display} "
                        f"{model.shipped_type}, llama.cpp CPU)",
                  header_style="bold cyan")
    for col in ("config", "workload", "decode tok/s", "acceptance", "speed-up", "$/1M out"):
        table.add_column(col, justify="left" if col in ("config", "workload") else "right")
    for r in rows:
        table.add_row(r.config, r.workload, num(r.decode_tok_s),
                      f"{r.acceptance:.0%}" if r.acceptance is not None else "-",
                      f"{r.speedup:.2f}×" if r.speedup is not None else "-",
                      usd(r.usd_per_mtok_output))
    make_console(stderr=json_path == "-").print(table)
    doc = {"schema": "tokenfab.speculate/1", "model": model.key, "usd_per_hour": hourly_usd,
           "provenance": {"decode_tok_s": "measured (server timings)",
                          "acceptance": "measured (server timings)",
                          "usd_per_mtok_output": "assumed price / measured speed"},
           "rows": [asdict(r) for r in rows]}
    if json_path == "-":
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif json_path:
        with open(json_path, "w") as f:
            f.write(json.dumps(doc, indent=2) + "\n")
