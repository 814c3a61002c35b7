"""``tokenfab cost``: price a stored run, or a hypothetical throughput, under a TCO profile.

Parses flags into a :class:`RateConfig` or :class:`RepriceConfig`, calls
:func:`tokenfab.session.cost.price_rate` or :func:`~tokenfab.session.cost.reprice_run`, prints.
"""

from __future__ import annotations

import json
from typing import Any

import click

from tokenfab.cli.cost_options import price_spec, tco_options
from tokenfab.cli.options import write_json
from tokenfab.errors import ConfigError
from tokenfab.outputs import check_writable, write_output
from tokenfab.report.console import make_console, print_summary
from tokenfab.schemas.cost import RateConfig, RatePrice, RepriceConfig
from tokenfab.session.cost import price_rate, reprice_run

_RUN_ONLY = (("--blend-ratio", "blend_ratio"), ("--bootstrap", "bootstrap_samples"),
             ("--db", "db"))


@click.command("cost")
@click.option("--run", "run_id", default=None, help="price this stored run (id or prefix)")
@click.option("--tok-s", type=float, default=None, help="hypothetical output tokens per second")
@click.option("--hourly-usd", type=float, default=None, help="serving cost per hour (assumed)")
@click.option("--tokens-per-day", type=float, default=None,
              help="with --tok-s: your daily output tokens, to price a day and a year")
@tco_options
@click.option("--blend-ratio", type=float, default=None,
              help="with --run: input:output tokens for the blended price [3]")
@click.option("--bootstrap", "bootstrap_samples", type=int, default=None,
              help="with --run: bootstrap samples for the 95% intervals, 0 = none [1000]")
@click.option("--json", "json_path", default=None, help="write JSON here ('-' for stdout)")
@click.option("--db", default=None, help="with --run: SQLAlchemy URL of the results database")
def cost_cmd(run_id: str | None, tok_s: float | None, json_path: str | None, db: str | None,
             blend_ratio: float | None, bootstrap_samples: int | None, hourly_usd: float | None,
             tokens_per_day: float | None, **flags: Any) -> None:
    """$/hour decomposed into hardware, energy and overhead, and $/1M tokens."""
    if (run_id is None) == (tok_s is None):
        raise ConfigError("give --run RUN_ID to price a stored run, or --tok-s N for a "
                          "hypothetical throughput")
    check_writable(json_path, "--json")
    spec = price_spec(hourly_usd=hourly_usd, **flags)
    if tok_s is not None:
        given = {"blend_ratio": blend_ratio, "bootstrap_samples": bootstrap_samples, "db": db}
        for flag, name in _RUN_ONLY:
            if given[name] is not None:
                raise ConfigError(f"{flag} applies to a stored run: use it with --run, "
                                  "or drop it")
        rate = price_rate(RateConfig(price=spec, output_tok_s=tok_s,
                                     output_tokens_per_day=tokens_per_day))
        _print_rate(rate, json_path)
        return
    assert run_id is not None
    if tokens_per_day is not None:
        raise ConfigError("--tokens-per-day prices a hypothetical throughput: use it with "
                          "--tok-s, or drop it")
    cfg = RepriceConfig(run_id=run_id, price=spec, db_url=db,
                        **{k: v for k, v in (("blend_ratio", blend_ratio),
                                             ("bootstrap_samples", bootstrap_samples))
                           if v is not None})
    summary = reprice_run(cfg)
    print_summary(summary, make_console(stderr=json_path == "-"))
    write_json(summary, json_path)


def _print_rate(rate: RatePrice, json_path: str | None) -> None:
    if json_path:
        write_output(json.dumps(rate.to_json_dict(), indent=2) + "\n", json_path, "--json")
        if json_path == "-":
            return
    h, b = rate.breakdown_usd_per_hour, rate.breakdown_usd_per_mtok_output
    console = make_console()
    console.print(f"[bold]{rate.profile.name}[/]: ${rate.usd_per_hour:,.4f}/hour = hardware "
                  f"${h['hardware']:,.4f} + energy ${h['energy']:,.4f} + overhead "
                  f"${h['overhead']:,.4f} (assumed inputs)", highlight=False)
    console.print(f"at {rate.output_tok_s:g} output tok/s and {rate.utilization:.0%} "
                  f"utilization: [bold]${rate.usd_per_mtok_output:,.4f} per 1M output "
                  f"tokens[/] (hardware ${b['hardware']:,.4f}, energy ${b['energy']:,.4f}, "
                  f"overhead ${b['overhead']:,.4f})", highlight=False)
    if rate.output_tokens_per_day is not None and rate.usd_per_day is not None:
        console.print(f"{rate.output_tokens_per_day:,.0f} output tokens/day cost "
                      f"${rate.usd_per_day:,.2f}/day = ${rate.usd_per_year or 0.0:,.2f}/year",
                      highlight=False)
