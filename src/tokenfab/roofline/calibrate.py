"""Fit efficiency factors to measured load points by re-simulating them. Pure (no store).

For each measured load point i (concurrency B_i, mean input and output lengths, measured TPOT
p50 τ_i and output throughput θ_i), the batching simulator on the step model gives τ̂_i(e) and
θ̂_i(e) for efficiency factors e = (eff_memory, eff_compute, step_overhead_s). The fit minimises

    L(e) = Σ_i (ln τ̂_i − ln τ_i)² + (ln θ̂_i − ln θ_i)²

by coordinate search in log space; rms_log_residual = sqrt(L / (2 n)) is the relative
uncertainty a calibrated projection carries. The caller (``tokenfab.session.project``) reads
the run from the store and hands its points in as plain values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from tokenfab.cost.catalog import Accelerator
from tokenfab.errors import ConfigError
from tokenfab.metrics.compute import summarize_point
from tokenfab.roofline.batchsim import SimSettings, simulate
from tokenfab.roofline.fit import learned_efficiency
from tokenfab.roofline.models import ModelSpec
from tokenfab.roofline.project import device_of, kv_dtype_bytes, shape_of
from tokenfab.roofline.step import Efficiency, ReplicaModel
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.projection import CalibrationSummary
from tokenfab.schemas.summary import PointSummary
from tokenfab.schemas.types import Precision


@dataclass(frozen=True)
class MeasuredPoint:
    concurrency: int
    tpot_ms: float
    output_tok_s: float
    isl: float  # mean input tokens per request
    osl: float  # mean output tokens per request


@dataclass(frozen=True)
class Calibration:
    run_id: str
    family: str
    efficiency: Efficiency
    residuals_pct: list[float] = field(default_factory=list)
    rms_log_residual: float | None = None  # relative uncertainty carried into projections

    def summary(self) -> CalibrationSummary:
        return CalibrationSummary(
            run_id=self.run_id, family=self.family, eff_memory=self.efficiency.eff_memory,
            eff_compute=self.efficiency.eff_compute,
            step_overhead_s=self.efficiency.step_overhead_s,
            rms_log_residual=self.rms_log_residual, residuals_pct=self.residuals_pct)


def measured_points(points: Sequence[PointSummary]) -> list[MeasuredPoint]:
    """The closed-loop points of a run summary that have a TPOT and completed requests."""
    out = []
    for p in points:
        tpot = p.latency_ms.get("tpot")
        n = p.requests.completed
        if tpot is None or n == 0 or p.load.mode != "concurrency":
            continue
        out.append(MeasuredPoint(int(p.load.value), tpot.p50, p.throughput.output_tok_s,
                                 p.tokens.input / n, p.tokens.output / n))
    return out


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


def calibrate(run_id: str, points: list[MeasuredPoint], spec: ModelSpec, acc: Accelerator, *,
              precision: Precision, engine: str, tp: int = 1) -> Calibration:
    """Fit the efficiency factors of ``acc``'s family to ``points`` measured serving ``spec``
    at weight ``precision`` on ``tp`` accelerators, starting from the learned efficiency of
    ``acc`` under ``engine`` (``roofline.fit.learned_efficiency``). Each evaluation
    re-simulates max(4 B_i, 16) requests per point
    (KV at BF16 on CPUs, else ``kv_dtype_bytes(precision)``)."""
    family = acc.family
    device = device_of(acc)
    kv_bytes = kv_dtype_bytes(precision) if family != "cpu" else 2.0

    def sim(eff: Efficiency, mp: MeasuredPoint) -> tuple[float, float]:
        shape = shape_of(spec, precision, kv_bytes, context_len=int(mp.isl + mp.osl))
        rep = ReplicaModel(shape, device, precision, tp, eff, prefill_context=mp.isl / 2)
        res = simulate(rep, mode="concurrency", value=mp.concurrency,
                       n_requests=max(4 * mp.concurrency, 16),
                       input_tokens=LengthSpec(mean=mp.isl), output_tokens=LengthSpec(mean=mp.osl),
                       settings=SimSettings(max_batch_seqs=max(mp.concurrency, 1),
                                            max_batched_tokens=2048 if family == "cpu" else 8192))
        s = summarize_point(res.records, mode="concurrency", value=mp.concurrency)
        t = s.latency_ms.get("tpot")
        return (t.p50 if t else 0.0), s.throughput.output_tok_s

    start = learned_efficiency(acc, engine)  # composes: the run refines the learned factors
    eff, resid, rms = fit_by_simulation(points, start, sim)
    return Calibration(run_id, family, eff, [round(r, 2) for r in resid], rms)
