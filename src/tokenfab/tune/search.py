"""The search space and the selection rules. Pure.

Search: seeded random order over the discrete space, without replacement (a budget of N trials
tries N distinct configurations; the default configuration is always tried first so every
answer is compared with it). Selection:

    feasible = trials with meets_slo and meets_quality
    best     = argmin over feasible of usd_per_mtok_output
    pareto   = trials not dominated in (usd_per_mtok_output ↓, quality ↑)
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class TrialConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    precision: str = "Q4_1"
    parallel_slots: int = 8
    threads: int = 2
    prompt_lookup: bool = False

    def key(self) -> str:
        return (f"{self.precision}/np{self.parallel_slots}/t{self.threads}/"
                f"{'lookup' if self.prompt_lookup else 'plain'}")


class Trial(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: TrialConfig
    usd_per_mtok_output: float | None
    output_tok_s: float
    tpot_ms_p50: float | None
    quality: float
    meets_slo: bool
    meets_quality: bool
    run_id: str | None = None
    error: str | None = None


DEFAULT = TrialConfig()


def space(precisions: Sequence[str] = ("Q4_1", "Q4_0", "Q8_0"),
          slots: Sequence[int] = (1, 2, 4, 8), threads: Sequence[int] = (1, 2),
          lookup: Sequence[bool] = (False, True)) -> list[TrialConfig]:
    return [TrialConfig(precision=p, parallel_slots=s, threads=t, prompt_lookup=lk)
            for p, s, t, lk in itertools.product(precisions, slots, threads, lookup)]


def trial_order(configs: Sequence[TrialConfig], seed: int = 0) -> list[TrialConfig]:
    """The default first (when in the space), then a seeded shuffle of the rest."""
    rest = [c for c in configs if c != DEFAULT]
    random.Random(seed).shuffle(rest)
    return ([DEFAULT] if DEFAULT in configs else []) + rest


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
    ok = [t for t in trials if t.usd_per_mtok_output is not None and t.error is None]
    out = []
    for t in ok:
        dominated = any((o.usd_per_mtok_output or 0) <= (t.usd_per_mtok_output or 0)
                        and o.quality >= t.quality
                        and ((o.usd_per_mtok_output or 0) < (t.usd_per_mtok_output or 0)
                             or o.quality > t.quality) for o in ok)
        if not dominated:
            out.append(t)
    return sorted(out, key=lambda t: t.usd_per_mtok_output or 0.0)
