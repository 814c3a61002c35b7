"""Calibration from a stored GPU run recovers the efficiency that produced it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokenfab.cost.catalog import find_accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.calibrate import calibration_from_run
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.project import project_point
from tokenfab.roofline.step import Efficiency
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.summary import RunSummary, Target
from tokenfab.store import Store

TRUE = Efficiency(0.6, 0.35, 0.002, 35e-6, 10e-6, 60e-6)


def _stored_run(tmp_path: Path, gpu_name: str) -> tuple[Store, str]:
    spec = load_model("llama-3.1-8b")
    acc = find_accelerator("H100")
    points = []
    for c in (1, 8, 32, 128):
        proj = project_point(spec, acc, precision="bf16", gpus=1, tp=1, concurrency=c,
                             isl=LengthSpec(mean=256), osl=LengthSpec(mean=256),
                             efficiency=TRUE, uncertainty=0.0)
        points.append(proj.point)
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    store.create_run("gpu1", kind="bench", label=None, config={},
                     environment={"gpus": [{"name": gpu_name}], "engine": {"kind": "external"}},
                     target_url="http://x", model="meta-llama/Llama-3.1-8B-Instruct",
                     started_unix_ns=0, clock_offset_ns=0)
    store.finish_run("gpu1", RunSummary(run_id="gpu1", target=Target(url="http://x",
                                                                     model="llama-3.1-8b"),
                                        points=points))
    return store, "gpu1"


def test_recovers_the_generating_efficiency(tmp_path: Path) -> None:
    store, run = _stored_run(tmp_path, "NVIDIA H100 80GB HBM3")
    cal = calibration_from_run(store, run)
    assert cal.family == "nvidia-hopper"
    assert cal.rms_log_residual is not None and cal.rms_log_residual < 0.05
    assert max(abs(r) for r in cal.residuals_pct) < 8
    assert cal.efficiency.eff_memory == pytest.approx(TRUE.eff_memory, rel=0.25)


def test_unknown_gpu_is_a_clear_error(tmp_path: Path) -> None:
    store, run = _stored_run(tmp_path, "Acme Tensor 9000")
    with pytest.raises(ConfigError, match="not in the hardware catalog"):
        calibration_from_run(store, run)
