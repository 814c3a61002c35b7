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
