"""``tokenfab eval`` as one library call: score a model on task sets, price each correct answer.

    tasks  = load_tasks(config.tasks), first ``limit`` items of each set   (checked first)
    result = evaluate(server, tasks)        server = config.url, or the embedded llama.cpp
                                            engine started (and stopped) by engines.lifecycle
    cost   = cost.eval_price.price_eval(usd_per_hour of config.profile, wall_s, correct, ...)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tokenfab.cost.eval_price import price_eval
from tokenfab.cost.tco import hourly_cost
from tokenfab.errors import ConfigError, TargetError
from tokenfab.quality import TaskSet, evaluate, load_tasks
from tokenfab.schemas.evaluate import EvalConfig, EvalCost, EvalReport, EvalResult
from tokenfab.session.loop import run_async

Progress = Callable[[str], None]


def eval_tasks(config: EvalConfig) -> TaskSet:
    """The items to score: ``--limit`` of each ``--tasks`` set; nothing to run -> one line."""
    taskset = load_tasks(config.tasks).limited(config.limit)
    if not taskset.tasks:
        raise ConfigError(f"--tasks {config.tasks}: nothing to run")
    return taskset


def run_eval(config: EvalConfig, *, progress: Progress | None = None,
             transport: httpx.AsyncBaseTransport | None = None) -> EvalReport:
    """Every input is checked before an engine starts; see the module docstring.
    ``transport`` replaces the HTTP transport to ``config.url`` (tests)."""
    say = progress or (lambda _msg: None)
    embedded = None
    if config.url is None:
        from tokenfab.engines.embedded import embedded_model

        embedded = embedded_model(config.model)  # unknown name -> one line, before any work
        if config.model_file is not None and not Path(config.model_file).is_file():
            raise ConfigError(f"--model-file {config.model_file}: no such file; give a GGUF")
    taskset = eval_tasks(config)
    for b in taskset.bad_rows:
        say(f"skipped {b.source} line {b.line}: {b.error}")

    def _go(url: str, name: str) -> EvalResult:
        return run_async(evaluate(url, name, taskset.tasks, concurrency=config.concurrency,
                                  max_tokens=config.max_tokens, timeout_s=config.timeout_s,
                                  api_key=config.api_key, style=config.style,
                                  shots=config.shots, transport=transport))

    target: dict[str, Any]
    if embedded is None:
        assert config.url is not None and config.model is not None
        target = {"kind": "openai", "url": config.url}
        result = _go(config.url, config.model)
    else:
        from tokenfab.engines.lifecycle import EngineSettings, serving

        model_file = Path(config.model_file) if config.model_file else None
        settings = EngineSettings.for_model(embedded, model_file,
                                            parallel_slots=config.concurrency,
                                            ctx_per_slot=1024 + config.max_tokens)
        what = (f"{config.model_file} (as {embedded.display})" if model_file
                else f"{embedded.display} {embedded.shipped_type}")
        say(f"tokenfab eval: starting llama-server with {what}…")
        with serving(settings) as served:
            say(f"  engine ready at {served.url} (llama.cpp {served.version}); "
                f"{len(taskset.tasks)} items, {config.concurrency} in flight")
            target = {"kind": "llama.cpp llama-server", "url": served.url,
                      "version": served.version, "embedded_model": embedded.key,
                      "model_file": str(settings.model_path)}
            result = _go(served.url, served.alias)
    o = result.overall
    if o.n and o.errored == o.n:
        errs = ", ".join(f"{k} ×{v}" for k, v in result.errors.items()) or "no reply"
        raise TargetError(f"all {o.n} eval requests to {target['url']} failed ({errs}), so "
                          "nothing was scored; check --url/--model and that the server is up")
    cost: EvalCost | None = None
    profile = config.profile
    if profile is not None:
        cost = price_eval(hourly_cost(profile).usd_per_hour, result.wall_s, o.correct,
                          o.tokens.output, profile.utilization)
    return EvalReport(result=result, cost=cost, bad_rows=taskset.bad_rows, target=target,
                      profile=profile.name if profile else None, style=config.style,
                      shots=config.shots if config.style == "fewshot" else 0)


__all__ = ["Progress", "eval_tasks", "run_eval"]
