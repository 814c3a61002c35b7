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
from collections.abc import Callable
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
    rms_log_residual: float | None = None  # relative uncertainty carried into projections
    se_step_overhead_s: float | None = None

    def describe(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "family": self.family,
                "eff_memory": self.efficiency.eff_memory,
                "step_overhead_s": self.efficiency.step_overhead_s,
                "eff_compute": self.efficiency.eff_compute,
                "rms_log_residual": self.rms_log_residual,
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


@dataclass(frozen=True)
class MeasuredPoint:
    concurrency: int
    tpot_ms: float
    output_tok_s: float
    isl: float
    osl: float


def _objective(eff: Efficiency, points: list[MeasuredPoint],
               simulate_fn: Callable[[Efficiency, MeasuredPoint], tuple[float, float]]
               ) -> tuple[float, list[float]]:
    """Σ (ln tpot_sim − ln tpot)² + (ln tput_sim − ln tput)²; also the TPOT residuals in %."""
    loss, resid = 0.0, []
    for p in points:
        tpot, tput = simulate_fn(eff, p)
        if tpot <= 0 or tput <= 0:
            return math.inf, []
        loss += math.log(tpot / p.tpot_ms) ** 2 + math.log(tput / p.output_tok_s) ** 2
        resid.append((tpot - p.tpot_ms) / p.tpot_ms * 100)
    return loss, resid


def fit_by_simulation(points: list[MeasuredPoint], start: Efficiency,
                      simulate_fn: Callable[[Efficiency, MeasuredPoint], tuple[float, float]],
                      rounds: int = 6) -> tuple[Efficiency, list[float], float]:
    """Coordinate search in log space over (eff_memory, eff_compute, step_overhead_s).

    Each round tries each factor × {1/2, 4/5, 5/4, 2} (then finer steps) and keeps any
    improvement of the objective; returns the efficiency, TPOT residuals (%) and the RMS of
    the log residuals (used as the projection's relative uncertainty).
    """
    if not points:
        raise ConfigError("no measured points with a TPOT to calibrate from")
    best = replace(start, step_overhead_s=max(start.step_overhead_s, 1e-4))
    best_loss, best_resid = _objective(best, points, simulate_fn)
    factors = [0.5, 0.8, 1.25, 2.0]
    for r in range(rounds):
        improved = False
        for name in ("eff_memory", "eff_compute", "step_overhead_s"):
            for f in factors:
                value = getattr(best, name) * f
                if name != "step_overhead_s":
                    value = min(value, 1.0)
                cand = replace(best, **{name: value})
                loss, resid = _objective(cand, points, simulate_fn)
                if loss < best_loss:
                    best, best_loss, best_resid, improved = cand, loss, resid, True
        if not improved:
            factors = [math.sqrt(f) for f in factors]
            if r >= 2 and max(factors) < 1.05:
                break
    rms = math.sqrt(best_loss / (2 * len(points)))
    return best, best_resid, rms


def _run_target(detail: Any, model_ref: str | None) -> tuple[Any, str, str, str]:
    """(accelerator, model ref, family, engine) of a stored run: its GPU if it recorded one
    (nvidia-smi name matched against the catalog), else this machine's CPU."""
    from tokenfab.cost.catalog import load_catalog
    from tokenfab.roofline.project import local_accelerator

    gpus = detail.environment.get("gpus") or []
    engine_kind = str(detail.environment.get("engine", {}).get("kind", ""))
    if gpus:
        name = str(gpus[0].get("name", "")).upper()
        acc = next((a for key, a in load_catalog().items() if key.upper() in name), None)
        if acc is None:
            raise ConfigError(f"run '{detail.run_id}' ran on {gpus[0].get('name')!r}, which "
                              "is not in the hardware catalog; see `tokenfab hardware list`")
        return acc, model_ref or detail.model, acc.family, "vllm"
    if not engine_kind.startswith("llama.cpp"):
        raise ConfigError(f"run '{detail.run_id}' recorded no GPU and no embedded engine: "
                          "calibrate on a run of `tokenfab run` or of a GPU server")
    return local_accelerator(), model_ref or "smollm2-135m", "cpu", "llama.cpp"


def calibration_from_run(store: Store, run_id: str, *, model_ref: str | None = None,
                         precision: str | None = None, tp: int = 1) -> Calibration:
    """Fit efficiency factors to a stored run by re-simulating each measured load point
    (same concurrency and lengths) with the batching simulator and the step model."""
    from tokenfab.metrics.compute import summarize_point
    from tokenfab.roofline.batchsim import SimSettings, simulate
    from tokenfab.roofline.loading import load_model
    from tokenfab.roofline.project import device_of, kv_dtype_bytes, shape_of
    from tokenfab.roofline.step import Efficiency, ReplicaModel
    from tokenfab.schemas.config import LengthSpec

    detail = store.get_run_detail(run_id)
    summary = detail.run_summary()
    if summary is None:
        raise ConfigError(f"run '{detail.run_id}' has no summary; calibrate on a finished run")
    acc, ref, family, engine = _run_target(detail, model_ref)
    spec = load_model(ref)
    prec = precision or ("int4" if family == "cpu" else "bf16")
    device = device_of(acc)
    points = []
    for p in summary.points:
        tpot = p.latency_ms.get("tpot")
        n = p.requests.completed
        if tpot is None or n == 0 or p.load.mode != "concurrency":
            continue
        points.append(MeasuredPoint(int(p.load.value), tpot.p50, p.throughput.output_tok_s,
                                    p.tokens.input / n, p.tokens.output / n))

    def sim(eff: Efficiency, mp: MeasuredPoint) -> tuple[float, float]:
        shape = shape_of(spec, prec, kv_dtype_bytes(prec) if family != "cpu" else 2.0,
                         context_len=int(mp.isl + mp.osl))
        rep = ReplicaModel(shape, device, prec, tp, eff, prefill_context=mp.isl / 2)
        res = simulate(rep, mode="concurrency", value=mp.concurrency,
                       n_requests=max(4 * mp.concurrency, 16),
                       input_tokens=LengthSpec(mean=mp.isl), output_tokens=LengthSpec(mean=mp.osl),
                       settings=SimSettings(max_batch_seqs=max(mp.concurrency, 1),
                                            max_batched_tokens=2048 if family == "cpu" else 8192))
        s = summarize_point(res.records, mode="concurrency", value=mp.concurrency)
        t = s.latency_ms.get("tpot")
        return (t.p50 if t else 0.0), s.throughput.output_tok_s

    start = DEFAULT_EFFICIENCY.get(family, Efficiency()).for_engine(engine)
    eff, resid, rms = fit_by_simulation(points, start, sim)
    return Calibration(detail.run_id, family, eff, [round(r, 2) for r in resid], rms, None)
