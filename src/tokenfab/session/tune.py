"""``tokenfab tune`` as one library call: :func:`tune` runs the resumable trial loop.

    done   = trials in the state file (a killed tune resumes from here)
    repeat while len(done) < trials:
        cfg   = next_config(space, done, seed)           (tune.search; None = space exhausted)
        trial = run_trial(cfg)                            (real: serve + bench + eval + KL guard)
        append trial to the state file; done += trial
    best = cheapest feasible trial; pareto = ($/1M ↓, quality ↑) front

Every input is checked before the first trial starts: the task sets, the models and
precisions of the space, and that the state file can be written. ``run_trial`` is injectable
so the real loop runs in unit tests with a fake trial.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from tokenfab.engines.embedded import embedded_model
from tokenfab.errors import ConfigError
from tokenfab.outputs import check_writable
from tokenfab.quality import Task, load_tasks
from tokenfab.quant.variants import parse_types
from tokenfab.schemas.tune import (
    SHIPPED,
    Trial,
    TrialConfig,
    TuneConfig,
    TuneEval,
    TuneResult,
)
from tokenfab.tune.runner import (
    RealTrials,
    append_state,
    load_state,
    resolved_precision,
    rewrite_state,
)
from tokenfab.tune.search import best_trial, closest_trial, next_config, pareto_set

TrialRunner = Callable[[TrialConfig], Trial]
Progress = Callable[[str], None]


def tune_tasks(config: TuneConfig) -> list[Task]:
    """The eval items every trial scores: ``--eval-limit`` of each ``--tasks`` set."""
    tasks = load_tasks(config.tasks).limited(config.eval_limit).tasks
    if not tasks:
        raise ConfigError(f"--tasks {config.tasks}: no items to score; give set names or a "
                          "JSONL file with rows")
    return tasks


def check_space(config: TuneConfig) -> None:
    """Every model is embedded and every precision is a supported type (one line if not)."""
    for key in config.space.models:
        embedded_model(key)
    named = [p for p in config.space.precisions if p != SHIPPED]
    if named:
        parse_types(named, "--precisions")


@contextmanager
def _real_trials(config: TuneConfig, tasks: list[Task],
                 done: list[Trial]) -> Iterator[TrialRunner]:
    from tokenfab.store import Store, default_db_url
    from tokenfab.tune.kl_guard import KlGuard

    known = {(t.config.model, resolved_precision(t.config)): t.kld
             for t in done if t.kld is not None}
    guard = KlGuard(known=known) if math.isfinite(config.max_kld) else None
    with Store(config.db_url or default_db_url()) as store, guard or contextlib.nullcontext():
        yield RealTrials(config, store, tasks, guard)


def tune(config: TuneConfig, *, run_trial: TrialRunner | None = None,
         progress: Progress | None = None) -> TuneResult:
    """Search for the cheapest configuration meeting the SLO and the quality floor.

    ``run_trial`` defaults to real trials on the embedded engine (results in ``config.db_url``);
    ``progress`` receives one line per event (resume, each trial, exhaustion)."""
    say = progress or (lambda _msg: None)
    tasks = tune_tasks(config)
    check_space(config)
    state = config.state_path
    done, torn = load_state(state)
    check_writable(state, "--state")
    if torn:
        rewrite_state(state, done)
    resumed = len(done)
    if done:
        say(f"resuming, {len(done)} trial(s) already in {state}")
    exhausted = False
    trials: AbstractContextManager[TrialRunner] = (
        contextlib.nullcontext(run_trial) if run_trial is not None
        else _real_trials(config, tasks, done))
    with trials as runner:
        while len(done) < config.trials:
            cfg = next_config(config.space, done, config.seed)
            if cfg is None:
                exhausted = True
                say(f"all {len(done)} configurations of the space tried")
                break
            say(f"trial {len(done) + 1}/{config.trials} {cfg.key()}")
            trial = runner(cfg)
            append_state(state, trial)
            done.append(trial)
    best = best_trial(done)
    return TuneResult(
        slo=config.slo, quality_floor=config.quality_floor,
        max_kld=config.max_kld if math.isfinite(config.max_kld) else None,
        space=config.space, seed=config.seed,
        eval=TuneEval(tasks=config.tasks, limit=config.eval_limit, style=config.eval_style),
        default=config.space.default().key(), trials=done, best=best,
        pareto=[t.config.key() for t in pareto_set(done)],
        closest=closest_trial(done) if best is None else None, resumed=resumed,
        exhausted=exhausted)


__all__ = ["Progress", "TrialRunner", "check_space", "tune", "tune_tasks"]
