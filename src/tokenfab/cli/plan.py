"""``tokenfab plan``: parse flags (and a plan file), call ``session.plan.plan``, print."""

from __future__ import annotations

import json
import sys
from typing import Any, get_args

import click
from rich.table import Table

from tokenfab.errors import ConfigError
from tokenfab.outputs import check_writable, write_output
from tokenfab.plan.inputs import build_config, read_plan_file
from tokenfab.report.console import make_console
from tokenfab.schemas.plan import Granularity, Ownership, PlanResult, PowerBasis
from tokenfab.schemas.types import Precision
from tokenfab.session.plan import plan


def _hardware(names: str | None, frontiers: tuple[str, ...], from_run: str | None,
              ownership: Ownership | None, rental_tier: str | None,
              file_hw: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """--hardware, --frontier, --from-run, --ownership and --rental-tier as hardware tables."""
    if names is not None:
        listed = [n.strip() for n in names.split(",")]
        if not any(listed):
            raise ConfigError("--hardware is empty; e.g. --hardware H100,B200 or --hardware local")
        if not all(listed):
            raise ConfigError(f"--hardware {names!r} has an empty name between commas")
        hw: list[dict[str, Any]] = [{"name": n} for n in listed]
    elif file_hw is not None:
        hw = [dict(h) for h in file_hw]
    elif frontiers or from_run or ownership or rental_tier:
        hw = [{"name": "local"}]
    else:
        return None
    by_name = {str(h.get("name", "")).lower(): h for h in hw}
    if from_run is not None:
        if not from_run.strip():
            raise ConfigError("--from-run is empty; give a run id from `tokenfab runs list`")
        if len(hw) != 1:
            raise ConfigError("--from-run names one run for one hardware; with several, use "
                              "--frontier HW=run:RUN_ID for each")
        hw[0]["frontier"] = f"run:{from_run.strip()}"
    for spec in frontiers:
        name, eq, ref = spec.partition("=")
        if not eq or not name.strip() or not ref.strip():
            raise ConfigError(f"--frontier {spec!r}: use HW=run, HW=run:RUN_ID, "
                              "HW=projection or HW=curve.csv")
        target = by_name.get(name.strip().lower())
        if target is None:
            raise ConfigError(f"--frontier {spec!r}: {name.strip()} is not in --hardware "
                              f"({', '.join(str(h.get('name')) for h in hw)})")
        target["frontier"] = ref.strip()
    for h in hw:
        if ownership is not None:
            h["ownership"] = ownership
        if rental_tier is not None:
            h["rental_tier"] = rental_tier
    return hw


@click.command("plan")
@click.option("--power-mw", type=float, default=None, help="power budget, MW (required)")
@click.option("--power-basis", type=click.Choice(get_args(PowerBasis)), default=None,
              help="utility: the budget includes cooling (IT = MW / PUE) [utility]")
@click.option("--pue", type=float, default=None, help="power usage effectiveness [1.2]")
@click.option("--usd-per-kwh", type=float, default=None, help="electricity price [0.091]")
@click.option("--utilization", type=float, default=None,
              help="share of capacity sold, every tier (0-1] [each tier's, 0.7]")
@click.option("--hardware", default=None,
              help="comma-separated catalog names or 'local' [local]")
@click.option("--frontier", multiple=True,
              help="HW=run[:RUN_ID] | HW=projection | HW=curve.csv|.json (repeatable)")
@click.option("--from-run", default=None, help="stored run id: the measured frontier")
@click.option("--model", default=None, help="model for projected frontiers, e.g. llama-3.1-70b")
@click.option("--precision", type=click.Choice(sorted(get_args(Precision))), default=None,
              help="precision for projected frontiers [fp8]")
@click.option("--calibrate", "calibrate_run", default=None,
              help="stored run id: calibrate projected frontiers (same hardware family)")
@click.option("--ownership", type=click.Choice(get_args(Ownership)), default=None,
              help="rent (catalog tier) or own (catalog capex) [rent]")
@click.option("--rental-tier", default=None, help="catalog rental tier [cheapest on-demand]")
@click.option("--granularity", type=click.Choice(get_args(Granularity)), default=None,
              help="buy whole accelerators, nodes or racks [accelerator]")
@click.option("--preset", default=None, help="tier preset when the plan file has none [gtc2026]")
@click.option("--plan", "plan_path", default=None, help="TOML plan file (flags override it)")
@click.option("--db", default=None, help="results database holding the runs")
@click.option("--measure/--no-measure", default=True, show_default=True,
              help="with no stored `tokenfab run`, measure the local frontier now (~2 min)")
@click.option("--json", "json_path", default=None, help="write JSON ('-' for stdout)")
@click.option("--html", "html_path", default=None, help="write an HTML report of the plan")
@click.option("--checks", is_flag=True, help="print the checks against published figures")
def plan_cmd(power_mw: float | None, power_basis: str | None, pue: float | None,
             usd_per_kwh: float | None, utilization: float | None, hardware: str | None,
             frontier: tuple[str, ...], from_run: str | None, model: str | None,
             precision: str | None, calibrate_run: str | None,
             ownership: Ownership | None, rental_tier: str | None,
             granularity: str | None, preset: str | None, plan_path: str | None,
             db: str | None, measure: bool, json_path: str | None, html_path: str | None,
             checks: bool) -> None:
    """Split a power budget into hardware and priced service tiers that maximise margin."""
    check_writable(json_path, "--json")
    check_writable(html_path, "--html")
    file_data = read_plan_file(plan_path) if plan_path is not None else {}
    if power_mw is None and "power_mw" not in file_data:
        raise ConfigError("--power-mw is required: the power budget in MW, e.g. --power-mw 1")
    file_hw = file_data.get("hardware")
    hw = _hardware(hardware, frontier, from_run, ownership, rental_tier,
                   file_hw if isinstance(file_hw, list) else None)
    flags: dict[str, Any] = {
        "power_mw": power_mw, "power_basis": power_basis, "pue": pue,
        "usd_per_kwh": usd_per_kwh, "utilization": utilization, "model": model,
        "precision": precision, "calibrate_run": calibrate_run, "granularity": granularity,
        "preset": preset,
        "db_url": db, "measure_local": measure,
        "hardware": hw if hardware is not None or frontier or from_run or ownership
        or rental_tier else None}
    cfg = build_config(file_data, flags, f"--plan {plan_path}" if plan_path else "--plan")
    # progress only on a terminal: piped, stderr carries nothing but a failure's one line
    result = plan(cfg, progress=(lambda m: click.echo(m, err=True))
                  if sys.stderr.isatty() else None)
    if json_path:
        write_output(json.dumps(result.to_json_dict(), indent=2) + "\n", json_path, "--json")
    if html_path:
        from tokenfab.report.plan import render_plan_page  # the HTML stack only when asked

        write_output(render_plan_page(result), html_path, "--html")
    if result.status != "optimal":
        raise ConfigError("no plan meets every constraint: "
                          + "; ".join(b.text for b in result.infeasible))
    if json_path != "-":
        print_plan(result, checks)
        if html_path:
            click.echo(f"report: {html_path}")


def _usd(v: float | None) -> str:
    if v is None:
        return "-"
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.4g}"


def print_plan(result: PlanResult, checks: bool = False) -> None:
    """The plan as terminal tables."""
    console = make_console()
    t = result.totals
    assert t is not None
    cfg = result.config
    fleet = Table(title=f"Plan for {cfg.power_mw:g} MW ({cfg.power_basis}, PUE {cfg.pue:g})",
                  title_style="bold", header_style="bold cyan")
    for col in ("hardware", "accelerators", "nodes", "racks", "MW", "$/h each", "TCO/year"):
        fleet.add_column(col, justify="left" if col == "hardware" else "right")
    for h in result.hardware:
        fleet.add_row(h.hardware, f"{h.accelerators:,}", f"{h.nodes:,}", f"{h.racks:,}",
                      f"{h.utility_mw:,.3f}", f"${h.usd_per_hour_per_accelerator:,.4g}",
                      _usd(h.tco_usd_per_year))
    console.print(fleet)
    tiers = Table(title="Tiers", title_style="bold", header_style="bold cyan")
    for col in ("tier", "price/1M out", "cost/1M out", "tok/s/user ≥", "accelerators",
                "MW", "Mtok/day", "revenue/year", "margin/year", "note"):
        tiers.add_column(col, justify="left" if col in ("tier", "note") else "right")
    for tr in result.tiers:
        tiers.add_row(tr.tier, f"${tr.usd_per_mtok_output:,.4g}",
                      _usd(tr.cost_usd_per_mtok_output), f"{tr.min_tok_s_per_user:g}",
                      f"{tr.accelerators:,}", f"{tr.power_mw:,.3f}", f"{tr.mtok_per_day:,.4g}",
                      _usd(tr.revenue_usd_per_year), _usd(tr.margin_usd_per_year), tr.note)
    console.print(tiers)
    console.print(
        f"{t.accelerators:,} accelerators in {t.racks:,} racks use {t.utility_mw:,.3f} of "
        f"{t.budget_mw:g} MW: {t.output_tok_s:,.0f} output tok/s ({t.tok_s_per_mw:,.0f} per MW),"
        f" {t.tokens_per_year:,.4g} tokens/year sold; revenue {_usd(t.revenue_usd_per_year)}, "
        f"TCO {_usd(t.tco_usd_per_year)}, margin {_usd(t.margin_usd_per_year)} a year",
        highlight=False)
    for s in result.shadow_prices:
        console.print(f"shadow price: {s.text}", highlight=False)
    console.print(result.gap_note, highlight=False)
    for sv in result.sensitivities:
        console.print(f"sensitivity: {sv.parameter} {sv.low:,.4g} -> margin "
                      f"{_usd(sv.margin_low_usd_per_year)}; {sv.high:,.4g} -> "
                      f"{_usd(sv.margin_high_usd_per_year)}", highlight=False)
    if checks:
        for c in result.checks:
            console.print(f"check: {c.name}: expected {c.expected:,.6g}, computed "
                          f"{c.computed:,.6g} {c.unit} ({'exact' if c.exact else 'differs'}); "
                          f"{c.text}", highlight=False)
    prov = ", ".join(f"{k} {v}" for k, v in result.provenance.items())
    fronts = "; ".join(f"{f.hardware}: {f.source} ({f.provenance})" for f in result.frontiers)
    console.print(f"provenance: {prov}. frontiers: {fronts}", style="dim", highlight=False)
    for n in result.notes:
        console.print(n, style="dim", highlight=False)


__all__ = ["plan_cmd", "print_plan"]
