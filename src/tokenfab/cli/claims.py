"""``tokenfab claims``: parse flags, call ``session.claims.claims``, print, JSON, HTML."""

from __future__ import annotations

import json

import click
from rich.table import Table

from tokenfab.outputs import check_writable, write_output
from tokenfab.report.claims import fmt_figure, render_claims_page
from tokenfab.report.console import make_console
from tokenfab.schemas.claims import CLAIM_IDS, ClaimsConfig, ClaimsResult
from tokenfab.session.claims import claims

STYLE = {"consistent": "green", "holds only if": "yellow", "inconsistent": "red"}


@click.command("claims")
@click.option("--claim", "only", multiple=True,
              help=f"check only this claim (repeatable): {', '.join(CLAIM_IDS)}")
@click.option("--concurrency", type=int, default=64, show_default=True,
              help="concurrent streams per system for the $ figures")
@click.option("--tier", default=None, help="catalog rental tier [cheapest on-demand]")
@click.option("--usd-per-kwh", type=float, default=0.091, show_default=True,
              help="electricity price for owned and on-device parts")
@click.option("--pue", type=float, default=1.2, show_default=True,
              help="facility power usage effectiveness")
@click.option("--json", "json_path", default=None, help="write JSON ('-' for stdout)")
@click.option("--html", "html_path", default=None, help="write an HTML section page")
def claims_cmd(only: tuple[str, ...], concurrency: int, tier: str | None, usd_per_kwh: float,
               pue: float, json_path: str | None, html_path: str | None) -> None:
    """Re-derive the seed articles' headline figures and judge each (every value modelled)."""
    check_writable(json_path, "--json")
    check_writable(html_path, "--html")
    cfg = ClaimsConfig.model_validate({"only": only, "concurrency": concurrency, "tier": tier,
                                       "usd_per_kwh": usd_per_kwh, "pue": pue})
    result = claims(cfg)
    if json_path:
        write_output(json.dumps(result.to_json_dict(), indent=2) + "\n", json_path, "--json")
    if html_path:
        write_output(render_claims_page(result), html_path, "--html")
    if json_path != "-":
        print_claims(result)


def print_claims(result: ClaimsResult) -> None:
    """Each claim as a table of claimed vs modelled figures, with its verdict."""
    console = make_console()
    for claim in result.claims:
        table = Table(title=f"{claim.claim}", title_style="bold", header_style="bold cyan",
                      caption=f"{claim.source}; assumed: " + "; ".join(claim.assumptions),
                      caption_justify="left")
        for col in ("figure", "claimed", "modelled (band)", "verdict", "condition"):
            table.add_column(col, justify="right" if col in ("claimed", "modelled (band)")
                             else "left")
        for v in claim.values:
            band = (f" ({fmt_figure(v.band[0], v.unit)}–{fmt_figure(v.band[1], v.unit)})"
                    if v.band else "")
            table.add_row(v.label, fmt_figure(v.claimed, v.unit),
                          fmt_figure(v.modelled, v.unit) + band,
                          f"[{STYLE[v.verdict]}]{v.verdict}[/]", v.condition)
        console.print(table)
        console.print(f"verdict: [{STYLE[claim.verdict]}]{claim.verdict}[/]", highlight=False)
    console.print(f"all values modelled; {result.verdict_rule}", style="dim", highlight=False)


__all__ = ["claims_cmd", "print_claims"]
