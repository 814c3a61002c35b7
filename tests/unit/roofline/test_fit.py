"""Learned efficiencies: the fast re-timing is the simulator, the fit recovers what made the
data and shrinks a thin group toward the pool, cross-validation never scores a point it fitted
on, and the shipped parameters reach the projection."""

from __future__ import annotations

import math

import pytest

from tokenfab.cost.catalog import find_accelerator
from tokenfab.roofline.fit import (
    PARAMS,
    Fitted,
    Sample,
    apply_multipliers,
    base_efficiency,
    cross_validate,
    fit,
    learned_efficiency,
    learned_quantiles,
    retime,
    stack_of,
    trace_point,
)
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.project import plan_replica, regime_of, simulate_plan
from tokenfab.schemas.config import LengthSpec

ISL, OSL = LengthSpec(mean=512), LengthSpec(mean=128)


def plan_for(model: str, hw: str, tp: int = 1, engine: str = "vllm"):  # type: ignore[no-untyped-def]
    acc = find_accelerator(hw)
    return plan_replica(load_model(model), acc, precision="fp8", gpus=tp, tp=tp, isl=ISL,
                        osl=OSL, engine=engine, efficiency=base_efficiency(acc.family, engine))


@pytest.mark.parametrize(("model", "hw", "tp", "streams"), [
    ("llama-3.1-8b", "H100", 1, 1), ("llama-3.1-70b", "H200", 2, 16),
    ("qwen3-30b-a3b", "B200", 1, 64)])
def test_retime_reproduces_the_simulation(model: str, hw: str, tp: int, streams: int) -> None:
    plan = plan_for(model, hw, tp)
    proj = simulate_plan(plan, concurrency=streams, isl=ISL, osl=OSL)
    trace = trace_point(plan.replica, streams, ISL, OSL, kv_budget_tokens=plan.kv_tokens)
    tput, tpot = retime(trace, plan.replica)
    assert tput / tp == pytest.approx(proj.output_tok_s_per_gpu, rel=1e-6)
    assert tpot == pytest.approx(proj.point.latency_ms["tpot"].p50, rel=1e-6)  # type: ignore[union-attr]
    assert trace.steps.size < trace.steps.sum()  # decode runs are blocked together


def synthetic(theta: list[float], specs: list[tuple[str, str, int, str]],
              source: str) -> list[Sample]:
    """Samples whose 'measurements' are the model itself at multipliers ``theta``."""
    out = []
    for model, hw, streams, engine in specs:
        plan = plan_for(model, hw, engine=engine)
        trace = trace_point(plan.replica, streams, ISL, OSL, kv_budget_tokens=plan.kv_tokens)
        s = Sample(f"{hw}-{model}-{streams}", source, hw, stack_of(plan.accelerator.family,
                   engine), plan.accelerator.family, regime_of(plan.replica, streams, 512, 128),
                   trace, plan.replica, 1, 1.0, 1.0)
        tput, tpot = s.predict(theta)
        out.append(Sample(**{**s.__dict__, "measured_tok_s_per_gpu": tput,
                             "measured_tpot_ms": tpot}))
    return out


SPECS = [(m, hw, c, "vllm") for m in ("llama-3.1-8b", "qwen3-30b-a3b")
         for hw in ("H100", "H200") for c in (1, 8, 64)]


def test_fit_recovers_the_multipliers_that_made_the_data() -> None:
    truth = [math.log(0.8), 0.0, 0.0, 0.0, math.log(1.5), 0.0, math.log(2.0)]
    samples = synthetic(truth, SPECS, "a")
    fitted = fit(samples)
    for s in samples:
        err = s.log_residuals(fitted.theta(s.stack, s.family))
        assert max(abs(e) for e in err) < 0.03
    untrained = max(abs(e) for s in samples for e in s.log_residuals([0.0] * 7))
    assert untrained > 0.2


def test_a_stack_with_few_points_borrows_from_the_pool() -> None:
    many = synthetic([math.log(0.7)] + [0.0] * 6, SPECS, "a")
    one = synthetic([math.log(0.7)] + [0.0] * 6, [("llama-3.1-8b", "H100", 8, "trtllm")], "b")
    fitted = fit(many + one)
    lone = fitted.stacks["nvidia-trtllm"]
    assert abs(lone[0]) < abs(fitted.pooled[0])  # its deviation is shrunk, the pool carries it
    unseen = fitted.theta("amd-vllm", "amd-cdna3")  # a stack the fit never saw: the pool
    assert unseen == pytest.approx(list(fitted.pooled))


def test_cross_validation_scores_each_point_once_with_its_group_held_out() -> None:
    samples = (synthetic([0.0] * 7, SPECS[:3], "a") + synthetic([0.0] * 7, SPECS[3:6], "b"))
    held = cross_validate(samples, lambda s: s.source, max_nfev=3)
    assert sorted(h.sample.point_id for h in held) == sorted(s.point_id for s in samples)
    assert all(h.fold == h.sample.source for h in held)


def test_learned_efficiency_scales_the_family_default() -> None:
    acc = find_accelerator("MI300X")
    theta = {p: 0.0 for p in PARAMS}
    data = {"parameters": {"pooled": {**theta, "fixed": math.log(2.0)},
                           "stacks": {"amd-vllm": {**theta, "memory": math.log(0.5)}},
                           "families": {}}}
    eff = learned_efficiency(acc, "vllm", data)
    base = base_efficiency(acc.family, "vllm")
    assert eff.eff_memory == pytest.approx(base.eff_memory * 0.5)
    assert eff.step_overhead_s == pytest.approx(base.step_overhead_s * 2.0)
    assert eff.eff_compute == base.eff_compute
    assert learned_efficiency(find_accelerator("H100"), "vllm", data).eff_memory == \
        pytest.approx(base_efficiency("nvidia-hopper", "vllm").eff_memory)


def test_multipliers_never_claim_more_than_peak() -> None:
    eff = apply_multipliers(base_efficiency("nvidia-hopper", "vllm"), [3.0] * 7)
    assert eff.eff_memory <= 1.0 and eff.eff_compute <= 1.0


def test_quantiles_fall_back_to_the_pooled_band() -> None:
    data = {"bands": {"*": {"tput": [-0.2, 0.1], "tpot": [-0.1, 0.3]},
                      "moe-memory": {"tput": [-0.3, 0.2], "tpot": [-0.2, 0.2]}}}
    assert learned_quantiles("moe-memory", data) == ((-0.3, 0.2), (-0.2, 0.2))
    assert learned_quantiles("dense-compute", data) == ((-0.2, 0.1), (-0.1, 0.3))


def test_fitted_round_trips_through_json() -> None:
    f = Fitted((0.1,) * 7, {"nvidia-vllm": (0.2,) * 7}, {"amd-cdna3": (-0.1,) * 7})
    assert Fitted.from_json(f.to_json()).theta("nvidia-vllm", "amd-cdna3") == \
        pytest.approx([0.2] * 7)


def test_the_batch_prices_every_sample_as_the_sample_does() -> None:
    import numpy as np

    from tokenfab.roofline.fit import Batch

    samples = synthetic([0.1, -0.2, 0.3, 0.0, 0.2, -0.1, 0.4], SPECS[:4], "a")
    theta = np.array([[0.05 * i - 0.1 * p for p in range(7)] for i in range(len(samples))])
    rt, rp = Batch(samples).log_residuals(theta)
    for i, s in enumerate(samples):
        assert [rt[i], rp[i]] == pytest.approx(s.log_residuals(list(theta[i])), abs=1e-9)


def test_bands_are_residual_quantiles_and_thin_regimes_take_the_pooled_ones() -> None:
    from types import SimpleNamespace

    from tokenfab.roofline.fit import HeldOut, quantile_bands

    def held(regime: str, r: float, tpot: float | None) -> HeldOut:
        return HeldOut(SimpleNamespace(regime=regime), "f", r, tpot)  # type: ignore[arg-type]

    many = [held("dense-memory", 0.01 * i, 0.02 * i) for i in range(-10, 11)]
    thin = [held("moe-compute", 0.5, None) for _ in range(8)]
    bands = quantile_bands(many + thin)
    # band on ln(measured / modelled) = −residual: p10 of −r over r in −0.1..0.1 is −0.08
    assert bands["dense-memory"]["tput"] == pytest.approx([-0.08, 0.08])
    assert bands["dense-memory"]["tpot"] == pytest.approx([-0.16, 0.16])
    assert bands["moe-compute"]["tput"] == pytest.approx([-0.5, -0.5])
    assert bands["moe-compute"]["tpot"] == bands["*"]["tpot"]  # no TPOT of its own: pooled
