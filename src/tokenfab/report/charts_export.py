"""Single charts of the report as standalone SVG documents (``tokenfab report --format svg``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tokenfab.report.data import RunView
from tokenfab.report.html_records import errors_chart, latency_cdf_chart
from tokenfab.report.html_sections import (
    cost_chart,
    decomposition_chart,
    energy_chart,
    throughput_chart,
)

# Keys are tokenfab.schemas.report.CHARTS (the names --chart accepts); a test keeps them equal.
CHARTS: dict[str, Callable[[Sequence[RunView]], str]] = {
    "throughput": throughput_chart,
    "cost": cost_chart,
    "decomposition": decomposition_chart,
    "ttft-cdf": lambda vs: latency_cdf_chart(vs, "ttft", 640, 420),
    "tpot-cdf": lambda vs: latency_cdf_chart(vs, "tpot", 640, 420),
    "e2e-cdf": lambda vs: latency_cdf_chart(vs, "e2e", 640, 420),
    "errors": errors_chart,
    "energy": energy_chart,
}


def chart_svg(views: Sequence[RunView], name: str) -> str:
    """One chart of the report as a standalone SVG document (for slides)."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + CHARTS[name](views) + "\n"
