"""``tokenfab cost``: price a stored run, or a hypothetical throughput, under a TCO profile."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from tokenfab.cli.cost_options import build_profile, tco_options
from tokenfab.cli.options import write_json
from tokenfab.cost.tco import hourly_cost, usd_per_mtok
from tokenfab.errors import ConfigError
from tokenfab.report.console import make_console, print_summary
from tokenfab.session.reprice import reprice
from tokenfab.store import Store, default_db_url


@click.command("cost")
@click.option("--run", "run_id", default=None, help="price this stored run (id or prefix)")
@click.option("--tok-s", type=float, default=None, help="hypothetical output tokens per second")
@click.option("--hourly-usd", type=float, default=None, help="serving cost per hour (assumed)")
@click.option("--tokens-per-day", type=float, default=None,
              help="with --tok-s: your daily output tokens, to price a day and a year")
@tco_options
@click.option("--blend-ratio", type=float, default=3.0, show_default=True)
@click.option("--bootstrap", "bootstrap_samples", type=int, default=1000, show_default=True)
@click.option("--json", "json_path", default=None, help="write JSON here ('-' for stdout)")
@click.option("--db", default=None, help="SQLAlchemy URL of the results database")
def cost_cmd(run_id: str | None, tok_s: float | None, json_path: str | None, db: str | None,
             blend_ratio: float, bootstrap_samples: int, hourly_usd: float | None,
             tokens_per_day: float | None, **flags: Any) -> None:
    """$/hour decomposed into hardware, energy and overhead, and $/1M tokens."""
    if (run_id is None) == (tok_s is None):
        raise ConfigError("give --run RUN_ID to price a stored run, or --tok-s N for a "
                          "hypothetical throughput")
    profile = build_profile(hourly_usd=hourly_usd, **flags)
    if profile is None:
        raise ConfigError("no price given: add --hourly-usd, --profile or --hardware")
    if tok_s is not None:
        if tok_s <= 0:
            raise ConfigError(f"--tok-s must be > 0 (got {tok_s:g})")
        h = hourly_cost(profile)
        util = profile.utilization
        breakdown = {k: usd_per_mtok(v, tok_s, util)
                     for k, v in h.breakdown_usd_per_hour.items()}
        per_mtok = usd_per_mtok(h.usd_per_hour, tok_s, util) or 0.0
        out: dict[str, Any] = {
            "profile": profile.model_dump(mode="json"),
            "tok_s": tok_s,
            "usd_per_hour": h.usd_per_hour,
            "usd_per_mtok_output": per_mtok,
            "breakdown": breakdown,
            "breakdown_usd_per_hour": h.breakdown_usd_per_hour,
            "components_usd_per_hour": h.components_usd_per_hour,
            "utilization": util,
            "provenance": {**h.provenance, "tok_s": "assumed"},
        }
        if tokens_per_day is not None:
            if tokens_per_day <= 0:
                raise ConfigError(f"--tokens-per-day must be > 0 (got {tokens_per_day:g})")
            # usd_per_day = tokens_per_day / 1e6 × usd_per_mtok_output
            out["tokens_per_day"] = tokens_per_day
            out["usd_per_day"] = tokens_per_day / 1e6 * per_mtok
            out["usd_per_year"] = out["usd_per_day"] * 365
        if json_path:
            text = json.dumps(out, indent=2)
            if json_path == "-":
                sys.stdout.write(text + "\n")
                return
            with open(json_path, "w") as f:
                f.write(text + "\n")
        console = make_console()
        b = {k: v or 0.0 for k, v in breakdown.items()}
        console.print(f"[bold]{profile.name}[/]: ${h.usd_per_hour:,.4f}/hour = hardware "
                      f"${h.breakdown_usd_per_hour['hardware']:,.4f} + energy "
                      f"${h.breakdown_usd_per_hour['energy']:,.4f} + overhead "
                      f"${h.breakdown_usd_per_hour['overhead']:,.4f} (assumed inputs)",
                      highlight=False)
        console.print(f"at {tok_s:g} tok/s and {util:.0%} utilization: "
                      f"[bold]${per_mtok:,.4f} per 1M output tokens[/] "
                      f"(hardware ${b['hardware']:,.4f}, energy ${b['energy']:,.4f}, "
                      f"overhead ${b['overhead']:,.4f})", highlight=False)
        if tokens_per_day is not None:
            console.print(f"{tokens_per_day:,.0f} output tokens/day cost "
                          f"${out['usd_per_day']:,.2f}/day = ${out['usd_per_year']:,.2f}/year",
                          highlight=False)
        return
    assert run_id is not None
    with Store(db or default_db_url()) as store:
        detail = store.get_run_detail(run_id)
        summary = reprice(store, detail, profile.model_dump(), blend_ratio, bootstrap_samples)
    print_summary(summary, make_console(stderr=json_path == "-"))
    write_json(summary, json_path)
