"""``session.project.project``: the projection job as a library call, config to typed result."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tokenfab.cost.catalog import find_accelerator
from tokenfab.errors import ConfigError, StoreError
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.project import NO_BAND, project_point
from tokenfab.roofline.step import ENGINE_OVERHEADS, Efficiency
from tokenfab.schemas.config import LengthSpec, Slo
from tokenfab.schemas.projection import (
    MAX_CONCURRENCY,
    PROJECTION_SCHEMA_ID,
    ProjectConfig,
    ServingEngine,
)
from tokenfab.schemas.summary import RunSummary, Target
from tokenfab.session.project import calibration_for, p50_meets_slo, project, tier_for
from tokenfab.store import Store

FAST = {"model": "llama-3.1-8b", "isl": LengthSpec(mean=128), "osl": LengthSpec(mean=64)}


def cfg(**kw: object) -> ProjectConfig:
    return ProjectConfig.model_validate({**FAST, **kw})


def test_result_is_typed_and_reads_as_a_projection() -> None:
    res = project(cfg(hardware="H100,H200", concurrency="1,16", slo=Slo(tpot_ms=1000)))
    doc = res.to_json_dict()
    assert doc["schema"] == PROJECTION_SCHEMA_ID and doc["kind"] == "projection"
    assert len(res.points) == 4 and {p.hardware for p in res.points} == {
        "H100 SXM5 80GB", "H200 SXM 141GB"}
    for p in res.points:
        lo, hi = p.throughput.output_tok_s_per_gpu_range
        assert lo < hi and p.band.regime is not None
        # the range is the modelled value scaled by its regime's cross-validated residuals
        assert lo / p.throughput.output_tok_s_per_gpu < 1.0 < hi / lo
        assert p.provenance == "modelled" and p.cost is not None
        assert p.band.kind.startswith("p10–p90 of cross-validated residuals")
        assert p.band.kind == p.cost.band_kind
    # a loose SLO is met at every level: the best is the highest
    assert res.max_concurrency_meeting_slo == {"H100 SXM5 80GB": 16, "H200 SXM 141GB": 16}
    # H200 has more bandwidth at the same compute: it dominates H100 at equal concurrency
    assert [p.pareto for p in res.points] == [False, False, True, True]
    assert "ci95" not in str(doc["points"])


def test_an_unmeetable_slo_has_no_best() -> None:
    res = project(cfg(hardware="H100", concurrency="1", slo=Slo(tpot_ms=0.001)))
    assert res.max_concurrency_meeting_slo == {"H100 SXM5 80GB": None}


def test_p50_meets_slo_checks_every_bound() -> None:
    point = project_point(load_model("llama-3.1-8b"), find_accelerator("H100"),
                          precision="bf16", gpus=1, concurrency=1, isl=LengthSpec(mean=128),
                          osl=LengthSpec(mean=64), band=NO_BAND).point
    tpot = point.latency_ms["tpot"]
    ttft = point.latency_ms["ttft"]
    assert tpot is not None and ttft is not None
    assert p50_meets_slo(point, Slo(tpot_ms=tpot.p50, ttft_ms=ttft.p50))
    assert not p50_meets_slo(point, Slo(tpot_ms=tpot.p50, ttft_ms=ttft.p50 * 0.99))


def test_hardware_without_a_price_is_unpriced_not_an_error() -> None:
    res = project(cfg(hardware="MI300X", concurrency="1"))
    assert res.points[0].cost is None


@pytest.mark.parametrize(("tier", "message"), [
    ("nope", "hyperscaler_on_demand"),  # names the tiers H100 has
])
def test_unknown_tier_names_the_valid_ones(tier: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        project(cfg(hardware="H100", concurrency="1", tier=tier))


def test_tier_for_defaults_to_cheapest_on_demand() -> None:
    h100 = find_accelerator("H100")
    assert tier_for(h100, None) == "neocloud_on_demand"
    assert tier_for(h100, "reserved_1y") == "reserved_1y"
    assert tier_for(find_accelerator("MI300X"), None) is None


def test_a_long_context_blames_the_kv_cache_not_the_weights() -> None:
    with pytest.raises(ConfigError) as exc:
        project(cfg(hardware="H100", concurrency="1", isl=LengthSpec(mean=900_000)))
    assert "kv cache" in str(exc.value).lower() and "--isl" in str(exc.value)
    assert "weights)" not in str(exc.value)


def test_a_model_too_big_blames_the_weights() -> None:
    with pytest.raises(ConfigError, match="does not fit.*GB of weights"):
        project(cfg(model="llama-3.1-405b", hardware="H100", concurrency="1"))


def test_every_hardware_is_checked_before_any_simulation(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    import tokenfab.session.project as session

    def no_simulation(*a: object, **k: object) -> None:
        raise AssertionError("simulated before the last hardware was checked")

    monkeypatch.setattr(session, "simulate_plan", no_simulation)
    with pytest.raises(ConfigError, match="--compute fp4: H100.* has no FP4"):
        project(cfg(hardware="B200,H100", compute="fp4", concurrency="1"))


def test_serving_engines_are_the_step_models() -> None:
    from typing import get_args

    assert set(get_args(ServingEngine)) == set(ENGINE_OVERHEADS)


@pytest.mark.parametrize(("kw", "words"), [
    ({"concurrency": "1.5"}, ["--concurrency", "whole number"]),
    ({"concurrency": "1e12"}, ["--concurrency", f"{MAX_CONCURRENCY:,}"]),
    ({"concurrency": str(MAX_CONCURRENCY + 1)}, ["--concurrency"]),
    ({"concurrency": "0"}, ["--concurrency"]),
    ({"concurrency": "1,,4"}, ["--concurrency", "empty"]),
    ({"concurrency": "nan"}, ["--concurrency"]),
    ({"concurrency": "four"}, ["--concurrency", "'four'"]),
    ({"hardware": ""}, ["--hardware is empty"]),
    ({"hardware": "H100,,B200"}, ["--hardware", "empty name"]),
    ({"model": " "}, ["--model is empty"]),
    ({"gpus": 0}, ["--gpus"]),
    ({"gpus": 2, "tp": 3}, ["--tp 3", "--gpus 2"]),
    ({"gpus": 6, "tp": 4}, ["--tp 4", "divide"]),
    ({"tp": 0}, ["--tp"]),
    ({"osl": LengthSpec(mean=40_000)}, ["--osl", "32,768"]),
    ({"osl": LengthSpec(kind="normal", mean=1000, std=1e5)}, ["--osl", "N(1000,100000)"]),
    ({"tier": ""}, ["--tier is empty"]),
    ({"calibrate_run": ""}, ["--calibrate is empty"]),
    ({"calibrate_precision": "int4"}, ["--calibrate-precision needs --calibrate"]),
    ({"db_url": "sqlite:///x.db"}, ["--db", "--calibrate"]),
])
def test_bad_config_names_the_flag(kw: dict[str, object], words: list[str]) -> None:
    with pytest.raises(ValidationError) as exc:
        cfg(**{"hardware": "H100", **kw})
    text = str(exc.value)
    for w in words:
        assert w in text, text


def _stored_run(tmp_path: Path, gpu_name: str) -> str:
    spec = load_model("llama-3.1-8b")
    acc = find_accelerator("H100")
    true = Efficiency(0.6, 0.35, 0.002, 35e-6, 10e-6, 60e-6)
    points = [project_point(spec, acc, precision="bf16", gpus=1, tp=1, concurrency=c,
                            isl=LengthSpec(mean=256), osl=LengthSpec(mean=256),
                            efficiency=true, band=NO_BAND).point for c in (1, 8, 32, 128)]
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with Store(url) as store:
        store.create_run("gpu1", kind="bench", label=None, config={},
                         environment={"gpus": [{"name": gpu_name}],
                                      "engine": {"kind": "external"}},
                         target_url="http://x", model="meta-llama/Llama-3.1-8B-Instruct",
                         started_unix_ns=0, clock_offset_ns=0)
        store.finish_run("gpu1", RunSummary(run_id="gpu1", target=Target(
            url="http://x", model="llama-3.1-8b"), points=points))
    return url


def test_calibrated_projection_carries_the_fit_and_its_band(tmp_path: Path) -> None:
    url = _stored_run(tmp_path, "NVIDIA H100 80GB HBM3")
    res = project(cfg(hardware="H100,MI300X", concurrency="8", calibrate_run="gpu1",
                      db_url=url))
    assert res.calibration is not None and res.calibration.family == "nvidia-hopper"
    h100, mi300x = res.points
    assert h100.band.kind.startswith("calibration RMS residual") and "(modelled)" in h100.band.kind
    assert h100.band.relative == pytest.approx(max(res.calibration.rms_log_residual or 0, 0.05))
    assert h100.cost is not None and h100.cost.band_kind == h100.band.kind
    assert mi300x.band.kind.startswith("p10–p90 of cross-validated residuals")
    assert "calibrated on run gpu1 for H100" in res.efficiency_source
    assert "learned from" in res.efficiency_source and "for the rest" in res.efficiency_source
    assert "db_url" not in res.to_json_dict()["config"]  # type: ignore[operator]


def test_calibrating_on_an_unknown_gpu_is_a_clear_error(tmp_path: Path) -> None:
    url = _stored_run(tmp_path, "Acme Tensor 9000")
    with pytest.raises(ConfigError, match="--calibrate gpu1.*not in the hardware catalog"):
        calibration_for(cfg(hardware="H100", calibrate_run="gpu1", db_url=url))


def test_calibrating_on_a_missing_run_names_it(tmp_path: Path) -> None:
    url = _stored_run(tmp_path, "NVIDIA H100 80GB HBM3")
    with pytest.raises(StoreError, match="nosuchrun"):
        calibration_for(cfg(hardware="H100", calibrate_run="nosuchrun", db_url=url))


def test_precision_axes_reach_every_point() -> None:
    res = project(cfg(model="gpt-oss-120b", hardware="H200,B200", weights="mxfp4",
                      kv_dtype="fp8", concurrency="4"))
    h200, b200 = res.points
    assert (h200.weights, h200.compute, h200.kv_dtype, h200.precision) == (
        "mxfp4", "bf16", "fp8", "fp4")
    assert b200.compute == "fp4"


def test_a_hub_ids_format_suffix_sets_the_weights_unless_a_flag_does() -> None:
    from tokenfab.session.project import weights_for

    assert weights_for(cfg(hardware="H100"), "fp8") == "fp8"
    assert weights_for(cfg(hardware="H100", precision="bf16"), "fp8") == "bf16"
    assert weights_for(cfg(hardware="H100", weights="int4-awq"), "fp8") == "int4-awq"
    assert weights_for(cfg(hardware="H100"), None) == "bf16"
