"""``tokenfab report REF…``: parse flags, call :func:`tokenfab.session.report.report`, print."""

from __future__ import annotations

import sys

import click

from tokenfab.schemas.report import CHARTS, FORMATS, ReportConfig
from tokenfab.session.report import report


@click.command("report")
@click.argument("refs", nargs=-1)
@click.option("-o", "--output", default=None,
              help="file to write ('-': stdout, not for png) [report.html, report.md, "
                   "CHART.svg, CHART.png]")
@click.option("--format", "fmt", default="html", show_default=True,
              help=f"{' | '.join(FORMATS)}: html the full report; md a summary for PRs; "
                   "svg/png one chart")
@click.option("--chart", default="throughput", show_default=True,
              help=f"which chart --format svg/png draws: {', '.join(CHARTS)}")
@click.option("--db", default=None, help="SQLAlchemy URL of the results database")
def report_cmd(refs: tuple[str, ...], output: str | None, fmt: str, chart: str,
               db: str | None) -> None:
    """Report on runs (id or prefix) and projection/summary JSON files; the first is the
    baseline of the comparison."""
    config = ReportConfig.model_validate(
        {"refs": list(refs), "output": output, "format": fmt, "chart": chart, "db": db})
    result = report(config)
    for run in result.runs:
        if run.status_note is not None:
            click.echo(f"tokenfab report: note: {run.label}: {run.status_note}", err=True)
    if result.text is not None:
        sys.stdout.write(result.text)
    elif result.path is not None:
        click.echo(result.path)
