"""Calibration from measured points recovers the efficiency that produced them (no store)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tokenfab.cost.catalog import find_accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.calibrate import calibrate, measured_points
from tokenfab.roofline.fit import learned_efficiency
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.project import NO_BAND, project_point
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.summary import PointSummary

# the truth: the learned H100/vLLM efficiency with slower memory and compute and a larger
# per-step cost — what calibration refines (it starts from the learned factors)
LEARNED = learned_efficiency(find_accelerator("H100"), "vllm")
TRUE = replace(LEARNED.scaled(memory=0.75, compute=0.7), step_overhead_s=0.002)


def generated_points() -> list[PointSummary]:
    """What a run at 1/8/32/128 streams would have measured if TRUE were the truth."""
    spec = load_model("llama-3.1-8b")
    acc = find_accelerator("H100")
    return [project_point(spec, acc, precision="bf16", gpus=1, tp=1, concurrency=c,
                          isl=LengthSpec(mean=256), osl=LengthSpec(mean=256),
                          efficiency=TRUE, band=NO_BAND).point
            for c in (1, 8, 32, 128)]


def test_measured_points_are_the_closed_loop_means() -> None:
    pts = measured_points(generated_points())
    assert [p.concurrency for p in pts] == [1, 8, 32, 128]
    assert all(p.isl == pytest.approx(256) and p.osl == pytest.approx(256) for p in pts)


def test_recovers_the_generating_efficiency() -> None:
    cal = calibrate("gpu1", measured_points(generated_points()), load_model("llama-3.1-8b"),
                    find_accelerator("H100"), precision="bf16", engine="vllm")
    assert cal.family == "nvidia-hopper" and cal.run_id == "gpu1"
    assert cal.rms_log_residual is not None and cal.rms_log_residual < 0.05
    assert max(abs(r) for r in cal.residuals_pct) < 8
    assert cal.efficiency.eff_memory == pytest.approx(TRUE.eff_memory, rel=0.25)
    summary = cal.summary()
    assert summary.eff_memory == cal.efficiency.eff_memory and summary.provenance == "modelled"


def test_no_usable_points_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no measured points"):
        calibrate("empty", [], load_model("llama-3.1-8b"), find_accelerator("H100"),
                  precision="bf16", engine="vllm")


def test_calibration_reads_no_store() -> None:
    from pathlib import Path

    import tokenfab.roofline.calibrate as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "tokenfab.store" not in source
