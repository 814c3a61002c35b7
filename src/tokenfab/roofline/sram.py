"""Parts outside the HBM roofline, modelled as they are: SRAM chips, a wafer, a phone. Pure.

The catalog's ``architecture`` picks the model (``tokenfab.cost.catalog``); an ``hbm`` part never
comes here. Every figure is modelled; the inputs are catalog figures (spec or ``assumed``) and the
efficiency defaults below (assumed).

**sram** (Groq LPU: ``memory_gb`` of SRAM per chip, no DRAM). A model lives only in SRAM, so a
replica needs

    chips = ceil((weight_bytes + kv_reserve_bytes) / (sram_bytes_per_chip × USABLE_SRAM))

chips, laid out as a pipeline of ``S = chips`` stages (layers split evenly, assumed). One
continuous-batching step advances every sequence by one token; its ``T = P + B`` tokens flow
through the pipeline in microbatches of ``b = ceil(T / S)`` tokens, and a sequence's next token
waits for its previous one to leave the last stage, so

    t_stage(b) = max((W/S + KV × b/T / S) / (bw × eff_memory),
                     flops(T) × b/T / S / (peak × eff_compute))
                 + link_latency + b × hidden × 2 B / link_bytes_per_s
    step_s     = S × t_stage(b) + t_fixed

(one token of one stream: weight_bytes / bw + S × link latency; throughput grows with the
batch until each chip is compute-bound).

**wafer** (Cerebras CS-3: ``memory_gb`` of on-wafer SRAM, ``stream_gb_s`` to MemoryX). When
the weights and the KV reserve fit on the wafer(s) the part is an SRAM pipeline of ``S`` wafers
(S = 1: no hop); on a single wafer that cannot hold them, the weights are streamed from MemoryX
every step while the KV cache stays on the wafer:

    t_memory = weight_bytes / (stream_bytes_per_s × eff_memory) + KV / (bw × eff_memory)
    step_s   = max(t_memory, t_compute) + t_fixed

**on_device** (phone/laptop NPU: ``memory_gb`` of LPDDR at ``memory_tb_s``): one device, the
single-GPU roofline without communication; the model must fit in ``USABLE_DEVICE_MEMORY`` of
the device's memory (the OS and apps keep the rest).

    t_fixed = step_overhead_s + n_layers × layer_overhead_s + B × seq_overhead_s
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from tokenfab.cost.catalog import Accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.step import (
    Device,
    Efficiency,
    ModelShape,
    ReplicaModel,
    StepCost,
    experts_hit,
)

USABLE_SRAM = 0.9  # share of SRAM a compiler leaves to weights and KV (assumed)
USABLE_DEVICE_MEMORY = 0.6  # share of a phone's memory one app may hold (assumed)
KV_SEQUENCES = 8  # an SRAM replica keeps KV room for this many mean-length contexts (assumed)
ACTIVATION_BYTES = 2.0  # a hidden-state element sent between stages, bytes (16-bit)

NON_HBM_EFFICIENCY: dict[str, Efficiency] = {
    # Compiled, statically scheduled pipelines: no per-sequence scheduler cost (assumed).
    "groq-lpu": Efficiency(0.8, 0.5, 0.0002, 0.0, 0.0, 0.0),
    # Per-layer latency across the wafer fabric: 5 µs (assumed; an 80-layer model then decodes
    # one stream at ~2,000 tok/s, the order Cerebras publishes for Llama 3.1 70B).
    "cerebras-wse": Efficiency(0.8, 0.5, 0.0002, 0.0, 5e-6, 0.0),
    # llama.cpp-/Core ML-like runtime on a phone: 60% of LPDDR bandwidth (assumed).
    "on_device": Efficiency(0.6, 0.3, 0.002, 0.0, 0.0, 0.0),
}


def non_hbm_efficiency(acc: Accelerator) -> Efficiency:
    """The assumed efficiency of a non-HBM part: by family, else by architecture."""
    return NON_HBM_EFFICIENCY.get(acc.family, NON_HBM_EFFICIENCY.get(
        acc.architecture, NON_HBM_EFFICIENCY["groq-lpu"]))


def chips_needed(weight_bytes: float, kv_bytes: float, sram_bytes_per_chip: float,
                 usable_fraction: float = USABLE_SRAM) -> int:
    """ceil((weight_bytes + kv_bytes) / (sram_bytes_per_chip × usable_fraction)), at least 1."""
    if sram_bytes_per_chip <= 0 or usable_fraction <= 0:
        raise ValueError("SRAM per chip and its usable fraction must be > 0")
    return max(1, math.ceil((weight_bytes + kv_bytes) / (sram_bytes_per_chip * usable_fraction)))


def pipeline_step_s(*, stages: int, tokens: int, weight_bytes: float, kv_bytes: float,
                    flops: float, memory_bytes_per_s: float, peak_flops: float,
                    link_bytes_per_s: float, link_latency_s: float, hidden: int,
                    eff_memory: float, eff_compute: float) -> float:
    """S × t_stage(b) with b = ceil(T / S) (module docstring), without fixed costs.

    ``weight_bytes``/``kv_bytes``/``flops`` are the whole replica's for the step's ``tokens``.
    """
    s = max(stages, 1)
    t = max(tokens, 1)
    b = math.ceil(t / s)
    share = b / t
    t_mem = (weight_bytes / s + kv_bytes * share / s) / (memory_bytes_per_s * eff_memory)
    t_comp = flops * share / s / (peak_flops * eff_compute)
    hop = 0.0
    if s > 1:
        hop = link_latency_s + b * hidden * ACTIVATION_BYTES / link_bytes_per_s
    return s * (max(t_mem, t_comp) + hop)


def streamed_step_s(*, weight_bytes: float, kv_bytes: float, flops: float,
                    stream_bytes_per_s: float, memory_bytes_per_s: float, peak_flops: float,
                    eff_memory: float, eff_compute: float) -> float:
    """max(W / (stream × eff_m) + KV / (bw × eff_m), flops / (peak × eff_c)), no fixed costs."""
    t_mem = (weight_bytes / stream_bytes_per_s + kv_bytes / memory_bytes_per_s) / eff_memory
    return max(t_mem, flops / (peak_flops * eff_compute))


@dataclass(frozen=True)
class PipelineReplica(ReplicaModel):
    """The batching simulator's step model for sram/wafer/on_device parts (module docstring).

    ``tp`` is the pipeline depth ``S`` (chips or wafers; 1 for a phone or a streaming wafer).
    """

    architecture: str = "sram"
    link_latency_s: float = 0.0
    stream_bytes_per_s: float = 0.0  # > 0: weights streamed every step (wafer too small)
    usable_fraction: float = USABLE_SRAM

    def cost(self, prefill_tokens: int, decode_seqs: int, context_tokens: int) -> StepCost:
        m, d, e = self.model, self.device, self.efficiency
        tokens = prefill_tokens + decode_seqs
        hit = experts_hit(tokens, m.n_experts, m.experts_per_token)
        weights = m.dense_weight_bytes + m.moe_layers * hit * m.expert_bytes
        kv = context_tokens * m.kv_bytes_per_token
        attended = context_tokens + prefill_tokens * self.prefill_context
        flops = tokens * m.linear_flops_per_token + attended * m.attn_flops_per_context_token
        peak = d.flops(self.precision)
        overhead = (e.step_overhead_s + m.n_layers * e.layer_overhead_s
                    + m.moe_layers * e.moe_layer_overhead_s + decode_seqs * e.seq_overhead_s)
        if self.stream_bytes_per_s > 0:
            body = streamed_step_s(weight_bytes=weights, kv_bytes=kv, flops=flops,
                                   stream_bytes_per_s=self.stream_bytes_per_s,
                                   memory_bytes_per_s=d.memory_bytes_per_s, peak_flops=peak,
                                   eff_memory=e.eff_memory, eff_compute=e.eff_compute)
            t_mem = (weights / self.stream_bytes_per_s
                     + kv / d.memory_bytes_per_s) / e.eff_memory
        else:
            body = pipeline_step_s(stages=self.tp, tokens=tokens, weight_bytes=weights,
                                   kv_bytes=kv, flops=flops,
                                   memory_bytes_per_s=d.memory_bytes_per_s, peak_flops=peak,
                                   link_bytes_per_s=d.link_bytes_per_s,
                                   link_latency_s=self.link_latency_s, hidden=m.hidden,
                                   eff_memory=e.eff_memory, eff_compute=e.eff_compute)
            t_mem = (weights + kv) / (d.memory_bytes_per_s * e.eff_memory)
        t_comp = flops / (peak * e.eff_compute)
        comm = max(body - max(t_mem, t_comp), 0.0)
        return StepCost(body + overhead, t_mem, t_comp, comm, overhead)

    def weight_bytes_per_device(self) -> float:
        """Weights held per chip; a streaming wafer holds none (they pass through)."""
        return 0.0 if self.stream_bytes_per_s > 0 else self.model.weight_bytes / self.tp

    def max_kv_tokens(self, memory_fraction: float = 0.9) -> int:
        """KV tokens the replica's memory holds beside its resident weights:
        (S × memory × usable_fraction − resident weights) / kv_bytes_per_token."""
        del memory_fraction  # the architecture's own usable fraction applies
        total = self.device.memory_bytes * self.usable_fraction * self.tp
        free = total - self.weight_bytes_per_device() * self.tp
        return max(0, int(free / self.model.kv_bytes_per_token))


@dataclass(frozen=True)
class NonHbmLayout:
    """A non-HBM replica and how many of the part it spans; ``replicas`` copies are served."""

    replica: PipelineReplica
    chips_per_replica: int
    replicas: int
    mode: str  # "sram pipeline", "on-wafer", "wafer pipeline", "weight streaming", "on-device"


def layout_non_hbm(shape: ModelShape, acc: Accelerator, device: Device, *, compute: str,
                   units: int, context_tokens: int, prefill_context: float,
                   efficiency: Efficiency | None = None, depth: int | None = None
                   ) -> NonHbmLayout:
    """Lay ``shape`` out on a non-HBM part (module docstring).

    sram: chips = chips_needed(weights, KV for KV_SEQUENCES contexts) at least, whatever
    ``units`` says (a model cannot run on fewer). Without ``depth`` every one of ``units``
    chips beyond that joins the one pipeline (SRAM left beside the weights is KV room);
    ``depth`` (``--tp``) fixes the pipeline at max(depth, chips) and replicas = units // depth.
    wafer: the same with wafers when ``units`` wafers suffice, else one streaming wafer per
    replica (replicas = units). on_device: one device per replica; ConfigError when the model
    does not fit in USABLE_DEVICE_MEMORY of it.
    """
    eff = efficiency or non_hbm_efficiency(acc)
    kv_reserve = shape.kv_bytes_per_token * context_tokens * KV_SEQUENCES
    latency_s = (acc.chip_link_latency_us or 0.0) * 1e-6
    base = PipelineReplica(shape, device, compute, 1, eff, prefill_context,
                           architecture=acc.architecture, link_latency_s=latency_s)
    if acc.architecture == "on_device":
        usable = device.memory_bytes * USABLE_DEVICE_MEMORY
        need = shape.weight_bytes + shape.kv_bytes_per_token * context_tokens
        if need > usable:
            raise ConfigError(
                f"{shape.name} needs {need / 1e9:,.1f} GB (weights and one context) but "
                f"{acc.name} leaves about {usable / 1e9:,.1f} GB of its "
                f"{device.memory_bytes / 1e9:,.0f} GB to one app; use a smaller --model or "
                "fewer bits per weight")
        rep = replace(base, usable_fraction=USABLE_DEVICE_MEMORY)
        return NonHbmLayout(rep, 1, max(1, units), "on-device")
    chips = chips_needed(shape.weight_bytes, kv_reserve, device.memory_bytes)
    if acc.architecture == "wafer" and chips > units:
        stream = (acc.stream_gb_s or 0.0) * 1e9
        if stream <= 0:
            raise ConfigError(f"{shape.name} needs {chips} {acc.key} wafers; pass --gpus {chips}")
        if shape.kv_bytes_per_token * context_tokens > device.memory_bytes * USABLE_SRAM:
            raise ConfigError(f"one {context_tokens:,}-token context of {shape.name} does not "
                              f"fit in {acc.name}'s SRAM; lower --isl/--osl")
        rep = replace(base, stream_bytes_per_s=stream)
        return NonHbmLayout(rep, 1, units, "weight streaming")
    if acc.architecture == "sram":
        stages = max(chips, depth or units)
        rep = replace(base, tp=stages)
        return NonHbmLayout(rep, stages, max(1, units // stages), "sram pipeline")
    rep = replace(base, tp=chips)
    mode = "on-wafer" if chips == 1 else "wafer pipeline"
    return NonHbmLayout(rep, chips, max(1, units // chips), mode)


__all__ = ["NON_HBM_EFFICIENCY", "NonHbmLayout", "PipelineReplica", "chips_needed",
           "layout_non_hbm", "non_hbm_efficiency", "pipeline_step_s", "streamed_step_s"]
