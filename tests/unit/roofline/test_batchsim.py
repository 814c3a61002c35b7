"""Batch simulator pinned against closed-form results for constant step times."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from tokenfab.errors import ConfigError
from tokenfab.metrics.compute import summarize_point
from tokenfab.roofline.batchsim import (
    NS_PER_S,
    LinearStepModel,
    SimSettings,
    expected_tokens_per_step,
    finish_step,
    simulate,
)
from tokenfab.schemas.config import LengthSpec
from tokenfab.workload.arrivals import arrival_offsets_s
from tokenfab.workload.lengths import sample_lengths

MS = 1_000_000
STEP_10MS = LinearStepModel(base_s=0.010)


def fixed(n: int) -> LengthSpec:
    return LengthSpec(kind="fixed", mean=n)


@dataclass
class Recorder:
    """Constant 10 ms steps that remember every call's arguments."""

    calls: list[tuple[int, int, int]] = field(default_factory=list)

    def step_s(self, prefill_tokens: int, decode_seqs: int, context_tokens: int) -> float:
        self.calls.append((prefill_tokens, decode_seqs, context_tokens))
        return 0.010


def test_ns_per_s_keeps_its_name_honest() -> None:
    assert NS_PER_S == 1_000_000_000


def test_one_client_matches_the_closed_form_and_summarize_point() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=1, n_requests=4,
                   input_tokens=fixed(100), output_tokens=fixed(50))
    for i, r in enumerate(res.records):
        assert (r.request_index, r.point_index, r.warmup) == (i, 0, False)
        assert r.sent_ns == i * 500 * MS  # the next request goes the instant one ends
        assert r.first_chunk_ns is not None and r.first_chunk_ns - r.sent_ns == 10 * MS
        assert r.end_ns - r.sent_ns == 500 * MS
        assert (r.input_tokens, r.output_tokens, r.chunk_ns) == (100, 50, [])
    point = summarize_point(res.records, mode="concurrency", value=1)
    ttft, tpot, e2e = (point.latency_ms[k] for k in ("ttft", "tpot", "e2e"))
    assert ttft is not None and ttft.min == ttft.max == 10.0
    assert tpot is not None and tpot.min == tpot.max == 10.0  # (500 - 10) / 49
    assert e2e is not None and e2e.p50 == 500.0
    assert point.duration_s == 2.0
    assert point.throughput.output_tok_s == 100.0  # 50 tokens / 0.5 s
    assert point.throughput.requests_per_s == 2.0
    assert (res.steps, res.sim_duration_ns, res.mean_batch) == (200, 2 * NS_PER_S, 1.0)


def test_four_clients_on_a_constant_step_give_four_times_the_throughput() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=4, n_requests=40,
                   input_tokens=fixed(100), output_tokens=fixed(50))
    point = summarize_point(res.records, mode="concurrency", value=4)
    tpot, ttft = point.latency_ms["tpot"], point.latency_ms["ttft"]
    assert tpot is not None and tpot.min == tpot.max == 10.0
    assert ttft is not None and ttft.max == 10.0
    assert point.throughput.output_tok_s == pytest.approx(400.0, rel=1e-12)
    assert res.mean_batch == 4.0
    assert res.max_kv_tokens == 4 * (100 + 49)  # last decode step attends input + 49 tokens


@pytest.mark.parametrize(("input_tokens", "budget", "prefill_steps"), [
    (1000, 256, 4),  # ceil(1000 / 256)
    (256, 256, 1),
    (257, 256, 2),
    (100, 8192, 1),
])
def test_chunked_prefill_takes_ceil_input_over_budget_steps(
        input_tokens: int, budget: int, prefill_steps: int) -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=1, n_requests=2,
                   input_tokens=fixed(input_tokens), output_tokens=fixed(50),
                   settings=SimSettings(max_batched_tokens=budget))
    for r in res.records:
        assert r.ttft_ns == prefill_steps * 10 * MS
        assert r.e2e_ns == (prefill_steps + 49) * 10 * MS


def test_chunks_share_the_step_budget_with_decodes() -> None:
    rec = Recorder()
    simulate(rec, mode="concurrency", value=2, n_requests=2, input_tokens=fixed(300),
             output_tokens=fixed(3), settings=SimSettings(max_batched_tokens=256))
    # step 0: A gets 256; step 1: A's last 44 + 212 of B; step 2: A decodes, B's last 88
    assert rec.calls[:3] == [(256, 0, 256), (44 + 212, 0, 300 + 212), (88, 1, 301 + 300)]


def test_a_batch_cap_below_the_clients_doubles_e2e() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=4, n_requests=10,
                   input_tokens=fixed(100), output_tokens=fixed(50),
                   settings=SimSettings(max_batch_seqs=2))
    e2e_ms = [r.e2e_ns / MS for r in res.records]
    assert e2e_ms == [500.0, 500.0] + [1000.0] * 8  # every later request waits one turn
    point = summarize_point(res.records, mode="concurrency", value=4)
    assert point.throughput.output_tok_s == pytest.approx(200.0, rel=1e-12)  # as 2 clients
    assert res.mean_batch == 2.0


def test_a_kv_budget_blocks_admission_like_a_batch_cap() -> None:
    kw = dict(mode="concurrency", value=4, n_requests=10, input_tokens=fixed(100),
              output_tokens=fixed(50))
    kv = simulate(STEP_10MS, settings=SimSettings(kv_budget_tokens=300), **kw)  # type: ignore[arg-type]
    cap = simulate(STEP_10MS, settings=SimSettings(max_batch_seqs=2), **kw)  # type: ignore[arg-type]
    assert [r.e2e_ns for r in kv.records] == [r.e2e_ns for r in cap.records]
    assert kv.max_kv_reserved_tokens == 300


def test_a_request_larger_than_the_kv_budget_is_refused() -> None:
    with pytest.raises(ConfigError, match="needs 150 KV tokens"):
        simulate(STEP_10MS, mode="concurrency", value=1, n_requests=1,
                 input_tokens=fixed(100), output_tokens=fixed(50),
                 settings=SimSettings(kv_budget_tokens=149))


def test_poisson_arrivals_at_low_rate_see_one_step_ttft() -> None:
    res = simulate(STEP_10MS, mode="rate", value=0.1, n_requests=200, seed=3,
                   input_tokens=fixed(100), output_tokens=fixed(50))
    ttft_ms = np.array([r.ttft_ns for r in res.records]) / MS
    assert np.median(ttft_ms) == 10.0  # an idle engine starts the step at the arrival
    assert ttft_ms.min() == 10.0 and ttft_ms.max() <= 20.0  # at worst one step in flight
    rng = np.random.default_rng(3)  # inputs, outputs, then arrivals from one generator
    sample_lengths(fixed(100), 200, rng)
    sample_lengths(fixed(50), 200, rng)
    offsets = arrival_offsets_s("poisson", 0.1, 200, rng)
    assert [r.sent_ns for r in res.records] == [round(o * NS_PER_S) for o in offsets]


def test_context_tokens_count_prompt_and_generated_kv() -> None:
    rec = Recorder()
    simulate(rec, mode="concurrency", value=1, n_requests=1, input_tokens=fixed(100),
             output_tokens=fixed(3))
    assert rec.calls == [(100, 0, 100), (0, 1, 101), (0, 1, 102)]


def test_one_output_token_ends_with_its_prefill_step() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=1, n_requests=2,
                   input_tokens=fixed(10), output_tokens=fixed(1))
    assert [(r.sent_ns, r.first_chunk_ns, r.end_ns) for r in res.records] == [
        (0, 10 * MS, 10 * MS), (10 * MS, 20 * MS, 20 * MS)]


def test_recorded_chunks_give_one_step_itl() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=2, n_requests=4,
                   input_tokens=fixed(100), output_tokens=fixed(20),
                   settings=SimSettings(record_chunks=True))
    for r in res.records:
        assert len(r.chunk_ns) == 20 and r.chunk_tokens == [1] * 20
        assert r.chunk_ns[0] == r.first_chunk_ns and r.chunk_ns[-1] == r.end_ns
    point = summarize_point(res.records, mode="concurrency", value=2)
    itl = point.latency_ms["itl"]
    assert itl is not None and itl.min == itl.max == 10.0


def test_speculative_decoding_with_full_acceptance_emits_k_plus_1_per_step() -> None:
    rec = Recorder()
    settings = SimSettings(spec_k=3, spec_acceptance=1.0, record_chunks=True)
    res = simulate(rec, mode="concurrency", value=1, n_requests=1, input_tokens=fixed(100),
                   output_tokens=fixed(50), settings=settings)
    r = res.records[0]
    assert r.chunk_tokens == [1] + [4] * 12 + [1]  # 49 after the first: 12 x 4 + 1
    assert r.e2e_ns == (1 + 13) * 10 * MS
    assert rec.calls[1] == (3, 1, 101)  # the k drafts are verified like prefill tokens
    assert res.tokens_per_decode_step == 4.0


def test_draft_cost_stretches_every_step() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=1, n_requests=1,
                   input_tokens=fixed(100), output_tokens=fixed(9),
                   settings=SimSettings(spec_k=3, spec_acceptance=1.0, spec_draft_cost=0.5))
    r = res.records[0]
    assert (r.ttft_ns, r.e2e_ns) == (15 * MS, 3 * 15 * MS)  # 1 prefill + 2 decode steps


@pytest.mark.parametrize(("k", "alpha", "expected"), [
    (0, 0.7, 1.0), (3, 1.0, 4.0), (3, 0.0, 1.0), (3, 0.5, 1.875), (1, 0.8, 1.8)])
def test_expected_tokens_per_step(k: int, alpha: float, expected: float) -> None:
    assert expected_tokens_per_step(k, alpha) == pytest.approx(expected)


def test_fractional_acceptance_keeps_whole_tokens_at_rate_e() -> None:
    settings = SimSettings(spec_k=3, spec_acceptance=0.5, record_chunks=True)
    res = simulate(STEP_10MS, mode="concurrency", value=3, n_requests=9, seed=1,
                   input_tokens=fixed(10), output_tokens=LengthSpec(kind="uniform", mean=500,
                                                                    low=200, high=800),
                   settings=settings)
    for r in res.records:
        assert sum(r.chunk_tokens) == r.output_tokens
        assert all(t >= 1 for t in r.chunk_tokens)
        decode_steps = len(r.chunk_tokens) - 1
        assert r.output_tokens is not None
        assert abs(decode_steps - (r.output_tokens - 1) / 1.875) <= 1.0
        assert r.e2e_ns == (1 + decode_steps) * 10 * MS


@pytest.mark.parametrize("e", [1.0, 1.875, 2.5, 4.0, 1.1])
def test_finish_step_is_the_first_step_that_covers_the_tokens(e: float) -> None:
    for d in range(0, 40):
        for tokens_left in range(1, 30):
            f = finish_step(d, tokens_left, e)
            assert int((f + 1) * e) - int(d * e) >= tokens_left
            assert f == d or int(f * e) - int(d * e) < tokens_left


def test_warmup_drains_before_measured_sends_like_the_real_runner() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=2, n_requests=3, warmup_requests=3,
                   input_tokens=fixed(100), output_tokens=fixed(50))
    warm = [r.warmup for r in res.records]
    assert warm == [True, True, True, False, False, False]
    # warm-ups 0,1 at 0; 2 at 500 ms (ends 1000 ms); measured 3 waits for it, not 500 ms
    assert [r.sent_ns // MS for r in res.records] == [0, 0, 500, 1000, 1000, 1500]
    point = summarize_point(res.records, mode="concurrency", value=2)
    assert point.requests.completed == 3 and point.duration_s == 1.0


def test_open_loop_warmup_rebases_measured_arrivals() -> None:
    res = simulate(STEP_10MS, mode="rate", value=100.0, arrival="constant", n_requests=2,
                   warmup_requests=2, input_tokens=fixed(10), output_tokens=fixed(5))
    # warm-ups at 0 and 10 ms; the second ends at 10 + 50 ms; measured go at 60 and 70 ms
    assert [r.sent_ns // MS for r in res.records] == [0, 10, 60, 70]


def test_same_seed_same_records() -> None:
    kw = dict(mode="rate", value=50.0, n_requests=300, seed=7,
              input_tokens=LengthSpec(kind="normal", mean=256, std=64),
              output_tokens=LengthSpec(kind="normal", mean=64, std=16))
    model = LinearStepModel(0.004, 1e-5, 2e-6, 1e-8)
    a = simulate(model, **kw)  # type: ignore[arg-type]
    b = simulate(model, **kw)  # type: ignore[arg-type]
    assert a == b and a.steps > 0


@pytest.mark.parametrize("bad", [0.0, -0.01, math.nan, math.inf])
def test_a_step_model_that_returns_no_time_is_an_error(bad: float) -> None:
    with pytest.raises(ValueError, match="step times must be finite and > 0"):
        simulate(LinearStepModel(bad), mode="concurrency", value=1, n_requests=1,
                 input_tokens=fixed(10), output_tokens=fixed(5))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"mode": "concurrency", "value": 1.5}, "whole number"),
    ({"mode": "concurrency", "value": 0}, "whole number"),
    ({"mode": "rate", "value": 0.0}, "positive number"),
    ({"mode": "burst", "value": 1}, "'concurrency' or 'rate'"),
    ({"mode": "concurrency", "value": 1, "settings": SimSettings(spec_acceptance=1.5)},
     "spec_acceptance"),
    ({"mode": "concurrency", "value": 1, "settings": SimSettings(max_batched_tokens=0)},
     "max_batched_tokens"),
])
def test_bad_inputs_name_the_fix(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        simulate(STEP_10MS, n_requests=1, input_tokens=fixed(10), output_tokens=fixed(5),
                 **kwargs)  # type: ignore[arg-type]


def test_no_requests_is_an_empty_result() -> None:
    res = simulate(STEP_10MS, mode="concurrency", value=4, n_requests=0,
                   input_tokens=fixed(10), output_tokens=fixed(5))
    assert (res.records, res.steps, res.sim_duration_ns, res.mean_batch) == ([], 0, 0, 0.0)
