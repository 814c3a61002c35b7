"""Per-step analytic model of one engine iteration on one model replica. Pure.

A replica spans ``tp`` accelerators (tensor/expert parallel). One continuous-batching step
processes ``P`` new prompt tokens (chunked prefill) and one token for each of ``B`` running
sequences, attending ``C`` KV tokens in total. Per accelerator:

    weight_bytes = (dense_bytes + moe_layers × experts_hit(T) × bytes_per_expert) / tp
        experts_hit(T) = E × (1 − (1 − k/E)^T),  T = P + B tokens routed through each MoE layer
    kv_bytes     = C × kv_bytes_per_token / kv_shards    (kv_shards = min(tp, kv_heads); MLA: 1)
    linear_flops = (P + B) × linear_flops_per_token / tp
    attn_flops   = attn_flops_per_context_token × (C + P × prefill_context) / tp
                   (each prompt token attends its prefix: prefill_context ≈ mean prompt length / 2)
    t_memory     = (weight_bytes + kv_bytes) / (memory_bytes_per_s × eff_memory)
    t_compute    = (linear_flops + attn_flops / eff_attention)
                   / (peak_flops(precision) × eff_compute)
    t_comm       = 2 × n_layers × (2 (tp − 1)/tp × (P + B) × hidden × 2 B / link_bytes_per_s
                   + allreduce_latency_s(tp)) / eff_comm    (tp > 1; two all-reduces per layer)
                   allreduce_latency_s(tp) = 5 µs + 2.5 µs × tp (small-message ring latency)
    t_fixed      = step_overhead_s + n_layers × layer_overhead_s + moe_layers × moe_layer_overhead_s
    step_s       = max(t_memory, t_compute) + t_comm + t_fixed + B × seq_overhead_s

``seq_overhead_s`` is the serving engine's per-running-sequence cost each step (scheduling,
sampling, detokenisation, less efficient attention kernels at large batch): fitted as ~35 µs
from vLLM's published TPOT growth with batch on H100 (ML.ENERGY Llama-3.1-8B, batch 32-512).

Efficiency factors (``eff_memory``, ``eff_compute``, ``step_overhead_s``) default per hardware
family (``DEFAULT_EFFICIENCY``); ``tokenfab.roofline.fit`` scales them per vendor software stack
and regime from published points, and ``--calibrate`` fits them to a measured run.
:func:`step_times` is the same formula over numpy arrays of steps (used to refit quickly).

Byte widths: :class:`ModelShape` arrives with its bytes already counted (weights at
``tokenfab.roofline.models.BYTES_PER_PARAM``, 4-bit group scales included; KV at the KV
element width), so the step model holds no byte-width table of its own. ``precision`` here is
the *compute* precision, which only picks the peak FLOP/s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from tokenfab.errors import ConfigError

FloatArray = npt.NDArray[np.float64]

ALLREDUCE_BASE_S = 5e-6
ALLREDUCE_PER_RANK_S = 2.5e-6


@dataclass(frozen=True)
class Efficiency:
    """Achieved fraction of peak memory bandwidth and compute, plus fixed per-step cost."""

    eff_memory: float = 0.75
    eff_compute: float = 0.5
    step_overhead_s: float = 0.0010
    seq_overhead_s: float = 35e-6
    layer_overhead_s: float = 10e-6
    moe_layer_overhead_s: float = 60e-6
    eff_attention: float = 1.0  # attention FLOPs run at eff_compute × this
    eff_comm: float = 1.0  # achieved fraction of the modelled all-reduce time

    def scaled(self, memory: float = 1.0, compute: float = 1.0,
               overhead: float = 1.0) -> Efficiency:
        return replace(self, eff_memory=min(self.eff_memory * memory, 1.0),
                       eff_compute=min(self.eff_compute * compute, 1.0),
                       step_overhead_s=self.step_overhead_s * overhead,
                       seq_overhead_s=self.seq_overhead_s * overhead,
                       layer_overhead_s=self.layer_overhead_s * overhead,
                       moe_layer_overhead_s=self.moe_layer_overhead_s * overhead)

    def for_engine(self, engine: str) -> Efficiency:
        """Apply a serving engine's per-step and per-sequence costs (ENGINE_OVERHEADS)."""
        if engine not in ENGINE_OVERHEADS:
            raise ConfigError(f"--engine {engine!r} is not one of: "
                              f"{', '.join(sorted(ENGINE_OVERHEADS))}")
        step_s, seq_s = ENGINE_OVERHEADS[engine]
        return replace(self, step_overhead_s=step_s, seq_overhead_s=seq_s)


# Serving-engine fixed costs per step and per running sequence (assumed, from published TPOT
# growth with batch): vLLM ~35 µs/sequence (ML.ENERGY H100 Llama-3.1-8B, batch 32-512).
ENGINE_OVERHEADS: dict[str, tuple[float, float]] = {
    "vllm": (0.0010, 35e-6),
    "sglang": (0.0010, 25e-6),
    "trtllm": (0.0005, 5e-6),
    "llama.cpp": (0.0050, 0.0),
}


# Defaults per hardware family (assumed; calibrate with `tokenfab project --calibrate RUN`).
DEFAULT_EFFICIENCY: dict[str, Efficiency] = {
    "nvidia-hopper": Efficiency(0.80, 0.55, 0.0012),
    "nvidia-blackwell": Efficiency(0.75, 0.50, 0.0012),
    "nvidia-ampere": Efficiency(0.75, 0.55, 0.0015),
    "nvidia-ada": Efficiency(0.75, 0.50, 0.0015),
    "amd-cdna3": Efficiency(0.65, 0.40, 0.0020),
    "amd-cdna4": Efficiency(0.65, 0.40, 0.0020),
    "cpu": Efficiency(0.30, 0.30, 0.0050, 0.0, 0.0, 0.0),
}


@dataclass(frozen=True)
class Device:
    """One accelerator as the model needs it (units in names)."""

    name: str
    family: str
    memory_bytes: float
    memory_bytes_per_s: float
    peak_flops: dict[str, float]  # by precision, dense
    link_bytes_per_s: float  # per-accelerator interconnect bandwidth (one direction)

    def flops(self, precision: str) -> float:
        key = "bf16" if precision == "fp16" else precision
        v = self.peak_flops.get(key)
        if v is None and key == "int8":
            v = self.peak_flops.get("fp8")
        if v is None:
            have = ", ".join(sorted(self.peak_flops))
            raise ConfigError(f"{self.name} has no {precision.upper()} support; use one of: "
                              f"{have}")
        return v


@dataclass(frozen=True)
class ModelShape:
    """The model quantities a step needs, for one replica, at a weight/KV precision."""

    name: str
    n_layers: int
    hidden: int
    dense_weight_bytes: float  # everything except routed experts
    expert_bytes: float  # one routed expert of one layer
    moe_layers: int
    n_experts: int
    experts_per_token: int
    kv_bytes_per_token: float
    kv_heads: int  # 0 for MLA (latent cache replicated across TP)
    linear_flops_per_token: float
    attn_flops_per_context_token: float  # 4 × layers × heads × head_dim

    @property
    def weight_bytes(self) -> float:
        return self.dense_weight_bytes + self.moe_layers * self.n_experts * self.expert_bytes


def experts_hit(tokens: float, n_experts: int, k: int) -> float:
    """Expected distinct experts a batch of ``tokens`` routes to: E × (1 − (1 − k/E)^T)."""
    if n_experts <= 0 or tokens <= 0:
        return 0.0
    miss: float = (1.0 - k / n_experts) ** tokens
    return n_experts * (1.0 - miss)


@dataclass(frozen=True)
class StepCost:
    """``step_s`` and its parts, for one iteration."""

    step_s: float
    memory_s: float
    compute_s: float
    comm_s: float
    overhead_s: float

    @property
    def bound(self) -> str:
        return "memory" if self.memory_s >= self.compute_s else "compute"


@dataclass(frozen=True)
class ReplicaModel:
    """Implements the batching simulator's ``StepModel`` for one model on ``tp`` devices."""

    model: ModelShape
    device: Device
    precision: str
    tp: int = 1
    efficiency: Efficiency = Efficiency()
    prefill_context: float = 0.0  # mean prefix a prompt token attends (≈ prompt length / 2)

    def cost(self, prefill_tokens: int, decode_seqs: int, context_tokens: int) -> StepCost:
        m, d, e, tp = self.model, self.device, self.efficiency, self.tp
        tokens = prefill_tokens + decode_seqs
        hit = experts_hit(tokens, m.n_experts, m.experts_per_token)
        weights = (m.dense_weight_bytes + m.moe_layers * hit * m.expert_bytes) / tp
        kv_shards = min(tp, m.kv_heads) if m.kv_heads > 0 else 1
        kv = context_tokens * m.kv_bytes_per_token / kv_shards
        attended = context_tokens + prefill_tokens * self.prefill_context
        flops = (tokens * m.linear_flops_per_token
                 + attended * m.attn_flops_per_context_token / e.eff_attention) / tp
        t_mem = (weights + kv) / (d.memory_bytes_per_s * e.eff_memory)
        t_comp = flops / (d.flops(self.precision) * e.eff_compute)
        t_comm = 0.0
        if tp > 1:
            size = tokens * m.hidden * 2.0
            t_comm = 2 * m.n_layers * (2 * (tp - 1) / tp * size / d.link_bytes_per_s
                                       + ALLREDUCE_BASE_S + ALLREDUCE_PER_RANK_S * tp
                                       ) / e.eff_comm
        overhead = (e.step_overhead_s + m.n_layers * e.layer_overhead_s
                    + m.moe_layers * e.moe_layer_overhead_s + decode_seqs * e.seq_overhead_s)
        step = max(t_mem, t_comp) + t_comm + overhead
        return StepCost(step, t_mem, t_comp, t_comm, overhead)

    def step_s(self, prefill_tokens: int, decode_seqs: int, context_tokens: int) -> float:
        return self.cost(prefill_tokens, decode_seqs, context_tokens).step_s

    def with_efficiency(self, eff: Efficiency) -> ReplicaModel:
        return replace(self, efficiency=eff)

    def weight_bytes_per_device(self) -> float:
        return self.model.weight_bytes / self.tp

    def max_kv_tokens(self, memory_fraction: float = 0.9) -> int:
        """KV tokens that fit beside the weights: (mem × frac − weights/tp) × shards / kv_bytes."""
        free = self.device.memory_bytes * memory_fraction - self.weight_bytes_per_device()
        if free <= 0:
            return 0
        shards = min(self.tp, self.model.kv_heads) if self.model.kv_heads > 0 else 1
        return int(free * shards / self.model.kv_bytes_per_token)


def step_parts(rep: ReplicaModel, prefill_tokens: FloatArray, decode_seqs: FloatArray,
               context_tokens: FloatArray
               ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(t_memory, t_compute of the linear layers, t_compute of attention, t_comm) of arrays
    of steps, at ``rep``'s efficiency (module docstring's formulas, elementwise)."""
    m, d, e, tp = rep.model, rep.device, rep.efficiency, rep.tp
    tokens = prefill_tokens + decode_seqs
    if m.n_experts > 0:
        hit = m.n_experts * (1.0 - (1.0 - m.experts_per_token / m.n_experts) ** tokens)
        hit = np.where(tokens > 0, hit, 0.0)
    else:
        hit = np.zeros_like(tokens)
    weights = (m.dense_weight_bytes + m.moe_layers * hit * m.expert_bytes) / tp
    kv_shards = min(tp, m.kv_heads) if m.kv_heads > 0 else 1
    kv = context_tokens * m.kv_bytes_per_token / kv_shards
    rate = d.flops(rep.precision) * e.eff_compute
    t_mem = (weights + kv) / (d.memory_bytes_per_s * e.eff_memory)
    t_lin = tokens * m.linear_flops_per_token / tp / rate
    attended = context_tokens + prefill_tokens * rep.prefill_context
    t_attn = attended * m.attn_flops_per_context_token / e.eff_attention / tp / rate
    t_comm = np.zeros_like(tokens)
    if tp > 1:
        t_comm = 2 * m.n_layers * (2 * (tp - 1) / tp * tokens * m.hidden * 2.0
                                   / d.link_bytes_per_s
                                   + ALLREDUCE_BASE_S + ALLREDUCE_PER_RANK_S * tp) / e.eff_comm
    return t_mem, t_lin, t_attn, t_comm


def step_overheads(rep: ReplicaModel, decode_seqs: FloatArray) -> FloatArray:
    """t_fixed + B × seq_overhead_s per step."""
    m, e = rep.model, rep.efficiency
    fixed = (e.step_overhead_s + m.n_layers * e.layer_overhead_s
             + m.moe_layers * e.moe_layer_overhead_s)
    out: FloatArray = fixed + decode_seqs * e.seq_overhead_s
    return out


def step_times(rep: ReplicaModel, prefill_tokens: FloatArray, decode_seqs: FloatArray,
               context_tokens: FloatArray) -> FloatArray:
    """:meth:`ReplicaModel.step_s` for arrays of steps (same formula, elementwise)."""
    t_mem, t_lin, t_attn, t_comm = step_parts(rep, prefill_tokens, decode_seqs, context_tokens)
    out: FloatArray = (np.maximum(t_mem, t_lin + t_attn) + t_comm
                       + step_overheads(rep, decode_seqs))
    return out
