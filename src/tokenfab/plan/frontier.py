"""Throughput-per-GPU vs tok/s/user curves, each with where it came from.

Three sources: a stored run (``measured``: each load point's output tok/s over the run's
accelerators, its median 1000/TPOT and TTFT p50), a projection (``modelled``:
``throughput.output_tok_s_per_gpu`` and ``per_user_output_tok_s_p50``) and a published curve
file (``measured`` by whoever published it; CSV or JSON, InferenceX-style columns).
Only Pareto points are kept (``metrics.pareto``): a point slower per user and per GPU than
another is never worth choosing.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tokenfab.errors import ConfigError, format_validation
from tokenfab.metrics.pareto import pareto_indices
from tokenfab.schemas.plan import Frontier, FrontierPoint
from tokenfab.schemas.projection import ProjectionResult
from tokenfab.schemas.summary import RunSummary
from tokenfab.schemas.types import Provenance

USER_KEYS = ("tok_s_per_user", "per_user_tps", "interactivity", "per_user_output_tok_s_p50")
GPU_KEYS = ("output_tok_s_per_gpu", "output_tps_per_gpu", "output_throughput_per_gpu")
TTFT_KEYS = ("ttft_ms", "ttft_p50_ms")
MAX_POINTS = 10_000


def pareto_only(points: Sequence[FrontierPoint]) -> tuple[FrontierPoint, ...]:
    """The non-dominated points, sorted by tok/s/user."""
    keep = pareto_indices([(p.tok_s_per_user, p.output_tok_s_per_gpu) for p in points])
    return tuple(sorted((points[i] for i in keep), key=lambda p: p.tok_s_per_user))


def from_run(summary: RunSummary, hardware: str, *, accelerators: int = 1,
             isl: int | None = None, osl: int | None = None) -> Frontier:
    """A measured frontier: per load point, output tok/s ÷ accelerators vs median tok/s/user."""
    pts: list[FrontierPoint] = []
    for p in summary.points:
        user = p.throughput.per_user_output_tok_s_p50
        if user is None or user <= 0 or p.throughput.output_tok_s <= 0:
            continue
        ttft = p.latency_ms.get("ttft")
        pts.append(FrontierPoint(
            tok_s_per_user=user, output_tok_s_per_gpu=p.throughput.output_tok_s / accelerators,
            ttft_ms=ttft.p50 if ttft is not None else None,
            label=f"{p.load.mode} {p.load.value:g}"))
    if not pts:
        raise ConfigError(f"run {summary.run_id} has no load point with output tokens and a "
                          "per-user speed; measure one with `tokenfab run`")
    return Frontier(hardware=hardware, kind="run", source=f"run {summary.run_id}",
                    provenance="measured", model=summary.target.model, isl=isl, osl=osl,
                    points=pareto_only(pts))


def from_projection(result: ProjectionResult, hardware: str, isl: int, osl: int) -> Frontier:
    """A modelled frontier from the points of a one-hardware ``tokenfab project`` result."""
    pts: list[FrontierPoint] = []
    for p in result.points:
        user = p.throughput.per_user_output_tok_s_p50
        if user is None or user <= 0 or p.throughput.output_tok_s_per_gpu <= 0:
            continue
        ttft = p.latency_ms.get("ttft")
        pts.append(FrontierPoint(
            tok_s_per_user=user, output_tok_s_per_gpu=p.throughput.output_tok_s_per_gpu,
            ttft_ms=ttft.p50 if ttft is not None else None,
            label=f"conc {p.load.value:g}, tp {p.tp}"))
    if not pts:
        raise ConfigError(f"the projection of {result.target.model} on {hardware} has no "
                          "point with throughput; try other --concurrency levels")
    cfg = result.config
    return Frontier(hardware=hardware, kind="projection",
                    source=f"projection of {result.target.model} {cfg.precision} on "
                           f"{cfg.gpus}x {hardware}, {isl}/{osl} tokens ({result.band_kind})",
                    provenance="modelled", model=result.target.model, isl=isl, osl=osl,
                    points=pareto_only(pts))


def _number(row: Mapping[str, Any], keys: Sequence[str], where: str,
            required: bool) -> float | None:
    for key in keys:
        raw = row.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if isinstance(raw, bool):
            raise ConfigError(f"{where}: {key} must be a number, not {str(raw).lower()}")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: {key} must be a number (got {str(raw)[:30]!r})") from None
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {key} must be finite (got {raw})")
        return value
    if required:
        raise ConfigError(f"{where}: no {keys[0]} column (also read: {', '.join(keys[1:])}); "
                          "a curve needs tok_s_per_user and output_tok_s_per_gpu")
    return None


def parse_points(rows: Sequence[Mapping[str, Any]], where: str,
                 hardware: str | None) -> list[FrontierPoint]:
    """Rows (CSV dicts or JSON objects) as points; rows naming another hardware are skipped."""
    pts: list[FrontierPoint] = []
    for i, row in enumerate(rows, start=1):
        at = f"{where}: row {i}"
        hw = str(row.get("hardware", "") or "")
        if hardware and hw and hardware.lower() not in hw.lower():
            continue
        user = _number(row, USER_KEYS, at, True)
        gpu = _number(row, GPU_KEYS, at, True)
        ttft = _number(row, TTFT_KEYS, at, False)
        try:
            pts.append(FrontierPoint(tok_s_per_user=user, output_tok_s_per_gpu=gpu,
                                     ttft_ms=ttft, label=str(row.get("label", "") or
                                                             row.get("point_id", "") or "")))
        except ValidationError as exc:
            raise ConfigError(format_validation(exc, at)) from None
    return pts


def load_published(path: str, hardware: str) -> Frontier:
    """A published curve file: CSV with a header, or JSON (a list of objects or
    ``{"points": [...], "source": ...}``). Rows whose ``hardware`` column names other
    hardware are skipped."""
    p = Path(path)
    where = f"--frontier {hardware}={path}"
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file; give a CSV or JSON curve") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read it ({exc}); give a UTF-8 CSV or JSON "
                          "file") from None
    source = str(p)
    rows: list[Mapping[str, Any]]
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(data, dict):
            source = str(data.get("source", source))
            data = data.get("points")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ConfigError(f"{where}: JSON must be a list of point objects or "
                              '{"points": [...]}')
        rows = data
    else:
        rows = list(csv.DictReader(text.splitlines()))
    if len(rows) > MAX_POINTS:
        raise ConfigError(f"{where}: {len(rows):,} rows; a curve holds at most {MAX_POINTS:,}")
    pts = parse_points(rows, where, hardware)
    if not pts:
        raise ConfigError(f"{where}: no point for {hardware} in it; check its hardware column")
    prov: Provenance = "measured"
    return Frontier(hardware=hardware, kind="published", source=source, provenance=prov,
                    points=pareto_only(pts))


__all__ = ["from_projection", "from_run", "load_published", "pareto_only", "parse_points"]
