"""Efficiencies learned from published points, with shrinkage, and their cross-validated error.

Parameters. Seven log-multipliers θ on a hardware family's default :class:`Efficiency`
(``step.DEFAULT_EFFICIENCY`` with the engine's overheads), one per regime:

    memory    eff_memory  × e^θ   (memory-bound decode: weights + KV read)
    compute   eff_compute × e^θ   (compute-bound prefill, linear layers)
    attention eff_attention = e^θ (attention FLOPs, relative to eff_compute: long prompts)
    comm      eff_comm      = e^θ (tensor-parallel all-reduces)
    moe       moe_layer_overhead_s × e^θ  (MoE dispatch per MoE layer and step)
    sequence  seq_overhead_s × e^θ        (per running sequence per step)
    fixed     step_overhead_s, layer_overhead_s × e^θ (per step, per layer)

(efficiencies capped at 1). For a point served by vendor software stack s (``stack_of``:
nvidia-trtllm, nvidia-vllm for vLLM and SGLang, amd-vllm, ...) on hardware family f:

    θ = g + d_stack[s] + d_family[f]

Fit: ``scipy.optimize.least_squares`` on the residuals
``ln(modelled / measured)`` of output tok/s per GPU and of TPOT (each / ``DATA_SIGMA``, times
√w with w = clip(mean points per source / points of this source, 0.2, 5), so one source's
hundreds of rows do not drown the others), plus
the penalties ``g / PRIOR_SIGMA``, ``d_stack / STACK_SIGMA``, ``d_family / FAMILY_SIGMA``: a
penalised (ridge) least squares, i.e. a pooled prior with per-group deviations shrunk toward
it, so a stack or family with few points borrows from the pool. The loss is soft-L1 beyond
``ROBUST_SCALE`` σ, so a few rows whose published figure means something else cannot pull
every parameter.

Speed: in closed-loop concurrency the scheduler's decisions are counted in steps, not time,
so one simulation with 1-ns steps (:func:`trace_point`) records every step's (P, B, C) and
every request's send, first-token and end step; :func:`retime` re-prices those steps for any
efficiency with :func:`step.step_times` and reproduces ``summarize_point``'s output tok/s
(Σ output tokens / (last end − first send)) and TPOT p50 (median of (end − first token) /
(tokens − 1)). Runs of decode-only steps with the same batch and no request event between
them are kept as one block of k steps at their mean context: a block costs
k × step_s(0, B, mean C), exact while the step is linear in C (the max of memory and compute
time does not switch inside the block), so a point re-prices in well under a millisecond.

Cross-validation (:func:`cross_validate`): each group (a source, or a hardware) is held out in
turn, the parameters are refitted on the rest and the held-out points are projected: their
residuals are the honest error. A regime's band is the p10–p90 of its cross-validated log
residuals. Every figure here is ``modelled``; the fitted file says what it was fitted on.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from tokenfab.cost.catalog import Accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.batchsim import SimSettings, simulate
from tokenfab.roofline.step import (
    DEFAULT_EFFICIENCY,
    Efficiency,
    FloatArray,
    ReplicaModel,
    step_parts,
    step_times,
)
from tokenfab.schemas.config import LengthSpec

PARAMS = ("memory", "compute", "attention", "comm", "moe", "sequence", "fixed")
N_PARAMS = len(PARAMS)
DATA_SIGMA = 0.15  # typical ln error of one published point (assumed)
PRIOR_SIGMA = 1.0  # pooled multipliers: weak pull toward the family defaults
STACK_SIGMA = 0.35  # a software stack's deviation from the pool
FAMILY_SIGMA = 0.2  # a hardware family's deviation from its stack
EFFICIENCY_FILE = "efficiency.json"
ROBUST_SCALE = 2.0  # soft-L1 loss: residuals beyond 2 σ count linearly, not squared
BAND_MIN_POINTS = 6  # a regime with fewer CV residuals uses the pooled ones


def stack_of(family: str, engine: str) -> str:
    """Vendor software stack: '<vendor>-<trtllm|vllm>' (SGLang pools with vLLM), e.g.
    'nvidia-trtllm', 'amd-vllm'; other families keep their name (the CPU is 'cpu')."""
    vendor = family.split("-")[0]
    if vendor not in ("nvidia", "amd"):
        return family
    return f"{vendor}-{'trtllm' if engine == 'trtllm' else 'vllm'}"


def base_efficiency(family: str, engine: str) -> Efficiency:
    """The family default with the engine's overheads (``step.DEFAULT_EFFICIENCY``)."""
    return DEFAULT_EFFICIENCY.get(family, Efficiency()).for_engine(engine)


def apply_multipliers(base: Efficiency, theta: Sequence[float]) -> Efficiency:
    """``base`` scaled by e^θ per :data:`PARAMS` (see the module docstring)."""
    m = [math.exp(max(min(float(t), 5.0), -5.0)) for t in theta]
    return replace(base, eff_memory=min(base.eff_memory * m[0], 1.0),
                   eff_compute=min(base.eff_compute * m[1], 1.0), eff_attention=m[2],
                   eff_comm=m[3], moe_layer_overhead_s=base.moe_layer_overhead_s * m[4],
                   seq_overhead_s=base.seq_overhead_s * m[5],
                   step_overhead_s=base.step_overhead_s * m[6],
                   layer_overhead_s=base.layer_overhead_s * m[6])


# ---- fast re-timing ------------------------------------------------------------------------

@dataclass
class _Recorder:
    steps: list[tuple[int, int, int]] = field(default_factory=list)

    def step_s(self, prefill_tokens: int, decode_seqs: int, context_tokens: int) -> float:
        self.steps.append((prefill_tokens, decode_seqs, context_tokens))
        return 1e-9


@dataclass(frozen=True)
class Trace:
    """A simulated point in blocks of steps: per block its step count and (P, B, mean C);
    per measured request its send, first-token and end as block boundaries (boundary j =
    the clock after blocks 0..j-1) and its output tokens."""

    steps: FloatArray
    prefill: FloatArray
    decode: FloatArray
    context: FloatArray
    sent: np.ndarray
    first: np.ndarray
    end: np.ndarray
    output_tokens: np.ndarray


def _blocks(steps: FloatArray, events: np.ndarray) -> tuple[np.ndarray, FloatArray, FloatArray]:
    """(block start step indices, step counts, mean context per block): a block starts at
    step 0, at each event step, at each step with prompt tokens or after one, and where
    the decode batch changes."""
    n = steps.shape[0]
    p, b = steps[:, 0], steps[:, 1]
    cut = np.zeros(n + 1, dtype=bool)
    cut[0] = cut[n] = True
    cut[events[events <= n]] = True
    cut[:n][p > 0] = True
    cut[1:n][(p[:-1] > 0) | (b[1:] != b[:-1])] = True
    starts = np.flatnonzero(cut)
    counts = np.diff(starts).astype(np.float64)
    sums = np.add.reduceat(steps[:, 2], starts[:-1]) if n else np.zeros(0)
    return starts, counts, sums / np.maximum(counts, 1)


def trace_point(replica: ReplicaModel, streams: int, isl: LengthSpec, osl: LengthSpec, *,
                kv_budget_tokens: int | None, n_requests: int | None = None, seed: int = 0,
                max_batch: int = 2048) -> Trace:
    """Simulate as ``project.simulate_plan`` does (same settings, warm-up and seed) with
    1-ns steps, recording the schedule."""
    rec = _Recorder()
    n = n_requests or max(4 * streams, 64)
    res = simulate(rec, mode="concurrency", value=streams, n_requests=n, input_tokens=isl,
                   output_tokens=osl, seed=seed, warmup_requests=min(streams, n // 4),
                   settings=SimSettings(max_batch_seqs=max_batch, max_batched_tokens=8192,
                                        kv_budget_tokens=kv_budget_tokens))
    steps = np.asarray(rec.steps, dtype=np.float64).reshape(-1, 3)
    measured = [r for r in res.records if not r.warmup and r.ok]
    sent = np.array([r.sent_ns for r in measured], dtype=np.int64)
    first = np.array([r.first_chunk_ns or r.end_ns for r in measured], dtype=np.int64)
    end = np.array([r.end_ns for r in measured], dtype=np.int64)
    starts, counts, mean_c = _blocks(steps, np.concatenate((sent, first, end)))
    head = starts[:-1]
    return Trace(counts, steps[head, 0], steps[head, 1], mean_c,
                 np.searchsorted(starts, sent), np.searchsorted(starts, first),
                 np.searchsorted(starts, end),
                 np.array([r.output_tokens or 0 for r in measured], dtype=np.float64))


def retime(trace: Trace, replica: ReplicaModel) -> tuple[float, float]:
    """(output tok/s of the replica, TPOT p50 ms) of ``trace`` under ``replica``'s step
    costs: clock(boundary j) = Σ_{i<j} k_i × step_s(P_i, B_i, mean C_i)."""
    t = trace.steps * step_times(replica, trace.prefill, trace.decode, trace.context)
    clock = np.concatenate(([0.0], np.cumsum(t)))
    window = clock[trace.end].max() - clock[trace.sent].min()
    tput = float(trace.output_tokens.sum() / max(window, 1e-12))
    multi = trace.output_tokens >= 2
    tpots = ((clock[trace.end] - clock[trace.first])[multi]
             / (trace.output_tokens[multi] - 1)) * 1000.0
    return tput, float(np.median(tpots)) if tpots.size else math.nan


# ---- the fit ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One published point ready to fit: its groups, schedule, base replica and measurement."""

    point_id: str
    source: str
    hardware: str
    stack: str
    family: str
    regime: str
    trace: Trace
    replica: ReplicaModel  # at the family's base efficiency with the engine's overheads
    gpus_per_replica: int
    measured_tok_s_per_gpu: float
    measured_tpot_ms: float | None

    def predict(self, theta: Sequence[float]) -> tuple[float, float]:
        """(modelled output tok/s per GPU, TPOT p50 ms) at multipliers θ."""
        rep = self.replica.with_efficiency(apply_multipliers(self.replica.efficiency, theta))
        tput, tpot = retime(self.trace, rep)
        return tput / self.gpus_per_replica, tpot

    def log_residuals(self, theta: Sequence[float]) -> list[float]:
        """ln(modelled / measured) of tok/s per GPU, and of TPOT where published."""
        tput, tpot = self.predict(theta)
        out = [math.log(max(tput, 1e-9) / self.measured_tok_s_per_gpu)]
        if self.measured_tpot_ms:
            out.append(math.log(max(tpot, 1e-9) / self.measured_tpot_ms))
        return out


def _components(sample: Sample) -> FloatArray:
    """Per block, the step's parts at unit multipliers (rows: memory, linear compute,
    attention compute, comm, MoE overhead, per-sequence overhead, fixed overhead), each
    × the block's step count, so that θ rescales each part (``step.step_parts``)."""
    rep, tr = sample.replica, sample.trace
    eff = rep.efficiency
    unit = rep.with_efficiency(replace(eff, eff_attention=1.0, eff_comm=1.0))
    mem, lin, attn, comm = step_parts(unit, tr.prefill, tr.decode, tr.context)
    m = rep.model
    moe = np.full_like(tr.prefill, m.moe_layers * eff.moe_layer_overhead_s)
    seq = tr.decode * eff.seq_overhead_s
    fixed = np.full_like(tr.prefill, eff.step_overhead_s + m.n_layers * eff.layer_overhead_s)
    out: FloatArray = np.vstack((mem, lin, attn, comm, moe, seq, fixed)) * tr.steps
    return out


class Batch:
    """All samples' blocks side by side, so one numpy pass prices every sample at its own θ
    (same formula as :meth:`Sample.log_residuals`; tested equal)."""

    def __init__(self, samples: Sequence[Sample]) -> None:
        self.samples = list(samples)
        parts = [_components(s) for s in samples]
        sizes = np.array([p.shape[1] for p in parts])
        self.owner = np.repeat(np.arange(len(parts)), sizes)
        self.parts = np.hstack(parts) if parts else np.zeros((7, 0))
        self.offset = np.concatenate(([0], np.cumsum(sizes + 1)))[:-1]  # into padded clocks
        self.base_mem = np.array([s.replica.efficiency.eff_memory for s in samples])
        self.base_comp = np.array([s.replica.efficiency.eff_compute for s in samples])
        self.pad = np.concatenate([[0, *([1] * int(n))] for n in sizes]).astype(bool) \
            if len(sizes) else np.zeros(0, dtype=bool)
        self.meas_tput = np.array([s.measured_tok_s_per_gpu for s in samples])
        self.meas_tpot = np.array([s.measured_tpot_ms or np.nan for s in samples])
        self.gpus = np.array([s.gpus_per_replica for s in samples], dtype=np.float64)

    def log_residuals(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(ln modelled/measured tok/s per GPU, same for TPOT, NaN where unpublished) at
        θ per sample (rows)."""
        th = np.clip(theta, -5.0, 5.0)
        m = np.exp(th)
        r_mem = self.base_mem / np.minimum(self.base_mem * m[:, 0], 1.0)
        r_comp = self.base_comp / np.minimum(self.base_comp * m[:, 1], 1.0)
        o, p = self.owner, self.parts
        t = (np.maximum(p[0] * r_mem[o], (p[1] + p[2] / m[o, 2]) * r_comp[o])
             + p[3] / m[o, 3] + p[4] * m[o, 4] + p[5] * m[o, 5] + p[6] * m[o, 6])
        padded = np.zeros(self.pad.size)
        padded[self.pad] = t
        clock = np.cumsum(padded)
        clock -= np.repeat(clock[self.offset], np.diff(np.append(self.offset, clock.size)))
        tput = np.empty(len(self.samples))
        tpot = np.full(len(self.samples), np.nan)
        for i, s in enumerate(self.samples):
            c, tr = clock[self.offset[i]:], s.trace
            window = c[tr.end].max() - c[tr.sent].min()
            tput[i] = tr.output_tokens.sum() / max(window, 1e-12) / self.gpus[i]
            multi = tr.output_tokens >= 2
            if multi.any():
                tpot[i] = float(np.median((c[tr.end] - c[tr.first])[multi]
                                          / (tr.output_tokens[multi] - 1))) * 1000.0
        return (np.log(np.maximum(tput, 1e-9) / self.meas_tput),
                np.log(np.maximum(tpot, 1e-9) / self.meas_tpot))


@dataclass(frozen=True)
class Fitted:
    """Pooled multipliers and per-stack / per-family deviations (ln), by :data:`PARAMS`."""

    pooled: tuple[float, ...]
    stacks: Mapping[str, tuple[float, ...]]
    families: Mapping[str, tuple[float, ...]]

    def theta(self, stack: str, family: str) -> list[float]:
        zero = (0.0,) * N_PARAMS
        s, f = self.stacks.get(stack, zero), self.families.get(family, zero)
        return [self.pooled[i] + s[i] + f[i] for i in range(N_PARAMS)]

    def to_json(self) -> dict[str, Any]:
        def named(v: Sequence[float]) -> dict[str, float]:
            return {p: round(float(x), 4) for p, x in zip(PARAMS, v, strict=True)}
        return {"pooled": named(self.pooled),
                "stacks": {k: named(v) for k, v in sorted(self.stacks.items())},
                "families": {k: named(v) for k, v in sorted(self.families.items())}}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Fitted:
        def vec(m: Mapping[str, float]) -> tuple[float, ...]:
            return tuple(float(m.get(p, 0.0)) for p in PARAMS)
        return cls(vec(d["pooled"]), {k: vec(v) for k, v in d["stacks"].items()},
                   {k: vec(v) for k, v in d["families"].items()})


def fit(samples: Sequence[Sample], *, max_nfev: int = 40, batch: Batch | None = None
        ) -> Fitted:
    """Penalised least squares (module docstring) with ``scipy.optimize.least_squares``; the
    Jacobian is assembled from 7 finite-difference passes over :class:`Batch` (each sample's
    residuals depend on its own θ only)."""
    from scipy.optimize import least_squares  # type: ignore[import-untyped]

    batch = batch if batch is not None else Batch(samples)
    stacks = sorted({s.stack for s in samples})
    families = sorted({s.family for s in samples})
    n, n_groups = len(samples), 1 + len(stacks) + len(families)
    member = np.zeros((n, n_groups))
    member[:, 0] = 1.0
    for i, s in enumerate(samples):
        member[i, 1 + stacks.index(s.stack)] = 1.0
        member[i, 1 + len(stacks) + families.index(s.family)] = 1.0
    sigmas = [PRIOR_SIGMA] + [STACK_SIGMA] * len(stacks) + [FAMILY_SIGMA] * len(families)
    penalty_w = np.repeat(1.0 / np.asarray(sigmas), N_PARAMS)
    per_source = Counter(s.source for s in samples)
    mean_n = n / len(per_source)
    w = np.array([math.sqrt(min(max(mean_n / per_source[s.source], 0.2), 5.0))
                  for s in samples]) / DATA_SIGMA
    has_tpot = ~np.isnan(batch.meas_tpot)

    def data(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        theta = member @ x.reshape(n_groups, N_PARAMS)
        return batch.log_residuals(theta)

    def residuals(x: FloatArray) -> FloatArray:
        rt, rp = data(x)
        return np.concatenate((rt * w, (rp * w)[has_tpot], x * penalty_w))

    def jacobian(x: FloatArray) -> FloatArray:
        theta, h = member @ x.reshape(n_groups, N_PARAMS), 1e-4
        rt0, rp0 = batch.log_residuals(theta)
        rows_t = np.zeros((n, n_groups * N_PARAMS))
        rows_p = np.zeros((n, n_groups * N_PARAMS))
        for p in range(N_PARAMS):
            bumped = theta.copy()
            bumped[:, p] += h
            rt, rp = batch.log_residuals(bumped)
            cols = np.arange(n_groups) * N_PARAMS + p
            rows_t[:, cols] = member * ((rt - rt0) / h * w)[:, None]
            rows_p[:, cols] = member * (np.nan_to_num(rp - rp0) / h * w)[:, None]
        return np.vstack((rows_t, rows_p[has_tpot], np.diag(penalty_w)))

    res = least_squares(residuals, np.zeros(n_groups * N_PARAMS), jac=jacobian,
                        method="trf", loss="soft_l1", f_scale=ROBUST_SCALE,
                        max_nfev=max_nfev)
    g = res.x.reshape(n_groups, N_PARAMS)
    return Fitted(tuple(g[0]), {s: tuple(g[1 + i]) for i, s in enumerate(stacks)},
                  {f: tuple(g[1 + len(stacks) + i]) for i, f in enumerate(families)})


@dataclass(frozen=True)
class HeldOut:
    """One sample's out-of-fold projection: ln(modelled / measured) of tok/s/GPU and TPOT."""

    sample: Sample
    fold: str
    log_tput: float
    log_tpot: float | None


def cross_validate(samples: Sequence[Sample], key: Callable[[Sample], str],
                   **fit_kw: Any) -> list[HeldOut]:
    """Hold out each value of ``key`` in turn, refit on the rest, project the held-out."""
    out: list[HeldOut] = []
    for group in sorted({key(s) for s in samples}):
        train = [s for s in samples if key(s) != group]
        fitted = fit(train, **fit_kw)
        for s in samples:
            if key(s) == group:
                r = s.log_residuals(fitted.theta(s.stack, s.family))
                out.append(HeldOut(s, group, r[0], r[1] if len(r) > 1 else None))
    return out


def quantile_bands(held: Iterable[HeldOut]) -> dict[str, dict[str, list[float]]]:
    """Per regime (and '*' pooled): p10/p90 of ln(measured / modelled) of tok/s/GPU and TPOT.
    A regime with fewer than BAND_MIN_POINTS residuals (of either) takes the pooled ones."""
    by: dict[str, list[HeldOut]] = {"*": []}
    for h in held:
        by["*"].append(h)
        by.setdefault(h.sample.regime, []).append(h)

    def q(values: list[float]) -> list[float] | None:
        if len(values) < BAND_MIN_POINTS:
            return None
        arr = -np.asarray(values)
        return [float(np.quantile(arr, 0.1)), float(np.quantile(arr, 0.9))]

    pooled_t = q([h.log_tput for h in by["*"]])
    pooled_p = q([h.log_tpot for h in by["*"] if h.log_tpot is not None])
    out: dict[str, dict[str, list[float]]] = {}
    for regime, hs in by.items():
        t = q([h.log_tput for h in hs]) or pooled_t
        p = q([h.log_tpot for h in hs if h.log_tpot is not None]) or pooled_p or t
        if t is not None and p is not None:
            out[regime] = {"tput": t, "tpot": p, "n": [float(len(hs))]}
    return out


# ---- the shipped parameters ------------------------------------------------------------------

@lru_cache(maxsize=1)
def shipped() -> dict[str, Any] | None:
    """The bundled fit (``roofline/data/efficiency.json``), or None when absent."""
    try:
        text = resources.files("tokenfab.roofline").joinpath("data", EFFICIENCY_FILE)
        data: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the bundled {EFFICIENCY_FILE} is unreadable ({exc}); reinstall "
                          "tokenfab") from None
    return data


def learned_efficiency(acc: Accelerator, engine: str,
                       data: Mapping[str, Any] | None = None) -> Efficiency:
    """The family default with ``engine``'s overheads, scaled by the fitted multipliers of
    its stack and family (pooled ones for a stack or family the fit never saw); the CPU and
    a missing file keep the defaults."""
    base = base_efficiency(acc.family, engine)
    data = data if data is not None else shipped()
    if data is None or acc.family == "cpu":
        return base
    fitted = Fitted.from_json(data["parameters"])
    return apply_multipliers(base, fitted.theta(stack_of(acc.family, engine), acc.family))


def learned_quantiles(regime: str, data: Mapping[str, Any] | None = None
                      ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((q10, q90) of ln(measured/modelled) tok/s/GPU, same for TPOT) of ``regime``'s
    cross-validated residuals (pooled where the regime has too few); None without a fit."""
    data = data if data is not None else shipped()
    if data is None:
        return None
    bands = data.get("bands", {})
    b = bands.get(regime) or bands.get("*")
    if b is None:
        return None
    return (b["tput"][0], b["tput"][1]), (b["tpot"][0], b["tpot"][1])


__all__ = ["PARAMS", "Batch", "Fitted", "HeldOut", "Sample", "Trace", "apply_multipliers",
           "base_efficiency", "cross_validate", "fit", "learned_efficiency",
           "learned_quantiles", "quantile_bands", "retime", "shipped", "stack_of",
           "trace_point"]
