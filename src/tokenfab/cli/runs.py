"""``tokenfab runs list|show|export``: what is in the results database."""

from __future__ import annotations

import datetime as dt
import json

import click
from rich.table import Table

from tokenfab.errors import ConfigError
from tokenfab.report.console import make_console, print_summary
from tokenfab.report.data import summary_of
from tokenfab.store import Store, default_db_url, export_run

_db = click.option("--db", default=None, help="SQLAlchemy URL of the results database")


@click.group("runs")
def runs_group() -> None:
    """List, show and export stored runs."""


@runs_group.command("list")
@click.option("--limit", type=int, default=50, show_default=True)
@_db
def list_cmd(limit: int, db: str | None) -> None:
    """Stored runs, newest first."""
    with Store(db or default_db_url()) as store:
        runs = store.list_runs(limit=limit)
    if not runs:
        click.echo("no runs yet; start one with `tokenfab run` or `tokenfab bench`")
        return
    table = Table(header_style="bold cyan")
    for col in ("run", "started (UTC)", "kind", "model", "target", "points", "requests",
                "status", "label"):
        table.add_column(col)
    for r in runs:
        when = dt.datetime.fromtimestamp(r.started_unix_ns / 1e9, dt.UTC)
        table.add_row(r.run_id, when.strftime("%Y-%m-%d %H:%M:%S"), r.kind, r.model,
                      r.target_url, str(r.n_points), str(r.n_records), r.status, r.label or "")
    make_console().print(table)


@runs_group.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="print the tokenfab.run/1 summary JSON")
@_db
def show_cmd(run_id: str, as_json: bool, db: str | None) -> None:
    """One run: its points, latency, throughput and cost."""
    with Store(db or default_db_url()) as store:
        detail = store.get_run_detail(run_id)
        summary = summary_of(store, detail)
    if as_json:
        click.echo(json.dumps(summary.to_json_dict(), indent=2))
        return
    console = make_console()
    when = dt.datetime.fromtimestamp(detail.started_unix_ns / 1e9, dt.UTC)
    console.print(f"[bold]{detail.run_id}[/] {detail.kind} {detail.status} — {detail.model} at "
                  f"{detail.target_url}, started {when:%Y-%m-%d %H:%M:%S} UTC, "
                  f"{detail.n_records} records", highlight=False)
    if detail.status != "complete":
        console.print("summary recomputed from the stored records", style="yellow")
    env = detail.environment
    cpu = env.get("cpu", {}) if isinstance(env.get("cpu"), dict) else {}
    console.print(f"environment: tokenfab {env.get('tokenfab_version')}, {env.get('os')}, "
                  f"{cpu.get('model')} x{cpu.get('logical_cores')}, "
                  f"engine {env.get('engine', {}).get('kind', '?')}", style="dim",
                  highlight=False)
    print_summary(summary, console)


@runs_group.command("export")
@click.argument("run_id")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "parquet"]), default="json",
              show_default=True)
@click.option("-o", "--output", default="-", show_default=True,
              help="file path ('-' for stdout; parquet needs a file)")
@_db
def export_cmd(run_id: str, fmt: str, output: str, db: str | None) -> None:
    """Every per-request record of a run, one row each."""
    if fmt == "parquet" and output == "-":
        raise ConfigError("parquet is binary; pass a file with -o run.parquet")
    with Store(db or default_db_url()) as store:
        n = export_run(store, run_id, fmt, output)  # type: ignore[arg-type]
    if output != "-":
        click.echo(f"{n} records written to {output}", err=True)
