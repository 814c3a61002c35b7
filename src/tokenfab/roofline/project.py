"""Projection: model × hardware × precision × GPUs × load -> modelled points and their price.

Precision has two axes (:func:`resolve_precision`): the weight format sets the bytes moved
(``models.WEIGHT_FORMAT_BYTES``), the compute precision the peak FLOP/s; the KV cache has its
own element type. Hardware without FP4 (or FP8) tensor cores runs such weights with 16-bit
compute: bytes moved drop, FLOP rates don't.

For each hardware, :func:`plan_replica` fixes the replica: ``tp`` defaults to the smallest
power of two (≤ gpus) whose share of the weights leaves KV room for 8 sequences of the mean
context (``isl + osl``); the rest of the GPUs are data-parallel replicas, each serving
``c = ceil(concurrency / replicas)`` streams; system throughput = replica throughput(c) ×
concurrency / c, so replicas without a stream are idle, not counted busy.
:func:`simulate_plan` runs the batching simulator on the analytic step model and summarizes
its per-request records with the same metrics code as a real run; every figure is
``modelled``.

Band: with the learned efficiencies (``roofline/fit.py``), a point's range is the p10–p90 of
the cross-validated log residuals of its regime: throughput × exp(q10..q90 of ln(measured /
modelled)), likewise TPOT. Otherwise each point is re-simulated with the efficiency factors at
the edges of a relative width ``w``: memory and compute efficiency × (1 ∓ w), fixed overheads
× (1 ± w); ±20% (assumed), or a calibration's RMS log residual (floored at 5%). :class:`Band`
says which, and the price's range carries that kind.

Pure apart from CPU time: no I/O. The local CPU is probed by the session and handed in as an
:class:`Accelerator` built by :func:`cpu_accelerator`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tokenfab.cost.catalog import Accelerator, rental_usd_per_hour
from tokenfab.cost.price import price_modelled
from tokenfab.cost.tco import hourly_cost
from tokenfab.errors import ConfigError
from tokenfab.metrics.compute import summarize_point
from tokenfab.roofline.batchsim import SimSettings, simulate
from tokenfab.roofline.models import WEIGHT_FORMAT_BYTES, ModelSpec
from tokenfab.roofline.sram import layout_non_hbm
from tokenfab.roofline.step import (
    Device,
    Efficiency,
    ModelShape,
    ReplicaModel,
)
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.projection import SHORTHAND_WEIGHTS
from tokenfab.schemas.summary import CostSummary, PointSummary
from tokenfab.schemas.types import Precision

TFLOPS = 1e12
KV_SEQUENCES_FOR_TP = 8  # the default tp leaves KV room for this many mean-length sequences
ASSUMED_BAND_WIDTH = 0.2
MIN_CALIBRATED_BAND_WIDTH = 0.05


@dataclass(frozen=True)
class Band:
    """A projection's range: the relative width its efficiency factors were varied by, and
    what that width is (printed and stored as the range's kind). With ``log_quantiles``
    ((q10, q90) of ln(measured/modelled) throughput, then of TPOT) the range is the modelled
    value × exp(q) instead, and ``regime`` names whose residuals they are."""

    relative: float
    kind: str
    log_quantiles: tuple[tuple[float, float], tuple[float, float]] | None = None
    regime: str | None = None


ASSUMED_BAND = Band(ASSUMED_BAND_WIDTH, f"efficiency ±{ASSUMED_BAND_WIDTH:.0%} (assumed)")
NO_BAND = Band(0.0, "none")


def calibration_band(rms_log_residual: float | None) -> Band:
    """width = max(rms_log_residual, 5%): a calibration's RMS log residual of TPOT and
    throughput, floored so that a near-perfect fit on few points does not claim ±0%."""
    rms = rms_log_residual if rms_log_residual is not None else 0.0
    width = max(rms, MIN_CALIBRATED_BAND_WIDTH)
    if rms >= MIN_CALIBRATED_BAND_WIDTH:
        return Band(width, f"calibration RMS residual ±{width:.0%} (modelled)")
    return Band(width, f"calibration RMS residual {rms:.1%}, floored at "
                       f"±{MIN_CALIBRATED_BAND_WIDTH:.0%} (modelled)")


def device_of(acc: Accelerator) -> Device:
    """Catalog entry -> Device (interconnect figure is bidirectional; one direction is half)."""
    peaks = {"bf16": acc.dense_bf16_tflops * TFLOPS}
    if acc.dense_fp8_tflops:
        peaks["fp8"] = acc.dense_fp8_tflops * TFLOPS
    if acc.dense_fp4_tflops:
        peaks["fp4"] = acc.dense_fp4_tflops * TFLOPS
    if acc.dense_int8_tops:
        peaks["int8"] = acc.dense_int8_tops * TFLOPS
    if acc.dense_int4_tops:
        peaks["int4"] = acc.dense_int4_tops * TFLOPS
    link = (acc.interconnect_gb_s or 64.0) * 1e9 / 2
    return Device(acc.name, acc.family, acc.memory_gb * 1e9, acc.memory_tb_s * 1e12, peaks, link)


def shape_of(spec: ModelSpec, precision: str, kv_bytes: float = 2.0,
             context_len: int | None = None) -> ModelShape:
    """Weights in ``precision``'s format (a weight format or precision class), at
    ``models.WEIGHT_FORMAT_BYTES`` per stored weight, scales included; KV at ``kv_bytes`` per
    element, averaged over ``context_len`` (caps sliding-window layers). Sub-8-bit MoE
    checkpoints quantise the expert weights and keep attention, shared experts and embeddings
    at 8 bits or more: their dense weights are counted at 1 byte (assumed); a dense sub-8-bit
    model is counted at its format throughout.
    """
    if precision not in WEIGHT_FORMAT_BYTES:
        raise ConfigError(f"--weights {precision!r} is not one of: "
                          f"{', '.join(WEIGHT_FORMAT_BYTES)}")
    width = WEIGHT_FORMAT_BYTES[precision]
    experts = spec.n_experts
    moe_layers = spec.n_moe_layers if experts else 0
    expert_bytes = (spec.expert_params() * width / (moe_layers * experts)
                    if experts and moe_layers else 0.0)
    dense_width = max(width, 1.0) if width < 1.0 and experts else width
    return ModelShape(
        name=spec.name, n_layers=spec.n_layers, hidden=spec.hidden_size,
        dense_weight_bytes=spec.dense_params() * dense_width, expert_bytes=expert_bytes,
        moe_layers=moe_layers, n_experts=experts, experts_per_token=spec.experts_per_token,
        kv_bytes_per_token=spec.kv_bytes_per_token(kv_dtype_bytes=kv_bytes,
                                                   context_len=context_len),
        kv_heads=0 if spec.is_mla else spec.n_kv_heads,
        linear_flops_per_token=spec.linear_flops_per_token(),
        attn_flops_per_context_token=spec.attention_flops_per_token(1),
    )


def kv_dtype_bytes(precision: str) -> float:
    """KV cache element size: FP8 KV alongside FP8/FP4/INT weights, BF16 otherwise (assumed).
    Bytes per cached element, not per weight: no group scales. A KV dtype names itself."""
    return 2.0 if precision in ("bf16", "fp16") else 1.0


@dataclass(frozen=True)
class PrecisionAxes:
    """Weight format (bytes moved), compute precision (peak FLOP/s) and KV-cache dtype."""

    weights: str
    compute: str
    kv_dtype: str

    def describe(self) -> str:
        return f"{self.weights} weights, {self.compute} compute, {self.kv_dtype} KV"


SIXTEEN_BIT = ("bf16", "fp16")


def resolve_precision(device: Device, *, precision: Precision = "bf16",
                      weights: str | None = None, compute: str | None = None,
                      kv_dtype: str | None = None) -> PrecisionAxes:
    """weights = ``weights`` or what ``precision`` stands for (fp4 → MXFP4, int4 → AWQ);
    compute = ``compute`` or, from the weights: 16-bit → the same; fp8/int8 → fp8/int8 where
    the hardware has it, else bf16; FP4 formats → fp4 where the hardware has FP4, else bf16
    (weight-only: dequantised to 16 bits); INT4/GGUF → bf16. kv = ``kv_dtype`` or bf16 beside
    16-bit weights, else fp8. An explicit compute the hardware lacks is a ConfigError."""
    w = weights or SHORTHAND_WEIGHTS[precision]
    if w not in WEIGHT_FORMAT_BYTES:
        raise ConfigError(f"--weights {w!r} is not one of: {', '.join(WEIGHT_FORMAT_BYTES)}")
    has = set(device.peak_flops) | {"fp16"}
    if compute is not None:
        if compute not in has and not (compute == "int8" and "fp8" in has):
            raise ConfigError(
                f"--compute {compute}: {device.name} has no {compute.upper()} tensor cores; use "
                f"one of: {', '.join(sorted(has))} (4-bit weights run with --compute bf16)")
        c = compute
    elif w in SIXTEEN_BIT:
        c = w
    elif w in ("fp8", "fp8-block", "int8"):
        c = ("int8" if w == "int8" else "fp8") if "fp8" in has or "int8" in has else "bf16"
    elif w in ("fp4", "mxfp4", "nvfp4"):
        c = "fp4" if "fp4" in has else "bf16"
    else:
        c = "bf16"
    kv = kv_dtype or (w if w in SIXTEEN_BIT else "fp8")
    return PrecisionAxes(w, c, kv)


def _does_not_fit(shape: ModelShape, device: Device, tp: int, context_tokens: int,
                  sequences: int) -> ConfigError:
    """The error for a replica of ``tp`` devices without KV room for ``sequences`` contexts:
    blames the weights when they alone overflow memory, else the KV cache of the context."""
    rep = ReplicaModel(shape, device, "bf16", tp)
    usable = device.memory_bytes * 0.9 * tp
    if rep.max_kv_tokens() == 0:
        return ConfigError(
            f"{shape.name} does not fit on {tp}x {device.name} "
            f"({shape.weight_bytes / 1e9:,.0f} GB of weights, {usable / 1e9:,.0f} GB of usable "
            "memory); add --gpus or use a smaller --precision")
    per_seq_gb = shape.kv_bytes_per_token * context_tokens / 1e9
    free_gb = usable / 1e9 - shape.weight_bytes / 1e9
    fit = rep.max_kv_tokens() // max(context_tokens, 1)
    room = ("not enough for one sequence" if fit < 1 else
            f"room for {fit}, fewer than the {sequences} the default --tp keeps room for "
            f"(pass --tp {tp} to project with that)")
    return ConfigError(
        f"a {context_tokens:,}-token context (--isl + --osl) needs {per_seq_gb:,.1f} GB of KV "
        f"cache per sequence; {free_gb:,.1f} GB is left beside {shape.name}'s weights on "
        f"{tp}x {device.name}: {room}; lower --isl/--osl or add --gpus")


def choose_tp(shape: ModelShape, device: Device, gpus: int, min_kv_tokens: int,
              context_tokens: int | None = None) -> int:
    """Smallest power of two ≤ gpus whose weight share leaves ``min_kv_tokens`` of KV."""
    tp = 1
    while tp <= gpus:
        rep = ReplicaModel(shape, device, "bf16", tp)
        if rep.max_kv_tokens() >= min_kv_tokens:
            return tp
        tp *= 2
    ctx = context_tokens or max(1, min_kv_tokens // KV_SEQUENCES_FOR_TP)
    raise _does_not_fit(shape, device, tp // 2, ctx, max(1, min_kv_tokens // ctx))


@dataclass(frozen=True)
class Plan:
    """One hardware's replica layout for a projection, checked to fit before any simulation."""

    accelerator: Accelerator
    replica: ReplicaModel
    precision: Precision
    gpus: int
    tp: int
    replicas: int
    kv_tokens: int  # KV budget per replica, tokens
    axes: PrecisionAxes | None = None
    engine: str = "vllm"


def plan_replica(spec: ModelSpec, acc: Accelerator, *, precision: Precision, gpus: int,
                 isl: LengthSpec, osl: LengthSpec, tp: int | None = None,
                 efficiency: Efficiency | None = None,
                 compute_precision: str | None = None, engine: str = "vllm",
                 weights: str | None = None, kv_dtype: str | None = None) -> Plan:
    """``precision`` is the shorthand for the weight format (``weights`` overrides it),
    ``compute_precision`` the math's and ``kv_dtype`` the KV cache's (:func:`resolve_precision`
    fills what is not given). Efficiency: ``efficiency``, else the learned one for the
    hardware family and ``engine`` (``roofline.fit.learned_efficiency``). Raises one-line
    ConfigErrors for a compute precision the hardware lacks, a bad ``tp`` and a model or
    context that does not fit."""
    from tokenfab.roofline.fit import learned_efficiency  # data file read once, on demand

    device = device_of(acc)
    axes = resolve_precision(device, precision=precision, weights=weights,
                             compute=compute_precision, kv_dtype=kv_dtype)
    ctx = int(isl.mean + osl.mean)
    shape = shape_of(spec, axes.weights, kv_dtype_bytes(axes.kv_dtype), context_len=max(ctx, 1))
    if acc.architecture != "hbm":  # SRAM chips, a wafer, a phone: roofline/sram.py
        lay = layout_non_hbm(shape, acc, device, compute=axes.compute, units=gpus,
                             context_tokens=ctx, prefill_context=isl.mean / 2,
                             efficiency=efficiency, depth=tp)
        chips = lay.chips_per_replica
        return Plan(acc, lay.replica, precision, chips * lay.replicas, chips, lay.replicas,
                    lay.replica.max_kv_tokens(), axes, engine)
    tp = tp or choose_tp(shape, device, gpus, min_kv_tokens=ctx * KV_SEQUENCES_FOR_TP,
                         context_tokens=ctx)
    if tp > gpus:
        raise ConfigError(f"--tp {tp} is larger than --gpus {gpus}")
    if gpus % tp:
        raise ConfigError(f"--gpus {gpus} is not a multiple of tensor parallelism {tp}")
    eff = efficiency or learned_efficiency(acc, engine)
    replica = ReplicaModel(shape, device, axes.compute, tp, eff, prefill_context=isl.mean / 2)
    kv_tokens = replica.max_kv_tokens()
    if kv_tokens < ctx:
        raise _does_not_fit(shape, device, tp, ctx, 1)
    return Plan(acc, replica, precision, gpus, tp, gpus // tp, kv_tokens, axes, engine)


@dataclass(frozen=True)
class Projection:
    hardware: str
    precision: str
    gpus: int
    tp: int
    replicas: int
    point: PointSummary
    output_tok_s_per_gpu: float
    output_tok_s_per_gpu_range: tuple[float, float]
    tpot_ms_range: tuple[float, float]
    band: Band = ASSUMED_BAND
    axes: PrecisionAxes | None = None


def _simulate_point(replica: ReplicaModel, conc_per_replica: int, isl: LengthSpec,
                    osl: LengthSpec, n_requests: int, settings: SimSettings,
                    seed: int) -> PointSummary:
    res = simulate(replica, mode="concurrency", value=conc_per_replica, n_requests=n_requests,
                   input_tokens=isl, output_tokens=osl, settings=settings, seed=seed,
                   warmup_requests=min(conc_per_replica, n_requests // 4))
    return summarize_point(res.records, mode="concurrency", value=conc_per_replica)


def regime_of(replica: ReplicaModel, streams: int, isl: float, osl: float) -> str:
    """The point's regime: '<moe|dense>-<memory|compute>', the bound of its mean step —
    B = streams decoding, P = streams × isl / osl prompt tokens, C = streams × (isl + osl/2)
    KV tokens — by :meth:`ReplicaModel.cost`."""
    b = max(streams, 1)
    cost = replica.cost(int(b * isl / max(osl, 1.0)), b, int(b * (isl + osl / 2)))
    kind = "moe" if replica.model.n_experts else "dense"
    return f"{kind}-{cost.bound}"


def simulate_plan(plan: Plan, *, concurrency: int, isl: LengthSpec, osl: LengthSpec,
                  band: Band = ASSUMED_BAND, n_requests: int | None = None, seed: int = 0,
                  max_batch: int = 2048) -> Projection:
    """Simulate ``max(4 × c, 64)`` requests on one replica at c = ceil(concurrency / replicas)
    streams. Per-GPU throughput = replica throughput × concurrency / c / gpus (only replicas
    holding streams produce tokens). Range: ``band``'s log quantiles of its regime where it
    has them, else two more simulations at the band's efficiency edges."""
    replica, gpus = plan.replica, plan.gpus
    eff, w = replica.efficiency, band.relative
    conc = max(1, math.ceil(concurrency / plan.replicas))
    busy = concurrency / conc  # replicas' worth of streams in flight
    settings = SimSettings(max_batch_seqs=max_batch, max_batched_tokens=8192,
                           kv_budget_tokens=plan.kv_tokens)
    n = n_requests or max(4 * conc, 64)
    try:
        point = _simulate_point(replica, conc, isl, osl, n, settings, seed)
    except ConfigError as exc:  # one sampled request longer than the whole KV budget
        raise ConfigError(f"{exc}; on {plan.tp}x {plan.accelerator.name} at most "
                          f"{plan.kv_tokens:,} tokens fit: narrow --isl/--osl or add --gpus"
                          ) from None
    per_gpu = point.throughput.output_tok_s * busy / gpus
    tpot = point.latency_ms.get("tpot")
    if band.log_quantiles is not None:
        (t10, t90), (p10, p90) = band.log_quantiles
        tput_range = (per_gpu * math.exp(t10), per_gpu * math.exp(t90))
        tpot_range = ((tpot.p50 * math.exp(p10), tpot.p50 * math.exp(p90)) if tpot
                      else (math.nan, math.nan))
    else:
        lo = _simulate_point(replica.with_efficiency(eff.scaled(1 - w, 1 - w, 1 + w)), conc,
                             isl, osl, n, settings, seed)
        hi = _simulate_point(replica.with_efficiency(eff.scaled(1 + w, 1 + w, 1 - w)), conc,
                             isl, osl, n, settings, seed)
        tp_ms = [st.p50 for p in (hi, lo) if (st := p.latency_ms.get("tpot")) is not None]
        tput_range = (lo.throughput.output_tok_s * busy / gpus,
                      hi.throughput.output_tok_s * busy / gpus)
        tpot_range = (min(tp_ms), max(tp_ms)) if tp_ms else (math.nan, math.nan)
    return Projection(
        hardware=plan.accelerator.name, precision=plan.precision, gpus=gpus, tp=plan.tp,
        replicas=plan.replicas, point=point, output_tok_s_per_gpu=per_gpu,
        output_tok_s_per_gpu_range=tput_range, tpot_ms_range=tpot_range, band=band,
        axes=plan.axes)


def project_point(spec: ModelSpec, acc: Accelerator, *, precision: Precision, gpus: int,
                  concurrency: int, isl: LengthSpec, osl: LengthSpec,
                  tp: int | None = None, efficiency: Efficiency | None = None,
                  band: Band = ASSUMED_BAND, n_requests: int | None = None,
                  seed: int = 0, max_batch: int = 2048,
                  compute_precision: str | None = None,
                  engine: str = "vllm", weights: str | None = None,
                  kv_dtype: str | None = None) -> Projection:
    """One point: :func:`plan_replica` then :func:`simulate_plan`."""
    plan = plan_replica(spec, acc, precision=precision, gpus=gpus, isl=isl, osl=osl, tp=tp,
                        efficiency=efficiency, compute_precision=compute_precision,
                        engine=engine, weights=weights, kv_dtype=kv_dtype)
    return simulate_plan(plan, concurrency=concurrency, isl=isl, osl=osl, band=band,
                         n_requests=n_requests, seed=seed, max_batch=max_batch)


def all_in_kw(acc: Accelerator) -> float:
    """All-in kW per accelerator: the catalog's figure, else TDP (assumed)."""
    return acc.all_in_kw_per_accelerator or acc.tdp_w / 1000


def price_projection(proj: Projection, acc: Accelerator, tier: str | None = None,
                     profile: TcoProfile | None = None) -> CostSummary:
    """$/1M output tokens at the catalog's rental price of ``tier`` (None: the cheapest
    on-demand tier) or under ``profile``, for all GPUs, through ``cost.price.price_modelled``;
    the price range is labelled with the projection's band. ConfigError when the catalog has
    no such price."""
    if profile is None:
        profile = TcoProfile(name=f"{acc.name} rental", accelerators=proj.gpus,
                             rental_usd_per_hour=rental_usd_per_hour(acc, tier),
                             energy_included=True, power_w=all_in_kw(acc) * 1000)
    return price_modelled(hourly_cost(profile), output_tok_s=proj.output_tok_s_per_gpu * proj.gpus,
                          total_tok_s=proj.point.throughput.total_tok_s * proj.replicas,
                          output_tok_s_range=(proj.output_tok_s_per_gpu_range[0] * proj.gpus,
                                              proj.output_tok_s_per_gpu_range[1] * proj.gpus),
                          band_kind=proj.band.kind)


# Local CPU peak is not readable in a VM: assume 2 FMA units × 16 FP32 lanes × 2 FLOP × 2.5 GHz
# per core (AVX-512) = 160 GFLOP/s per core, for every precision (llama.cpp dequantises to FP32).
CPU_FLOPS_PER_CORE = 160e9


def cpu_accelerator(*, logical_cores: int, memory_gib: float, mem_read_gb_s: float,
                    busy_w: float) -> Accelerator:
    """A CPU as a catalog entry: bandwidth measured (by the caller), peak FLOP/s =
    logical_cores × CPU_FLOPS_PER_CORE (assumed), power = ``busy_w`` (assumed)."""
    tflops = logical_cores * CPU_FLOPS_PER_CORE / TFLOPS
    src = "local CPU: measured by tokenfab"
    return Accelerator(
        key="local", vendor="local", name=f"local CPU ({logical_cores} cores)",
        aliases=("local", "cpu"), family="cpu", dense_bf16_tflops=tflops,
        dense_fp8_tflops=tflops, dense_fp4_tflops=tflops, dense_int8_tops=tflops,
        dense_int4_tops=tflops, memory_gb=memory_gib * 1.073741824,
        memory_tb_s=mem_read_gb_s / 1000.0, tdp_w=busy_w,
        all_in_kw_per_accelerator=busy_w / 1000.0, interconnect_gb_s=None,
        rental_usd_per_hour={}, list_capex_usd=None,
        sources={"memory_tb_s": src + " (numpy read bandwidth, cached)",
                 "dense_bf16_tflops": f"assumed: {CPU_FLOPS_PER_CORE / 1e9:.0f} GFLOP/s per core",
                 "tdp_w": "assumed: Cloud Carbon Footprint per-vCPU busy power"},
    )
