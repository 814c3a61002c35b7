"""Terminal output: a live progress bar on a TTY and one table row per load point."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tokenfab.load.runner import LiveStats
from tokenfab.schemas.summary import PointSummary, RunSummary


def make_console(stderr: bool = False) -> Console:
    """A console that keeps tables readable when piped (Rich assumes 80 columns there)."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=180)


def _fmt(v: float | None, digits: int = 1) -> str:
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def _usd(v: float | None) -> str:
    if v is None:
        return "-"
    return f"${v:,.2f}" if v >= 1 else f"${v:.4f}"


class ConsoleProgress:
    """Implements ``session.bench.Progress``; redraws at most 4 times a second."""

    def __init__(self, console: Console | None = None, enabled: bool | None = None) -> None:
        self.console = console or make_console(stderr=True)
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self._live: Live | None = None
        self._stats: LiveStats | None = None
        self._label = ""
        self._t0 = 0.0

    def _render(self) -> Text:
        s = self._stats
        if s is None:
            return Text("")
        total = s.total
        width = 28
        frac = min(1.0, s.done / total) if total else 0.0
        bar = "█" * int(frac * width) + "░" * (width - int(frac * width))
        el = max(time.perf_counter() - self._t0, 1e-9)
        if s.first_measured_ns is not None:
            el = max((time.perf_counter_ns() - s.first_measured_ns) / 1e9, 1e-9)
        done = f"{s.done}/{total}" if total else f"{s.done}"
        return Text.assemble(
            (f"{self._label:>16} ", "bold"), (bar, "cyan"),
            f" {done} requests  {s.output_tokens / el:7.1f} tok/s  ",
            (f"{s.failed} errors", "red" if s.failed else "dim"),
        )

    def point_started(self, index: int, mode: str, value: float, stats: LiveStats) -> None:
        self._stats = stats
        unit = "streams" if mode == "concurrency" else "req/s"
        self._label = f"{value:g} {unit}"
        self._t0 = time.perf_counter()
        if self.enabled:
            self._live = Live(self._render(), console=self.console, refresh_per_second=4,
                              get_renderable=self._render, transient=True)
            self._live.start()

    def point_finished(self, index: int, summary: PointSummary) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        t = summary.throughput
        ttft = summary.latency_ms.get("ttft")
        self.console.print(
            f"  point {index + 1}: {self._label:<12} {summary.requests.completed} ok, "
            f"{summary.requests.failed} failed, {t.output_tok_s:.1f} output tok/s, "
            f"TTFT p50 {_fmt(ttft.p50 if ttft else None)} ms", highlight=False)

    def note(self, text: str) -> None:
        self.console.print(f"[yellow]note:[/] {text}", highlight=False)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def points_table(summary: RunSummary, title: str | None = None) -> Table:
    """The final per-load-point table."""
    table = Table(title=title or f"run {summary.run_id} — {summary.target.model}",
                  title_style="bold", header_style="bold cyan")
    has_cost = any(p.cost is not None for p in summary.points)
    has_good = any(p.goodput is not None for p in summary.points)
    cols: Sequence[tuple[str, str]] = [
        ("load", "left"), ("ok/fail", "right"), ("out tok/s", "right"), ("total tok/s", "right"),
        ("req/s", "right"), ("tok/s/user", "right"), ("TTFT p50", "right"),
        ("TTFT p99", "right"), ("TPOT p50", "right"), ("TPOT p99", "right"),
        ("ITL p50", "right"), ("E2E p50", "right"),
    ]
    for name, just in cols:
        table.add_column(name, justify=just)  # type: ignore[arg-type]
    if has_good:
        table.add_column("goodput", justify="right")
    if has_cost:
        table.add_column("$/1M out", justify="right")
        table.add_column("$/1M total", justify="right")
    for p in summary.points:
        lat = p.latency_ms

        def q(name: str, pct: str, digits: int = 1, lat: dict[str, Any] = lat) -> str:
            st = lat.get(name)
            return _fmt(getattr(st, pct) if st is not None else None, digits)

        unit = "conc" if p.load.mode == "concurrency" else "req/s"
        row = [
            f"{p.load.value:g} {unit}",
            f"{p.requests.completed}/{p.requests.failed}",
            _fmt(p.throughput.output_tok_s), _fmt(p.throughput.total_tok_s),
            _fmt(p.throughput.requests_per_s, 2),
            _fmt(p.throughput.per_user_output_tok_s_p50),
            q("ttft", "p50"), q("ttft", "p99"), q("tpot", "p50", 2), q("tpot", "p99", 2),
            q("itl", "p50", 2), q("e2e", "p50", 0),
        ]
        if has_good:
            row.append(f"{p.goodput.fraction:.0%}" if p.goodput else "-")
        if has_cost:
            row.append(_usd(p.cost.usd_per_mtok_output if p.cost else None))
            row.append(_usd(p.cost.usd_per_mtok_total if p.cost else None))
        table.add_row(*row)
    return table


def print_summary(summary: RunSummary, console: Console | None = None) -> None:
    console = console or make_console()
    console.print(points_table(summary))
    errs: dict[str, int] = {}
    for p in summary.points:
        for k, v in p.requests.errors.items():
            errs[k] = errs.get(k, 0) + v
    if errs:
        console.print("errors by class: " + ", ".join(f"{k}={v}" for k, v in sorted(errs.items())),
                      style="red", highlight=False)
    mism = sum(p.tokens.count_mismatches for p in summary.points)
    if any(p.tokens.client_output is not None for p in summary.points):
        console.print(f"token counts: server usage vs model tokenizer — {mism} request(s) "
                      "disagree", style="dim", highlight=False)
    if any(p.cost for p in summary.points):
        hourly = next(p.cost.usd_per_hour for p in summary.points if p.cost)
        console.print(f"cost: ${hourly:g}/hour (assumed) ÷ measured throughput; "
                      "latency ms, throughput tok/s: measured", style="dim", highlight=False)
