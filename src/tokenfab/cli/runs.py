"""``tokenfab runs list|show|export``: what is in the results database (read-only)."""

from __future__ import annotations

import datetime as dt
import json

import click
from rich.table import Table

from tokenfab.report.console import make_console, print_summary
from tokenfab.report.status import run_status
from tokenfab.session.runs import export_run, list_runs, show_run

_db = click.option("--db", default=None, help="SQLAlchemy URL of the results database")


def _utc(unix_ns: int) -> str:
    return dt.datetime.fromtimestamp(unix_ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@click.group("runs")
def runs_group() -> None:
    """List, show and export stored runs."""


@runs_group.command("list")
@click.option("--limit", type=int, default=50, show_default=True)
@_db
def list_cmd(limit: int, db: str | None) -> None:
    """Stored runs, newest first. A run that never finished shows as interrupted (its process
    is gone) or stale (no sign of life for 5 minutes), not running."""
    runs = list_runs(db, limit)
    if not runs:
        click.echo("no runs yet; start one with `tokenfab run` or `tokenfab bench`")
        return
    table = Table(header_style="bold cyan")
    for col in ("run", "started (UTC)", "kind", "model", "target", "points", "requests",
                "status", "label"):
        table.add_column(col)
    for r in runs:
        table.add_row(r.run_id, _utc(r.started_unix_ns), r.kind, r.model, r.target_url,
                      str(r.n_points), str(r.n_records), r.status, r.label or "")
    make_console().print(table)


@runs_group.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="print the run's summary JSON")
@_db
def show_cmd(run_id: str, as_json: bool, db: str | None) -> None:
    """One run: its points, latency, throughput and cost."""
    detail, summary = show_run(db, run_id)
    if as_json:
        click.echo(json.dumps(summary.to_json_dict(), indent=2))
        return
    console = make_console()
    console.print(f"[bold]{detail.run_id}[/] {detail.kind} {detail.status} — {detail.model} at "
                  f"{detail.target_url}, started {_utc(detail.started_unix_ns)} UTC, "
                  f"{detail.n_records} records", highlight=False)
    banner = run_status(detail.status, n_records=detail.n_records, points=detail.points,
                        config=detail.config).banner
    if banner:
        console.print(banner, style="yellow", highlight=False)
    if detail.summary is None:
        console.print("summary recomputed from the stored records", style="yellow")
    env = detail.environment
    cpu = env.get("cpu", {}) if isinstance(env.get("cpu"), dict) else {}
    console.print(f"environment: tokenfab {env.get('tokenfab_version')}, {env.get('os')}, "
                  f"{cpu.get('model')} x{cpu.get('logical_cores')}, "
                  f"engine {env.get('engine', {}).get('kind', '?')}", style="dim",
                  highlight=False)
    sources = sorted({p.tokens.token_source for p in summary.points})
    if sources:
        console.print(f"token counts from: {', '.join(sources)}", style="dim", highlight=False)
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
    n = export_run(db, run_id, fmt, output)  # type: ignore[arg-type]
    if output != "-":
        click.echo(f"{n} records written to {output}", err=True)
