"""Fit efficiency factors from measured runs. Pure fit, plus a loader from the store.

Decode is memory-bound at the batch sizes we calibrate on, so for each measured load point i
(concurrency B_i, mean context L_i, measured TPOT p50 τ_i):

    τ_i ≈ bytes_i / bandwidth × u + o,     bytes_i = weight_bytes + B_i × kv_bytes(L_i)

with u = 1 / eff_memory and o = step_overhead_s, fitted by ordinary least squares (o fixed at
the family default when only one point is available). Standard errors come from the residual
variance: se = sqrt(diag(σ² (XᵀX)⁻¹)), σ² = RSS / (n − p). Residuals are reported in percent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from tokenfab.errors import ConfigError
from tokenfab.roofline.step import DEFAULT_EFFICIENCY, Efficiency
from tokenfab.store import Store


@dataclass(frozen=True)
class CalPoint:
    concurrency: int
    bytes_per_step: float
    bandwidth_bytes_per_s: float
    tpot_s: float


@dataclass(frozen=True)
class Calibration:
    run_id: str
    family: str
    efficiency: Efficiency
    residuals_pct: list[float] = field(default_factory=list)
    se_eff_memory: float | None = None
    se_step_overhead_s: float | None = None

    def describe(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "family": self.family,
                "eff_memory": self.efficiency.eff_memory,
                "step_overhead_s": self.efficiency.step_overhead_s,
                "se_eff_memory": self.se_eff_memory,
                "se_step_overhead_s": self.se_step_overhead_s,
                "residuals_pct": self.residuals_pct, "provenance": "measured fit"}


def fit(points: list[CalPoint], default: Efficiency) -> tuple[Efficiency, list[float],
                                                                float | None, float | None]:
    """OLS of τ = x·u + o with x = bytes/bandwidth; returns (efficiency, residuals %, se's)."""
    if not points:
        raise ConfigError("no measured points with a TPOT to calibrate from")
    x = np.array([p.bytes_per_step / p.bandwidth_bytes_per_s for p in points])
    y = np.array([p.tpot_s for p in points])
    if len(points) == 1 or np.ptp(x) < 1e-12 * max(x.max(), 1e-30):
        o = default.step_overhead_s
        u = float(np.sum((y - o) * x) / np.sum(x * x))
        resid = y - (x * u + o)
        se_u = se_o = None
    else:
        design = np.column_stack([x, np.ones_like(x)])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        u, o = float(coef[0]), float(coef[1])
        if o < 0:  # an overhead cannot be negative: refit through the origin
            o = 0.0
            u = float(np.sum(y * x) / np.sum(x * x))
        resid = y - (x * u + o)
        dof = max(len(points) - 2, 1)
        s2 = float(np.sum(resid ** 2) / dof)
        cov = s2 * np.linalg.inv(design.T @ design)
        se_u, se_o = float(math.sqrt(max(cov[0, 0], 0))), float(math.sqrt(max(cov[1, 1], 0)))
    if u <= 0:
        raise ConfigError("calibration gave a non-positive memory time; the run looks "
                          "compute- or overhead-bound, calibrate on a decode-heavy run")
    eff_mem = min(1.0 / u, 1.0)
    se_eff = se_u / (u * u) if se_u is not None else None
    return (replace(default, eff_memory=eff_mem, step_overhead_s=o),
            [float(r / t * 100) for r, t in zip(resid, y, strict=True)], se_eff, se_o)


def calibration_from_run(store: Store, run_id: str) -> Calibration:
    """Calibrate from a stored run of the embedded engine on the local CPU."""
    from tokenfab.cost.local_cpu import local_cpu
    from tokenfab.engines.llamacpp import smollm2_gguf
    from tokenfab.roofline.models import load_model

    detail = store.get_run_detail(run_id)
    summary = detail.run_summary()
    if summary is None:
        raise ConfigError(f"run '{detail.run_id}' has no summary; calibrate on a finished run")
    engine = detail.environment.get("engine", {})
    if not str(engine.get("kind", "")).startswith("llama.cpp") or detail.environment.get("gpus"):
        raise ConfigError("calibration reads runs of the embedded llama.cpp engine on this CPU "
                          f"(run '{detail.run_id}' is not one); see docs/PROJECTION.md")
    spec = load_model("smollm2-135m")
    weights = float(smollm2_gguf().stat().st_size)
    bw = local_cpu().mem_read_gb_s * 1e9
    pts = []
    for p in summary.points:
        tpot = p.latency_ms.get("tpot")
        if tpot is None or p.requests.completed == 0 or p.load.mode != "concurrency":
            continue
        n = p.requests.completed
        ctx = p.tokens.input / n + p.tokens.output / n / 2
        b = int(p.load.value)
        kv = b * spec.kv_bytes(int(ctx), 2)
        pts.append(CalPoint(b, weights + kv, bw, tpot.p50 / 1000.0))
    eff, resid, se_e, se_o = fit(pts, DEFAULT_EFFICIENCY["cpu"])
    return Calibration(detail.run_id, "cpu", eff, resid, se_e, se_o)
