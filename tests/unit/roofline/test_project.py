"""Projection math: byte widths reach the step model, bands say what they are, prices carry
the band's kind, and a context that does not fit blames the KV cache."""

from __future__ import annotations

import pytest

from tokenfab.cost.catalog import find_accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.models import BYTES_PER_PARAM, GROUP_SCALE_BYTES_PER_WEIGHT
from tokenfab.roofline.project import (
    ASSUMED_BAND,
    Band,
    calibration_band,
    cpu_accelerator,
    plan_replica,
    price_projection,
    project_point,
    shape_of,
)
from tokenfab.schemas.config import LengthSpec


@pytest.mark.parametrize(("rms", "width", "kind"), [
    (0.07, 0.07, "calibration RMS residual ±7% (modelled)"),
    (0.2, 0.2, "calibration RMS residual ±20% (modelled)"),
    (0.01, 0.05, "calibration RMS residual 1.0%, floored at ±5% (modelled)"),
    (None, 0.05, "calibration RMS residual 0.0%, floored at ±5% (modelled)"),
])
def test_calibration_band_is_labelled_with_its_real_width(rms: float | None, width: float,
                                                          kind: str) -> None:
    assert calibration_band(rms) == Band(pytest.approx(width), kind)  # type: ignore[arg-type]


def test_assumed_band() -> None:
    assert (ASSUMED_BAND.relative, ASSUMED_BAND.kind) == (0.2, "efficiency ±20% (assumed)")


def test_four_bit_weights_carry_their_group_scales() -> None:
    dense = load_model("llama-3.1-8b")
    shape = shape_of(dense, "fp4")
    assert BYTES_PER_PARAM["fp4"] == 0.5 + GROUP_SCALE_BYTES_PER_WEIGHT == 0.53125
    assert shape.dense_weight_bytes == pytest.approx(dense.dense_params() * 0.53125)
    moe = load_model("gpt-oss-120b")
    shape = shape_of(moe, "fp4")
    # experts at 4.25 bits; attention, router and embeddings at fp8's 1 byte
    assert shape.dense_weight_bytes == pytest.approx(moe.dense_params() * 1.0)
    per_expert = moe.params_per_expert() * 0.53125
    assert shape.expert_bytes == pytest.approx(per_expert)


def test_price_carries_the_band_kind() -> None:
    proj = project_point(load_model("llama-3.1-8b"), find_accelerator("H100"),
                         precision="bf16", gpus=1, concurrency=4, isl=LengthSpec(mean=128),
                         osl=LengthSpec(mean=64), band=Band(0.1, "calibration RMS residual "
                                                            "±10% (modelled)"))
    cost = price_projection(proj, find_accelerator("H100"), "reserved_1y")
    assert cost.band_kind == "calibration RMS residual ±10% (modelled)" and not cost.ci95
    lo, hi = cost.band["usd_per_mtok_output_all_in"]
    assert cost.usd_per_mtok_output is not None and lo < cost.usd_per_mtok_output < hi
    # $/1M = usd_per_hour / (tok/s × 3600) × 1e6 with the reserved tier's $2.10/h
    assert cost.usd_per_mtok_output == pytest.approx(
        2.10 / (proj.output_tok_s_per_gpu * 3600) * 1e6)


def test_price_for_a_tier_the_catalog_lacks_is_an_error() -> None:
    proj = project_point(load_model("llama-3.1-8b"), find_accelerator("H100"),
                         precision="bf16", gpus=1, concurrency=1, isl=LengthSpec(mean=64),
                         osl=LengthSpec(mean=16))
    with pytest.raises(ConfigError, match="nope"):
        price_projection(proj, find_accelerator("H100"), "nope")


def test_context_beyond_kv_blames_the_context_with_explicit_tp() -> None:
    with pytest.raises(ConfigError, match="KV cache per sequence.*not enough for one"):
        plan_replica(load_model("llama-3.1-8b"), find_accelerator("H100"), precision="bf16",
                     gpus=1, tp=1, isl=LengthSpec(mean=900_000), osl=LengthSpec(mean=64))


def test_cpu_accelerator_from_measured_facts() -> None:
    acc = cpu_accelerator(logical_cores=4, memory_gib=16.0, mem_read_gb_s=20.0, busy_w=20.0)
    # 4 cores × 160 GFLOP/s = 0.64 TFLOP/s; 20 GB/s = 0.02 TB/s; 16 GiB = 17.18 GB
    assert acc.dense_bf16_tflops == pytest.approx(0.64)
    assert acc.memory_tb_s == pytest.approx(0.02)
    assert acc.memory_gb == pytest.approx(17.179869184)
    assert acc.family == "cpu" and not acc.rental_usd_per_hour


@pytest.mark.parametrize(("hw", "compute"), [("H200", "bf16"), ("H100", "bf16"),
                                             ("B200", "fp4")])
def test_fp4_is_a_weight_format_that_projects_without_fp4_tensor_cores(hw: str,
                                                                       compute: str) -> None:
    spec, acc = load_model("gpt-oss-120b"), find_accelerator(hw)
    plan = plan_replica(spec, acc, precision="fp4", gpus=1, isl=LengthSpec(mean=1024),
                        osl=LengthSpec(mean=1024))
    assert plan.axes is not None
    assert (plan.axes.weights, plan.axes.compute, plan.axes.kv_dtype) == ("mxfp4", compute, "fp8")
    assert plan.replica.precision == compute  # FLOP rate of the compute precision


def test_four_bit_weights_move_fewer_bytes_at_the_same_flop_rate() -> None:
    spec, acc = load_model("llama-3.1-8b"), find_accelerator("H200")
    kw = {"gpus": 1, "isl": LengthSpec(mean=256), "osl": LengthSpec(mean=64)}
    w4 = plan_replica(spec, acc, precision="bf16", weights="int4-awq", **kw)  # type: ignore[arg-type]
    w16 = plan_replica(spec, acc, precision="bf16", **kw)  # type: ignore[arg-type]
    assert w4.replica.precision == w16.replica.precision == "bf16"
    assert w4.replica.model.weight_bytes < 0.27 * w16.replica.model.weight_bytes
    assert w4.replica.step_s(0, 1, 300) < 0.5 * w16.replica.step_s(0, 1, 300)
    assert w4.replica.cost(8192, 0, 0).compute_s == w16.replica.cost(8192, 0, 0).compute_s


@pytest.mark.parametrize(("fmt", "bytes_per_weight"), [
    ("nvfp4", 0.5625), ("mxfp4", 0.53125), ("q4_k", 0.5625), ("q8_0", 1.0625),
    ("fp8-block", 1.0)])
def test_weight_formats_count_their_scales(fmt: str, bytes_per_weight: float) -> None:
    spec = load_model("llama-3.1-8b")
    assert shape_of(spec, fmt).weight_bytes == pytest.approx(spec.total_params()
                                                             * bytes_per_weight)


def test_a_compute_precision_the_hardware_lacks_names_the_flag() -> None:
    with pytest.raises(ConfigError, match="--compute fp4: H100.* has no FP4 tensor cores"):
        plan_replica(load_model("llama-3.1-8b"), find_accelerator("H100"), precision="bf16",
                     compute_precision="fp4", gpus=1, isl=LengthSpec(mean=128),
                     osl=LengthSpec(mean=128))


def test_idle_replicas_are_not_counted_busy() -> None:
    spec, acc = load_model("llama-3.1-8b"), find_accelerator("H100")
    kw = {"precision": "bf16", "gpus": 8, "tp": 2, "isl": LengthSpec(mean=128),
          "osl": LengthSpec(mean=64), "n_requests": 32}
    one = project_point(spec, acc, concurrency=1, **kw)  # type: ignore[arg-type]
    four = project_point(spec, acc, concurrency=4, **kw)  # type: ignore[arg-type]
    assert four.output_tok_s_per_gpu == pytest.approx(4 * one.output_tok_s_per_gpu)
    assert one.output_tok_s_per_gpu_range[1] < four.output_tok_s_per_gpu
