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

import itertools
import random
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

SHIPPED = "shipped"


class TrialConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = "smollm2-135m"
    precision: str = SHIPPED
    parallel_slots: int = Field(default=8, ge=1)
    threads: int = Field(default=2, ge=1)
    ctx_per_slot: int = Field(default=512, ge=64)
    lookup_n_max: int = Field(default=0, ge=0, description="prompt-lookup draft length; 0 off")

    def key(self) -> str:
        spec = f"lookup{self.lookup_n_max}" if self.lookup_n_max else "plain"
        return (f"{self.model}/{self.precision}/np{self.parallel_slots}/t{self.threads}/"
                f"c{self.ctx_per_slot}/{spec}")


class Trial(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: TrialConfig
    usd_per_mtok_output: float | None
    output_tok_s: float
    tpot_ms_p50: float | None
    quality: float
    meets_slo: bool
    meets_quality: bool
    kld: float | None = Field(default=None, description="KL vs F16 re-encoding, nats/token")
    run_id: str | None = None
    error: str | None = None


class Space(BaseModel):
    """The values each axis may take; the first value of each axis is the default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    models: tuple[str, ...] = ("smollm2-135m",)
    precisions: tuple[str, ...] = (SHIPPED, "Q4_0", "Q8_0")
    slots: tuple[int, ...] = (8, 1, 2, 4)
    threads: tuple[int, ...] = (2, 1)
    ctx_per_slot: tuple[int, ...] = (512, 1024)
    lookup_n_max: tuple[int, ...] = (0, 4, 8)

    def axes(self) -> dict[str, tuple[object, ...]]:
        return {"model": self.models, "precision": self.precisions,
                "parallel_slots": self.slots, "threads": self.threads,
                "ctx_per_slot": self.ctx_per_slot, "lookup_n_max": self.lookup_n_max}

    def default(self) -> TrialConfig:
        return TrialConfig(**{k: v[0] for k, v in self.axes().items()})

    def configs(self) -> list[TrialConfig]:
        names = list(self.axes())
        return [TrialConfig(**dict(zip(names, combo, strict=True)))
                for combo in itertools.product(*self.axes().values())]

    def neighbours(self, cfg: TrialConfig) -> list[TrialConfig]:
        """Configurations that differ from ``cfg`` on exactly one axis."""
        out = []
        for name, values in self.axes().items():
            for v in values:
                if v != getattr(cfg, name):
                    out.append(cfg.model_copy(update={name: v}))
        return out


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
