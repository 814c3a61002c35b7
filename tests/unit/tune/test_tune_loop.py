"""The real trial loop of ``tokenfab tune`` (``session.tune.tune``), driven with a fake trial:
budget, resume from the state file, torn lines, exhaustion, best and Pareto front."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokenfab.errors import ConfigError
from tokenfab.schemas.config import Slo
from tokenfab.schemas.tune import Space, Trial, TrialConfig, TuneConfig
from tokenfab.session.tune import tune
from tokenfab.tune.search import next_config

SMALL = Space(precisions=("shipped", "Q4_0"), slots=(8, 1), threads=(2,), ctx_per_slot=(512,),
              lookup_n_max=(0,))


class FakeTrials:
    """$/1M = 1 + per-axis-value costs; quality 0.5; feasible unless listed as failing."""

    def __init__(self, cost: dict[str, float] | None = None,
                 fail: frozenset[str] = frozenset()) -> None:
        self.cost = cost or {}
        self.fail = fail
        self.seen: list[str] = []

    def __call__(self, cfg: TrialConfig) -> Trial:
        self.seen.append(cfg.key())
        if cfg.key() in self.fail:
            return Trial(config=cfg, usd_per_mtok_output=None, output_tok_s=0.0,
                         tpot_ms_p50=None, quality=0.0, meets_slo=False, meets_quality=False,
                         error="llama-server exited")
        usd = 1.0 + sum(self.cost.get(f"{k}={v}", 0.0) for k, v in cfg.model_dump().items())
        return Trial(config=cfg, usd_per_mtok_output=usd, output_tok_s=10.0, tpot_ms_p50=5.0,
                     quality=0.5, meets_slo=True, meets_quality=True, kld=0.01)


def _config(tmp_path: Path, trials: int, space: Space = SMALL, **kw: object) -> TuneConfig:
    return TuneConfig.model_validate({"trials": trials, "slo": Slo(tpot_ms=60), "space": space,
                                      "state_path": tmp_path / "tune.jsonl", "seed": 3, **kw})


def test_loop_runs_the_budget_and_records_every_trial(tmp_path: Path) -> None:
    fake = FakeTrials({"precision=Q4_0": -0.5})
    notes: list[str] = []
    result = tune(_config(tmp_path, 3), run_trial=fake, progress=notes.append)
    assert len(fake.seen) == 3 == len(result.trials)
    assert fake.seen[0] == SMALL.default().key()  # the default configuration goes first
    assert notes[0] == f"trial 1/3 {SMALL.default().key()}"
    assert len((tmp_path / "tune.jsonl").read_text().splitlines()) == 3
    # the best is the cheapest feasible trial: a Q4_0 one at $0.50
    assert result.best is not None and result.best.config.precision == "Q4_0"
    assert result.best.usd_per_mtok_output == pytest.approx(0.5)
    assert result.pareto[0] == result.best.config.key()
    doc = result.to_json_dict()
    assert doc["schema"] == "tokenfab.tune/1" and len(doc["trials"]) == 3
    assert "resumed" not in doc and doc["default"] == SMALL.default().key()


def test_resume_continues_where_the_killed_tune_stopped(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    full = tune(_config(tmp_path / "a", 4), run_trial=FakeTrials({"parallel_slots=1": 0.3}))
    first = tune(_config(tmp_path / "b", 2), run_trial=FakeTrials({"parallel_slots=1": 0.3}))
    assert first.resumed == 0
    second_fake = FakeTrials({"parallel_slots=1": 0.3})
    notes: list[str] = []
    second = tune(_config(tmp_path / "b", 4), run_trial=second_fake, progress=notes.append)
    assert second.resumed == 2 and notes[0].startswith("resuming, 2 trial(s)")
    assert len(second_fake.seen) == 2  # only the two missing trials ran
    assert [t.config.key() for t in second.trials] == [t.config.key() for t in full.trials]


def test_torn_last_line_is_dropped_and_the_file_repaired(tmp_path: Path) -> None:
    tune(_config(tmp_path, 1), run_trial=FakeTrials())
    state = tmp_path / "tune.jsonl"
    state.write_text(state.read_text() + '{"config": {"model": "smol')  # killed mid-write
    result = tune(_config(tmp_path, 2), run_trial=FakeTrials())
    assert result.resumed == 1 and len(result.trials) == 2
    lines = state.read_text().splitlines()
    assert len(lines) == 2 and all(Trial.model_validate_json(x) for x in lines)


def test_a_malformed_line_inside_the_state_stops_before_any_trial(tmp_path: Path) -> None:
    state = tmp_path / "tune.jsonl"
    state.write_text('{"not": "a trial"}\n\n' + "x\n")
    fake = FakeTrials()
    with pytest.raises(ConfigError, match=r"line 1: not a tune trial"):
        tune(_config(tmp_path, 2), run_trial=fake)
    assert fake.seen == []


def test_an_exhausted_space_stops_early(tmp_path: Path) -> None:
    notes: list[str] = []
    result = tune(_config(tmp_path, 10), run_trial=FakeTrials(), progress=notes.append)
    assert len(result.trials) == len(SMALL.configs()) == 4
    assert result.exhausted and notes[-1] == "all 4 configurations of the space tried"
    assert next_config(SMALL, result.trials) is None


def test_failed_trials_are_kept_and_all_failed_is_reported(tmp_path: Path) -> None:
    keys = frozenset(c.key() for c in SMALL.configs())
    result = tune(_config(tmp_path, 2), run_trial=FakeTrials(fail=keys))
    assert result.all_failed and result.best is None and result.pareto == []
    assert result.closest is None  # a failed trial is never "closest"
    assert all(t.error == "llama-server exited" for t in result.trials)
    ok = tune(_config(tmp_path, 3), run_trial=FakeTrials())
    assert not ok.all_failed and ok.best is not None


@pytest.mark.parametrize(("kw", "needle"), [
    ({"tasks": "bogus"}, "unknown task set bogus"),
    ({"space": SMALL.model_copy(update={"models": ("gpt-5",)})}, "choose from smollm2-135m"),
    ({"space": SMALL.model_copy(update={"precisions": ("Q5_K",)})}, "--precisions Q5_K"),
])
def test_bad_inputs_stop_before_the_first_trial(tmp_path: Path, kw: dict[str, object],
                                                needle: str) -> None:
    fake = FakeTrials()
    with pytest.raises(ConfigError, match=needle):
        tune(_config(tmp_path, 2, **kw), run_trial=fake)
    assert fake.seen == [] and not (tmp_path / "tune.jsonl").exists()


def test_an_unwritable_state_stops_before_the_first_trial(tmp_path: Path) -> None:
    fake = FakeTrials()
    cfg = _config(tmp_path, 2).model_copy(update={"state_path": tmp_path / "no" / "s.jsonl"})
    with pytest.raises(ConfigError, match="cannot write"):
        tune(cfg, run_trial=fake)
    assert fake.seen == []

