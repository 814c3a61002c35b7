"""The search space, the search and the selection rules. Pure.

Space: model × precision × parallel slots × threads × context per slot × prompt-lookup draft
length (0 = speculative decoding off). Precision ``shipped`` means each model's own file.

Search (deterministic given the trials so far and the seed, so a killed tune resumes exactly):
first-improvement local search with random restarts —

    1. the default configuration first (every answer is compared with it);
    2. incumbent = cheapest feasible trial so far (else the default);
    3. next = an untried neighbour of the incumbent (one axis changed), on the axis the
       incumbent's tried neighbours have varied least (so the first few trials change every
       axis once: model, precision, slots, threads, context, lookup), value picked at random;
    4. when the incumbent has no untried neighbour: a seeded random untried configuration.

Selection:

    meets_quality = accuracy ≥ quality floor and kld ≤ max_kld   (see tune.kl_guard)
    feasible = trials with meets_slo and meets_quality
    best     = argmin over feasible of usd_per_mtok_output
    pareto   = trials not dominated in (usd_per_mtok_output ↓, quality ↑)
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tokenfab.metrics.pareto import pareto_indices
from tokenfab.schemas.tune import SHIPPED, Space, Trial, TrialConfig

__all__ = ["SHIPPED", "Space", "Trial", "TrialConfig", "best_trial", "closest_trial",
           "next_config", "pareto_set"]


def next_config(space: Space, trials: Sequence[Trial], seed: int = 0) -> TrialConfig | None:
    """The next configuration to try (rules in the module docstring); None when exhausted."""
    tried = {t.config.key() for t in trials}
    default = space.default()
    if default.key() not in tried:
        return default
    rng = random.Random(f"{seed}:{len(trials)}")
    best = best_trial(trials)
    incumbent = best.config if best is not None else default
    fresh = [c for c in space.neighbours(incumbent) if c.key() not in tried]
    if fresh:
        varied = {name: 0 for name in space.axes()}
        for t in trials:
            diff = _changed_axis(incumbent, t.config)
            if diff is not None:
                varied[diff] += 1
        least = min(varied[_changed_axis(incumbent, c) or ""] for c in fresh)
        fresh = [c for c in fresh if varied[_changed_axis(incumbent, c) or ""] == least]
    else:
        fresh = [c for c in space.configs() if c.key() not in tried]
    return rng.choice(fresh) if fresh else None


def _changed_axis(a: TrialConfig, b: TrialConfig) -> str | None:
    """The one field on which ``b`` differs from ``a``; None when 0 or several differ."""
    da, db = a.model_dump(), b.model_dump()
    diff = [k for k in da if da[k] != db[k]]
    return diff[0] if len(diff) == 1 else None


def best_trial(trials: Sequence[Trial]) -> Trial | None:
    feasible = [t for t in trials if t.meets_slo and t.meets_quality
                and t.usd_per_mtok_output is not None]
    return min(feasible, key=lambda t: t.usd_per_mtok_output or 0.0) if feasible else None


def closest_trial(trials: Sequence[Trial]) -> Trial | None:
    """When nothing is feasible: the SLO-meeting trial with the highest quality, else any."""
    ok = [t for t in trials if t.error is None]
    slo = [t for t in ok if t.meets_slo]
    pool = slo or ok
    return max(pool, key=lambda t: t.quality) if pool else None


def pareto_set(trials: Sequence[Trial]) -> list[Trial]:
    """Trials not dominated in ($/1M output ↓, quality ↑), cheapest first; failed ones never
    (``pareto_indices`` maximises both, so it gets the negated price)."""
    ok = [t for t in trials if t.usd_per_mtok_output is not None and t.error is None]
    front = pareto_indices([(-(t.usd_per_mtok_output or 0.0), t.quality) for t in ok])
    return sorted((ok[i] for i in sorted(front)), key=lambda t: t.usd_per_mtok_output or 0.0)
