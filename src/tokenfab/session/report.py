"""``report(config)``: the one entry point of ``tokenfab report`` (the CLI, tests and scripts
call it). Loads stored runs and JSON files, renders HTML, Markdown or one chart (SVG/PNG) and
writes it; the output path is checked before anything is loaded.
"""

from __future__ import annotations

from pathlib import Path

from tokenfab.outputs import check_writable, write_output
from tokenfab.report.charts_export import chart_svg
from tokenfab.report.data import RunView, stored_view
from tokenfab.report.document import read_document
from tokenfab.report.html import render_report, write_run_report
from tokenfab.report.markdown import render_markdown
from tokenfab.report.png import rasterise_svg
from tokenfab.report.status import view_status
from tokenfab.schemas.report import ReportConfig, ReportedRun, ReportResult
from tokenfab.store import Store, default_db_url


def is_file_ref(ref: str) -> bool:
    """A ref names a JSON file when it ends in ``.json`` or names something on disk; else it
    is a run id (or a unique prefix of one)."""
    return ref.endswith(".json") or Path(ref).exists()


def load_views(refs: list[str], db: str | None) -> list[RunView]:
    """Views of ``refs`` in order. Files are read first (a bad file fails before the database
    is opened); the database is opened only when a run id is given."""
    files = {r: read_document(r) for r in refs if is_file_ref(r)}
    if len(files) == len(refs):
        return [files[r] for r in refs]
    with Store(db or default_db_url(create=False), read_only=True) as store:
        return [files[r] if r in files else stored_view(store, r) for r in refs]


def render(views: list[RunView], config: ReportConfig) -> str:
    """The report as text: the HTML document, the Markdown summary or one chart's SVG."""
    if config.format == "html":
        return render_report(views, command=config.command)
    if config.format == "md":
        return render_markdown(views)
    return chart_svg(views, config.chart)


def _reported(v: RunView) -> ReportedRun:
    status = view_status(v)
    return ReportedRun(ref=v.ref, run_id=v.run_id, label=v.label, kind=v.kind,
                       status=v.status, status_note=status.banner)


def report(config: ReportConfig) -> ReportResult:
    """Render and write the report ``config`` asks for; one-line TokenfabErrors otherwise."""
    out = None if config.output == "-" else check_writable(config.out_path, "-o")
    views = load_views(config.refs, config.db)
    text = render(views, config)
    chart = config.chart if config.format in ("svg", "png") else None
    runs = [_reported(v) for v in views]
    if out is None:
        return ReportResult(format=config.format, chart=chart, path=None, text=text, runs=runs)
    if config.format == "png":
        rasterise_svg(text, out)
    else:
        write_output(text, out, "-o")
    return ReportResult(format=config.format, chart=chart, path=str(out), runs=runs)


__all__ = ["is_file_ref", "load_views", "render", "report", "write_run_report"]
