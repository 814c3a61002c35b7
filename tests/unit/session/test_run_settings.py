"""How `tokenfab run` sizes the engine from the load it will send, and what it refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tokenfab.engines.embedded import embedded_model
from tokenfab.schemas.config import BenchConfig, LengthSpec
from tokenfab.schemas.run import MAX_SLOTS, RunConfig
from tokenfab.session.run import MAX_CTX_PER_SLOT, engine_settings, upper_tokens

MODEL = embedded_model(None)


def load(**kw: object) -> BenchConfig:
    base: dict[str, object] = {"url": "http://127.0.0.1:1", "model": "m", "values": (1.0, 4.0),
                               "requests_per_point": 4}
    return BenchConfig(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(("spec", "upper"), [
    (LengthSpec(mean=128), 128),
    (LengthSpec(kind="uniform", mean=300, low=100, high=500), 500),
    (LengthSpec(kind="normal", mean=256, std=64), 256 + 4 * 64),
    (LengthSpec(kind="normal", mean=256, std=64, max_tokens=300), 300),
])
def test_upper_tokens(spec: LengthSpec, upper: int) -> None:
    assert upper_tokens(spec) == upper


def test_slots_follow_the_highest_concurrency_and_context_the_longest_request() -> None:
    s = engine_settings(RunConfig(load=load(input_tokens=LengthSpec(mean=128),
                                            output_tokens=LengthSpec(mean=64))), MODEL)
    assert s.parallel_slots == 4
    assert s.ctx_per_slot == 128 + 64 + 128
    big = engine_settings(RunConfig(load=load(values=(4096.0,),
                                              input_tokens=LengthSpec(mean=900_000))), MODEL)
    assert big.parallel_slots == MAX_SLOTS and big.ctx_per_slot == MAX_CTX_PER_SLOT
    rate = engine_settings(RunConfig(load=load(mode="rate", values=(50.0,)), slots=3), MODEL)
    assert rate.parallel_slots == 3


def test_engine_args_are_split_as_a_shell_would() -> None:
    s = engine_settings(RunConfig(load=load(), engine_args=("--threads 2", "-ub=512")), MODEL)
    assert s.extra_args[-4:] == ["--threads", "2", "-ub", "512"]


@pytest.mark.parametrize(("kw", "needle"), [
    ({"engine_args": ("--alias 'x",)}, "--engine-arg"),
    ({"slots": 0}, "--slots"),
    ({"slots": MAX_SLOTS + 1}, "--slots"),
    ({"model_file": "/nonexistent/m.gguf"}, "--model-file"),
])
def test_refused_before_any_engine_starts(kw: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        RunConfig(load=load(), **kw)  # type: ignore[arg-type]
