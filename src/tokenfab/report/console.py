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
from tokenfab.report.fmt import num, usd
from tokenfab.schemas.summary import PointSummary, RunSummary


def make_console(stderr: bool = False) -> Console:
    """A console that keeps tables readable when piped (Rich assumes 80 columns there)."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=180)


_fmt = num
_usd = usd


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
        table.add_row(*row)
    return table


def _ci(p: PointSummary, key: str) -> str:
    """The bootstrap 95% CI, or a modelled range marked as one (never called a CI)."""
    ci = p.cost.ci95.get(key) if p.cost else None
    if ci:
        return f"{_usd(ci[0])}–{_usd(ci[1])}"
    band = p.cost.band.get(key) if p.cost else None
    return f"range {_usd(band[0])}–{_usd(band[1])}" if band else "-"


def cost_table(summary: RunSummary) -> Table | None:
    """$/hour decomposition, $/1M tokens with attribution, CIs and energy, per load point."""
    if not any(p.cost for p in summary.points):
        return None
    table = Table(title="cost per load point", title_style="bold", header_style="bold cyan")
    for name in ("load", "$/hour", "hardware", "energy", "overhead", "$/1M out all-in",
                 "95% CI", "$/1M in", "$/1M out", "blended", "$/1M good out",
                 "J/out tok", "avg W"):
        table.add_column(name, justify="left" if name == "load" else "right")
    for p in summary.points:
        c = p.cost
        if c is None:
            continue
        unit = "conc" if p.load.mode == "concurrency" else "req/s"
        e = p.energy
        terms = c.breakdown_usd_per_mtok_output
        table.add_row(
            f"{p.load.value:g} {unit}", _usd(c.usd_per_hour), _usd(terms.get("hardware")),
            _usd(terms.get("energy")), _usd(terms.get("overhead")),
            _usd(c.usd_per_mtok_output_all_in),
            _ci(p, "usd_per_mtok_output_all_in"), _usd(c.usd_per_mtok_input),
            _usd(c.usd_per_mtok_output), _usd(c.usd_per_mtok_blended),
            _usd(c.usd_per_mtok_goodput),
            _fmt(e.j_per_output_token, 2) if e and e.j_per_output_token else "-",
            _fmt(e.avg_power_w, 1) if e and e.avg_power_w else "-",
        )
    return table


def print_summary(summary: RunSummary, console: Console | None = None) -> None:
    console = console or make_console()
    console.print(points_table(summary))
    ctab = cost_table(summary)
    if ctab is not None:
        console.print(ctab)
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
    first = next((p for p in summary.points
                  if p.cost and p.cost.attribution.get("source") not in (None, "none")), None)
    if first is not None and first.cost is not None:
        c = first.cost
        att = c.attribution
        console.print(
            f"hardware/energy/overhead columns: $ per 1M output tokens, all-in; "
            f"$/1M in + $/1M out are attributed by measured {att.get('source', 'time')} "
            f"time shares and add up to the point's cost; blended at {c.blend_ratio:g}:1 "
            f"input:output. Provenance: " + ", ".join(f"{k} {v}" for k, v in
                                                      sorted(c.provenance.items())),
            style="dim", highlight=False)
    e = next((p.energy for p in summary.points if p.energy), None)
    if e is not None:
        console.print(f"energy: {e.source} ({e.provenance})" + (f" — {e.note}" if e.note else ""),
                      style="dim", highlight=False)
