"""SRAM, wafer and on-device parts: the formulas of ``roofline/sram.py`` against hand-computed
values, the layouts they pick, and ``tokenfab project`` on every seed platform."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line, succeeds

from tokenfab.cost.catalog import find_accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.project import device_of
from tokenfab.roofline.sram import (
    KV_SEQUENCES,
    USABLE_SRAM,
    PipelineReplica,
    chips_needed,
    layout_non_hbm,
    pipeline_step_s,
    streamed_step_s,
)
from tokenfab.roofline.step import Efficiency, ModelShape

# 4 GB of weights, 10 layers, 100 kB of KV per token, 8 GFLOP per token (hand-checkable).
TOY = ModelShape(name="toy", n_layers=10, hidden=1000, dense_weight_bytes=4e9, expert_bytes=0.0,
                 moe_layers=0, n_experts=0, experts_per_token=0, kv_bytes_per_token=1e5,
                 kv_heads=8, linear_flops_per_token=8e9, attn_flops_per_context_token=0.0)
EXACT = Efficiency(1.0, 1.0, 0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("weights", "kv", "sram", "usable", "expected"),
    [
        (36.6e9, 1.0e9, 0.23e9, 0.9, 182),  # ceil(37.6 / 0.207) = ceil(181.6)
        (4e9, 0.0, 1e9, 1.0, 4),  # exactly four chips' worth
        (4e9 + 1, 0.0, 1e9, 1.0, 5),  # one byte more needs a fifth chip
        (1.0, 0.0, 44e9, 0.9, 1),  # a small model on a wafer
        (0.0, 0.0, 1e9, 0.9, 1),  # never fewer than one
    ],
)
def test_chips_needed(weights: float, kv: float, sram: float, usable: float,
                      expected: int) -> None:
    assert chips_needed(weights, kv, sram, usable) == expected


def test_chips_needed_rejects_empty_chips() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        chips_needed(1e9, 0.0, 0.0)


@pytest.mark.parametrize(
    ("stages", "tokens", "kv", "expected_s"),
    [
        # S=1: max(4e9 / 1e12, 8 × 8e9 / 1e13) = max(4 ms, 6.4 ms): compute-bound, no hop
        (1, 8, 0.0, 6.4e-3),
        # S=2, T=1, b=1: 2 × (max(2e9/1e12, 8e9/2/1e13) + 1 µs + 1000 × 2 B / 1e9) = 4.006 ms
        (2, 1, 0.0, 2 * (2e-3 + 1e-6 + 2e-6)),
        # S=4, T=8, b=2 (share 1/4): memory (1e9 + 4e8/4/4)/1e12 = 1.025 ms beats compute
        # 64e9/4/4/1e13 = 0.4 ms; hop 1 µs + 2 × 2000 B / 1e9 = 5 µs; × 4 stages
        (4, 8, 4e8, 4 * (1.025e-3 + 5e-6)),
    ],
)
def test_pipeline_step_hand_computed(stages: int, tokens: int, kv: float,
                                     expected_s: float) -> None:
    got = pipeline_step_s(stages=stages, tokens=tokens, weight_bytes=4e9, kv_bytes=kv,
                          flops=tokens * 8e9, memory_bytes_per_s=1e12, peak_flops=1e13,
                          link_bytes_per_s=1e9, link_latency_s=1e-6, hidden=1000,
                          eff_memory=1.0, eff_compute=1.0)
    assert got == pytest.approx(expected_s)


def test_a_full_pipeline_serves_a_token_per_stage_at_the_cost_of_one() -> None:
    """One stream and S streams (one per stage) take the same step on a memory-bound
    pipeline: throughput grows S-fold, the seed's 'batch amortises' in SRAM form."""
    kw = {"stages": 8, "weight_bytes": 4e9, "kv_bytes": 0.0, "memory_bytes_per_s": 1e12,
          "peak_flops": 1e15, "link_bytes_per_s": 1e9, "link_latency_s": 1e-6,
          "hidden": 1000, "eff_memory": 1.0, "eff_compute": 1.0}
    one = pipeline_step_s(tokens=1, flops=8e9, **kw)  # type: ignore[arg-type]
    eight = pipeline_step_s(tokens=8, flops=64e9, **kw)  # type: ignore[arg-type]
    assert eight == pytest.approx(one)
    assert one == pytest.approx(4e9 / 1e12 + 8 * (1e-6 + 2e-6))


@pytest.mark.parametrize(
    ("eff", "expected_s"),
    [(1.0, 1.0 + 1e-6), (0.5, 2 * (1.0 + 1e-6))],  # 150 GB over 150 GB/s + 21 GB at 21 PB/s
)
def test_streamed_step_hand_computed(eff: float, expected_s: float) -> None:
    got = streamed_step_s(weight_bytes=150e9, kv_bytes=21e9, flops=1e12,
                          stream_bytes_per_s=150e9, memory_bytes_per_s=21e15,
                          peak_flops=1e17, eff_memory=eff, eff_compute=1.0)
    assert got == pytest.approx(expected_s)


def layout(key: str, units: int, **kw: object) -> tuple[PipelineReplica, int, int, str]:
    acc = find_accelerator(key)
    lay = layout_non_hbm(TOY, acc, device_of(acc), compute="bf16", units=units,
                         context_tokens=1000, prefill_context=0.0, **kw)  # type: ignore[arg-type]
    return lay.replica, lay.chips_per_replica, lay.replicas, lay.mode


def test_groq_spreads_a_model_over_the_chips_its_sram_needs() -> None:
    need = chips_needed(4e9, 1e5 * 1000 * KV_SEQUENCES, 0.23e9)
    assert need == 24  # ceil(4.8 GB / 0.207 GB)
    rep, chips, replicas, mode = layout("Groq", 1)
    assert (chips, replicas, mode, rep.tp) == (need, 1, "sram pipeline", need)
    assert rep.link_latency_s == pytest.approx(2e-6)  # catalog, assumed
    _, chips, replicas, _ = layout("Groq", 100)  # extra chips deepen the one pipeline
    assert (chips, replicas) == (100, 1)
    _, chips, replicas, _ = layout("Groq", 100, depth=25)  # --tp fixes the depth
    assert (chips, replicas) == (25, 4)


def test_groq_single_stream_step_is_weights_over_bandwidth_plus_hops() -> None:
    rep, chips, _, _ = layout("Groq", 1, efficiency=EXACT)
    step = rep.step_s(0, 1, 0)
    per_chip_compute = 8e9 / chips / 188e12
    per_chip_memory = 4e9 / chips / 80e12
    hop = 2e-6 + 1000 * 2 / 240e9  # one direction of the 480 GB/s bidirectional links
    assert step == pytest.approx(chips * (max(per_chip_compute, per_chip_memory) + hop))


def test_wafer_fits_on_wafer_else_streams_weights_from_memoryx() -> None:
    rep, chips, replicas, mode = layout("CS3", 1)
    assert (chips, replicas, mode, rep.stream_bytes_per_s) == (1, 1, "on-wafer", 0.0)
    big = ModelShape(**{**TOY.__dict__, "dense_weight_bytes": 100e9})
    acc = find_accelerator("CS3")
    lay = layout_non_hbm(big, acc, device_of(acc), compute="bf16", units=1,
                         context_tokens=1000, prefill_context=0.0, efficiency=EXACT)
    assert lay.mode == "weight streaming"
    assert lay.replica.step_s(0, 1, 1000) == pytest.approx(100e9 / 150e9 + 1e8 / 21e15)
    assert lay.replica.max_kv_tokens() == int(44e9 * USABLE_SRAM / 1e5)  # weights pass through
    lay = layout_non_hbm(big, acc, device_of(acc), compute="bf16", units=4,
                         context_tokens=1000, prefill_context=0.0)
    assert (lay.mode, lay.chips_per_replica) == ("wafer pipeline", 3)


def test_a_phone_is_bandwidth_bound_and_refuses_a_model_that_does_not_fit() -> None:
    rep, chips, _, mode = layout("phone-npu", 1, efficiency=EXACT)
    assert (chips, mode) == (1, "on-device")
    assert rep.step_s(0, 1, 1000) == pytest.approx((4e9 + 1e8) / 51.2e9)
    big = ModelShape(**{**TOY.__dict__, "dense_weight_bytes": 40e9})
    acc = find_accelerator("phone-npu")
    with pytest.raises(ConfigError, match="needs 40.1 GB .* leaves about 4.8 GB"):
        layout_non_hbm(big, acc, device_of(acc), compute="bf16", units=1,
                       context_tokens=1000, prefill_context=0.0)


@pytest.fixture
def wide(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "220")
    return isolated_env


def test_project_runs_on_every_seed_platform(wide: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeds(["project", "--model", "llama-3.1-8b", "--precision", "int4",
                    "--hardware", "A100,H100,H200,B200,GB200,B300,GB300,Rubin,MI300X,MI325X,"
                    "MI355X,Groq,Cerebras,phone-npu,snapdragon", "--isl", "128", "--osl", "32",
                    "--concurrency", "1"], capsys)
    for name in ("A100", "H100", "H200", "B200", "GB200", "B300", "GB300", "Rubin", "MI300X",
                 "MI325X", "MI355X", "Groq LPU", "Cerebras CS-3", "A17 Pro", "Snapdragon"):
        assert name in out, name
    assert "ranges:" in out


def test_project_on_a_phone_names_the_memory_it_lacks(
        wide: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(["project", "--model", "llama-2-70b", "--precision", "int4",
                       "--hardware", "phone-npu"], capsys, ["llama-2-70b", "A17 Pro", "GB"])
