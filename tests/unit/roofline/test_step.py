"""The per-step analytic model against hand calculations."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from tokenfab.errors import ConfigError
from tokenfab.roofline.calibrate import MeasuredPoint, fit_by_simulation
from tokenfab.roofline.step import Device, Efficiency, ModelShape, ReplicaModel, experts_hit

DEV = Device("test", "nvidia-hopper", 80e9, 1e12, {"bf16": 1e15, "fp8": 2e15}, 450e9)
NO_OVERHEAD = Efficiency(0.5, 0.5, 0.0, 0.0, 0.0, 0.0)


def dense(weights: float = 1e9, kv: float = 1e5) -> ModelShape:
    return ModelShape("dense", n_layers=10, hidden=4096, dense_weight_bytes=weights,
                      expert_bytes=0.0, moe_layers=0, n_experts=0, experts_per_token=0,
                      kv_bytes_per_token=kv, kv_heads=8, linear_flops_per_token=2e9,
                      attn_flops_per_context_token=1e5)


@pytest.mark.parametrize(("tokens", "expected"), [(1, 2.0), (2, 8 * (1 - 0.75**2)),
                                                  (0, 0.0), (10_000, 8.0)])
def test_experts_hit(tokens: int, expected: float) -> None:
    assert experts_hit(tokens, 8, 2) == pytest.approx(expected)


def test_memory_bound_decode() -> None:
    r = ReplicaModel(dense(), DEV, "bf16", 1, NO_OVERHEAD)
    c = r.cost(0, 1, 1000)
    # (1e9 weights + 1000 × 1e5 KV) / (1e12 × 0.5) = 2.2 ms; compute 2e9+1e8 / 5e14 ≪
    assert c.memory_s == pytest.approx(1.1e9 / 5e11)
    assert c.step_s == pytest.approx(c.memory_s) and c.bound == "memory"


def test_compute_bound_prefill() -> None:
    r = ReplicaModel(dense(), DEV, "fp8", 1, NO_OVERHEAD)
    c = r.cost(4096, 0, 0)
    # 4096 × 2e9 FLOPs / (2e15 × 0.5) = 8.192 ms > memory 2 ms
    assert c.compute_s == pytest.approx(4096 * 2e9 / 1e15) and c.bound == "compute"


def test_prefill_attention_counts_the_prefix() -> None:
    r0 = ReplicaModel(dense(), DEV, "bf16", 1, NO_OVERHEAD, prefill_context=0)
    r1 = ReplicaModel(dense(), DEV, "bf16", 1, NO_OVERHEAD, prefill_context=500)
    extra = 1000 * 500 * 1e5 / (1e15 * 0.5)
    assert r1.cost(1000, 0, 1000).compute_s - r0.cost(1000, 0, 1000).compute_s == \
        pytest.approx(extra)


def test_tensor_parallel_splits_and_communicates() -> None:
    one = ReplicaModel(dense(), DEV, "bf16", 1, NO_OVERHEAD).cost(0, 8, 0)
    two = ReplicaModel(dense(), DEV, "bf16", 2, NO_OVERHEAD).cost(0, 8, 0)
    assert two.memory_s == pytest.approx(one.memory_s / 2)
    # 2 × 10 layers × (2·(1/2)·8·4096·2 B / 450e9 + 5 µs + 2.5 µs × 2)
    assert two.comm_s == pytest.approx(20 * (8 * 4096 * 2 / 450e9 + 10e-6))


def test_fixed_costs() -> None:
    eff = Efficiency(0.5, 0.5, 1e-3, 30e-6, 10e-6, 60e-6)
    moe = ModelShape("moe", 10, 1024, 1e8, 1e6, 4, 8, 2, 1e4, 8, 1e8, 1e3)
    c = ReplicaModel(moe, DEV, "bf16", 1, eff).cost(0, 16, 0)
    assert c.overhead_s == pytest.approx(1e-3 + 10 * 10e-6 + 4 * 60e-6 + 16 * 30e-6)


def test_missing_precision_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no FP4 support"):
        ReplicaModel(dense(), DEV, "fp4", 1).cost(0, 1, 0)


def test_kv_capacity() -> None:
    r = ReplicaModel(dense(weights=8e9, kv=1e6), DEV, "bf16", 1)
    assert r.max_kv_tokens() == int((80e9 * 0.9 - 8e9) / 1e6)


def test_simulation_fit_moves_towards_the_truth() -> None:
    true = Efficiency(0.2, 0.1, 0.004, 0.0, 0.0, 0.0)

    def sim(eff: Efficiency, p: MeasuredPoint) -> tuple[float, float]:
        tpot = 10 / eff.eff_memory * 0.01 + p.concurrency * 0.5 / eff.eff_compute * 0.01 + \
            eff.step_overhead_s * 1000
        return tpot, p.concurrency * 1000 / tpot

    pts = [MeasuredPoint(c, *sim(true, MeasuredPoint(c, 1, 1, 128, 128)), 128, 128)
           for c in (1, 2, 4, 8)]
    start = Efficiency(0.3, 0.3, 0.005, 0.0, 0.0, 0.0)
    eff, resid, rms = fit_by_simulation(pts, start, sim)
    assert rms < 0.05 and max(abs(r) for r in resid) < 5
    assert math.isfinite(eff.eff_memory)


def moe(tp_heads: int = 8) -> ModelShape:
    return ModelShape("moe", n_layers=4, hidden=2048, dense_weight_bytes=2e8, expert_bytes=1e6,
                      moe_layers=4, n_experts=64, experts_per_token=4, kv_bytes_per_token=4e4,
                      kv_heads=tp_heads, linear_flops_per_token=1e9,
                      attn_flops_per_context_token=4e4)


@pytest.mark.parametrize("shape", [dense(), moe()])
@pytest.mark.parametrize("tp", [1, 4])
def test_step_times_is_the_step_model_over_arrays(shape: ModelShape, tp: int) -> None:
    import numpy as np

    from tokenfab.roofline.step import step_times

    rep = ReplicaModel(shape, DEV, "fp8", tp, Efficiency(eff_attention=0.5, eff_comm=0.8),
                       prefill_context=300.0)
    steps = [(0, 1, 100), (512, 0, 512), (0, 64, 70_000), (4096, 32, 200_000), (0, 0, 0)]
    p, b, c = (np.array(col, dtype=np.float64) for col in zip(*steps, strict=True))
    assert step_times(rep, p, b, c) == pytest.approx([rep.step_s(*s) for s in steps], rel=1e-12)


def test_attention_and_comm_efficiency_slow_only_their_part() -> None:
    base = ReplicaModel(dense(), DEV, "bf16", 2, NO_OVERHEAD, prefill_context=4096.0)
    slow_attn = base.with_efficiency(replace(NO_OVERHEAD, eff_attention=0.5))
    slow_comm = base.with_efficiency(replace(NO_OVERHEAD, eff_comm=0.5))
    c0, ca, cc = (r.cost(8192, 0, 0) for r in (base, slow_attn, slow_comm))
    attn_s = 8192 * 4096 * 1e5 / 2 / (1e15 * 0.5)
    assert ca.compute_s - c0.compute_s == pytest.approx(attn_s)
    assert ca.memory_s == c0.memory_s and ca.comm_s == c0.comm_s
    assert cc.comm_s == pytest.approx(2 * c0.comm_s) and cc.compute_s == c0.compute_s
