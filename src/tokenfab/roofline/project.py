"""Projection: model × hardware × precision × GPUs × load -> modelled points and their price.

For each hardware and load level, ``tp`` defaults to the smallest power of two (≤ gpus) whose
share of the weights leaves room for KV; the rest of the GPUs are data-parallel replicas, each
serving ``concurrency / replicas`` streams. The batching simulator turns the analytic step model
into per-request records, summarized by the same metrics code as a real run; every figure is
``modelled``. Error bars: the point is re-simulated with the efficiency factors at the edges of
their uncertainty (±20% by default, or the calibration's ±1σ).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tokenfab.cost.catalog import Accelerator, find_accelerator, rental_usd_per_hour
from tokenfab.cost.price import price_modelled
from tokenfab.cost.tco import hourly_cost
from tokenfab.errors import ConfigError
from tokenfab.metrics.compute import summarize_point
from tokenfab.roofline.batchsim import SimSettings, simulate
from tokenfab.roofline.models import ModelSpec
from tokenfab.roofline.step import (
    BYTES_PER_PARAM,
    DEFAULT_EFFICIENCY,
    Device,
    Efficiency,
    ModelShape,
    ReplicaModel,
)
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.summary import CostSummary, PointSummary

TFLOPS = 1e12


def device_of(acc: Accelerator) -> Device:
    """Catalog entry -> Device (interconnect figure is bidirectional; one direction is half)."""
    peaks = {"bf16": acc.dense_bf16_tflops * TFLOPS}
    if acc.dense_fp8_tflops:
        peaks["fp8"] = acc.dense_fp8_tflops * TFLOPS
    if acc.dense_fp4_tflops:
        peaks["fp4"] = acc.dense_fp4_tflops * TFLOPS
    if acc.dense_int8_tops:
        peaks["int8"] = acc.dense_int8_tops * TFLOPS
    if getattr(acc, "dense_int4_tops", None):
        peaks["int4"] = float(acc.dense_int4_tops or 0) * TFLOPS
    link = (acc.interconnect_gb_s or 64.0) * 1e9 / 2
    return Device(acc.name, acc.family, acc.memory_gb * 1e9, acc.memory_tb_s * 1e12, peaks, link)


def shape_of(spec: ModelSpec, precision: str, kv_bytes: float = 2.0,
             context_len: int | None = None) -> ModelShape:
    """Weights at ``precision``; KV at ``kv_bytes`` per element, averaged over ``context_len``
    (caps sliding-window layers). FP4/INT4 checkpoints quantise the MLP/expert weights and keep
    attention and embeddings at 8 bits or more: dense weights are counted at 1 byte (assumed).
    """
    if precision not in BYTES_PER_PARAM:
        raise ConfigError(f"--precision {precision!r} is not one of: "
                          f"{', '.join(BYTES_PER_PARAM)}")
    dense_prec = "fp8" if precision in ("fp4", "int4") else precision
    experts = spec.n_experts
    moe_layers = spec.n_moe_layers if experts else 0
    expert_bytes = (spec.expert_weight_bytes(precision) / (moe_layers * experts)  # type: ignore[arg-type]
                    if experts and moe_layers else 0.0)
    dense = spec.dense_weight_bytes(dense_prec)  # type: ignore[arg-type]
    if not experts and precision in ("fp4", "int4"):
        dense = spec.dense_weight_bytes(precision)  # type: ignore[arg-type]
    return ModelShape(
        name=spec.name, n_layers=spec.n_layers, hidden=spec.hidden_size,
        dense_weight_bytes=dense, expert_bytes=expert_bytes,
        moe_layers=moe_layers, n_experts=experts, experts_per_token=spec.experts_per_token,
        kv_bytes_per_token=spec.kv_bytes_per_token(kv_dtype_bytes=kv_bytes,
                                                   context_len=context_len),
        kv_heads=0 if spec.is_mla else spec.n_kv_heads,
        linear_flops_per_token=spec.linear_flops_per_token(),
        attn_flops_per_context_token=spec.attention_flops_per_token(1),
    )


def kv_dtype_bytes(precision: str) -> float:
    """KV cache element size: FP8 KV alongside FP8/FP4/INT weights, BF16 otherwise (assumed)."""
    return 2.0 if precision in ("bf16", "fp16") else 1.0


def choose_tp(shape: ModelShape, device: Device, gpus: int, min_kv_tokens: int) -> int:
    """Smallest power of two ≤ gpus whose weight share leaves ``min_kv_tokens`` of KV."""
    tp = 1
    while tp <= gpus:
        rep = ReplicaModel(shape, device, "bf16", tp)
        if rep.max_kv_tokens() >= min_kv_tokens:
            return tp
        tp *= 2
    raise ConfigError(f"{shape.name} does not fit on {gpus}x {device.name} "
                      f"({shape.weight_bytes / 1e9:,.0f} GB of weights, "
                      f"{gpus * device.memory_bytes / 1e9:,.0f} GB of memory); add --gpus or "
                      "use a smaller --precision")


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
    fits: bool = True
    note: str | None = None


def _simulate_point(replica: ReplicaModel, conc_per_replica: int, isl: LengthSpec,
                    osl: LengthSpec, n_requests: int, settings: SimSettings,
                    seed: int) -> PointSummary:
    res = simulate(replica, mode="concurrency", value=conc_per_replica, n_requests=n_requests,
                   input_tokens=isl, output_tokens=osl, settings=settings, seed=seed,
                   warmup_requests=min(conc_per_replica, n_requests // 4))
    return summarize_point(res.records, mode="concurrency", value=conc_per_replica)


def project_point(spec: ModelSpec, acc: Accelerator, *, precision: str, gpus: int,
                  concurrency: int, isl: LengthSpec, osl: LengthSpec,
                  tp: int | None = None, efficiency: Efficiency | None = None,
                  uncertainty: float = 0.2, n_requests: int | None = None,
                  seed: int = 0, max_batch: int = 2048,
                  compute_precision: str | None = None, engine: str = "vllm") -> Projection:
    """``precision`` is the weights'; ``compute_precision`` (default: the same) the math's —
    weight-only formats such as MXFP4 on Hopper run their matmuls in BF16."""
    device = device_of(acc)
    compute = compute_precision or precision
    device.flops(compute)  # raises for a precision the hardware lacks
    ctx = int(isl.mean + osl.mean)
    shape = shape_of(spec, precision, kv_dtype_bytes(precision), context_len=max(ctx, 1))
    tp = tp or choose_tp(shape, device, gpus, min_kv_tokens=ctx * 8)
    if tp > gpus:
        raise ConfigError(f"--tp {tp} is larger than --gpus {gpus}")
    if gpus % tp:
        raise ConfigError(f"--gpus {gpus} is not a multiple of tensor parallelism {tp}")
    replicas = gpus // tp
    eff = efficiency or DEFAULT_EFFICIENCY.get(acc.family, Efficiency()).for_engine(engine)
    replica = ReplicaModel(shape, device, compute, tp, eff, prefill_context=isl.mean / 2)
    kv_tokens = replica.max_kv_tokens()
    if kv_tokens < ctx:
        raise ConfigError(f"{spec.name} at {precision} leaves no room for a {ctx}-token "
                          f"context on {tp}x {acc.name}; add --gpus or lower --precision")
    conc = max(1, math.ceil(concurrency / replicas))
    settings = SimSettings(max_batch_seqs=max_batch, max_batched_tokens=8192,
                           kv_budget_tokens=kv_tokens)
    n = n_requests or max(4 * conc, 64)
    point = _simulate_point(replica, conc, isl, osl, n, settings, seed)
    lo_rep = replica.with_efficiency(eff.scaled(1 - uncertainty, 1 - uncertainty,
                                                1 + uncertainty))
    hi_rep = replica.with_efficiency(eff.scaled(1 + uncertainty, 1 + uncertainty,
                                                1 - uncertainty))
    lo = _simulate_point(lo_rep, conc, isl, osl, n, settings, seed)
    hi = _simulate_point(hi_rep, conc, isl, osl, n, settings, seed)
    per_gpu = point.throughput.output_tok_s * replicas / gpus
    tp_ms = [st.p50 for p in (hi, lo) if (st := p.latency_ms.get("tpot")) is not None]
    return Projection(
        hardware=acc.name, precision=precision, gpus=gpus, tp=tp, replicas=replicas,
        point=point, output_tok_s_per_gpu=per_gpu,
        output_tok_s_per_gpu_range=(lo.throughput.output_tok_s * replicas / gpus,
                                    hi.throughput.output_tok_s * replicas / gpus),
        tpot_ms_range=(min(tp_ms), max(tp_ms)) if tp_ms else (math.nan, math.nan),
    )


def price_projection(proj: Projection, acc: Accelerator, tier: str | None = None,
                     profile: TcoProfile | None = None) -> CostSummary | None:
    """$/1M output tokens at the catalog's rental price (or a profile) for all GPUs."""
    if profile is None:
        try:
            rent = rental_usd_per_hour(acc, tier)
        except ConfigError:
            return None
        profile = TcoProfile(name=f"{acc.name} rental", accelerators=proj.gpus,
                             rental_usd_per_hour=rent, energy_included=True,
                             power_w=(acc.all_in_kw_per_accelerator or acc.tdp_w / 1000) * 1000)
    return price_modelled(hourly_cost(profile), output_tok_s=proj.output_tok_s_per_gpu * proj.gpus,
                          total_tok_s=proj.point.throughput.total_tok_s * proj.replicas,
                          output_tok_s_range=(proj.output_tok_s_per_gpu_range[0] * proj.gpus,
                                              proj.output_tok_s_per_gpu_range[1] * proj.gpus))


# Local CPU peak is not readable in a VM: assume 2 FMA units × 16 FP32 lanes × 2 FLOP × 2.5 GHz
# per core (AVX-512) = 160 GFLOP/s per core, for every precision (llama.cpp dequantises to FP32).
CPU_FLOPS_PER_CORE = 160e9


def local_accelerator() -> Accelerator:
    """This machine's CPU as a catalog entry: bandwidth measured, peak FLOPs assumed."""
    from tokenfab.cost.cpu_power import assumed_cpu_power_w
    from tokenfab.host.cpu import local_cpu

    cpu = local_cpu()
    tflops = cpu.logical_cores * CPU_FLOPS_PER_CORE / TFLOPS
    _, busy_w = assumed_cpu_power_w(cpu)
    src = "local CPU: measured by tokenfab" 
    return Accelerator(
        key="local", vendor="local", name=f"local CPU ({cpu.logical_cores} cores)",
        aliases=("local", "cpu"), family="cpu", dense_bf16_tflops=tflops,
        dense_fp8_tflops=tflops, dense_fp4_tflops=tflops, dense_int8_tops=tflops,
        dense_int4_tops=tflops, memory_gb=cpu.memory_gib * 1.073741824,
        memory_tb_s=cpu.mem_read_gb_s / 1000.0, tdp_w=busy_w,
        all_in_kw_per_accelerator=busy_w / 1000.0, interconnect_gb_s=None,
        rental_usd_per_hour={}, list_capex_usd=None,
        sources={"memory_tb_s": src + " (numpy read bandwidth, cached)",
                 "dense_bf16_tflops": f"assumed: {CPU_FLOPS_PER_CORE / 1e9:.0f} GFLOP/s per core",
                 "tdp_w": "assumed: Cloud Carbon Footprint per-vCPU busy power"},
    )


def resolve_hardware(names: Sequence[str]) -> list[Accelerator]:
    return [local_accelerator() if n.strip().lower() in ("local", "cpu")
            else find_accelerator(n.strip()) for n in names if n.strip()]
