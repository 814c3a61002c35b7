"""``tokenfab report REF…``: an HTML report, a Markdown summary, or one chart as SVG/PNG."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from tokenfab.errors import ConfigError
from tokenfab.report.charts_export import CHARTS, chart_svg
from tokenfab.report.data import RunView, load_views
from tokenfab.report.html import render_report, write_run_report
from tokenfab.report.markdown import render_markdown
from tokenfab.store import Store, default_db_url

CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_OUT = {"html": "report.html", "md": "report.md"}


def _is_file_ref(ref: str) -> bool:
    return ref.endswith(".json")


def find_chromium() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def svg_size(svg: str) -> tuple[int, int]:
    """The root ``width``/``height`` of an SVG written by :mod:`tokenfab.report.charts`."""
    m = re.search(r'<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"', svg)
    return (int(m.group(1)), int(m.group(2))) if m else (640, 400)


def rasterise_svg(svg: str, out: Path, chromium: Path | None = None, scale: int = 2) -> Path:
    """PNG of ``svg`` at ``scale``× its size, screenshotted by headless Chromium."""
    browser = chromium or find_chromium()
    if browser is None:
        raise ConfigError("--format png needs Chromium (apt-get install chromium); "
                          "or use --format svg")
    w, h = svg_size(svg)
    with tempfile.TemporaryDirectory(prefix="tokenfab-png-") as tmp:
        src = Path(tmp) / "chart.svg"
        src.write_text(svg, encoding="utf-8")
        cmd = [str(browser), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--hide-scrollbars", f"--user-data-dir={tmp}/profile",
               f"--force-device-scale-factor={scale}", f"--screenshot={out.resolve()}",
               f"--window-size={w},{h}", src.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"Chromium could not rasterise the chart ({exc}); "
                              "use --format svg") from None
    if proc.returncode != 0 or not out.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"Chromium could not rasterise the chart ({last}); use --format svg")
    return out


def _load(refs: list[str], db: str | None) -> list[RunView]:
    for ref in refs:
        if _is_file_ref(ref) and not Path(ref).is_file():
            raise ConfigError(f"{ref}: no such file; pass a run id or a JSON file from "
                              "`tokenfab project --json` / `tokenfab bench --json`")
    if all(_is_file_ref(r) for r in refs):
        return load_views(None, refs)
    with Store(db or default_db_url()) as store:
        return load_views(store, refs)


@click.command("report")
@click.argument("refs", nargs=-1, required=True)
@click.option("-o", "--output", default=None,
              help="file to write ('-': stdout, not for png) [report.html, report.md, "
                   "CHART.svg, CHART.png]")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "svg", "png"]),
              default="html", show_default=True,
              help="html: the full report; md: a summary for PRs; svg/png: one chart")
@click.option("--chart", type=click.Choice(list(CHARTS)), default="throughput",
              show_default=True, help="which chart --format svg/png draws")
@click.option("--db", default=None, help="SQLAlchemy URL of the results database")
def report_cmd(refs: tuple[str, ...], output: str | None, fmt: str, chart: str,
               db: str | None) -> None:
    """Report on runs (id or prefix) and projection/summary JSON files; the first is the
    baseline of the comparison."""
    views = _load(list(refs), db)
    out = output or DEFAULT_OUT.get(fmt) or f"{chart}.{fmt}"
    if fmt == "html":
        text = render_report(views)
    elif fmt == "md":
        text = render_markdown(views)
    else:
        text = chart_svg(views, chart)
    if fmt == "png":
        if out == "-":
            raise ConfigError("a PNG is binary; pass a file with -o chart.png")
        click.echo(str(rasterise_svg(text, Path(out))))
        return
    if out == "-":
        sys.stdout.write(text)
        return
    Path(out).write_text(text, encoding="utf-8")
    click.echo(out)


__all__ = ["rasterise_svg", "report_cmd", "write_run_report"]
