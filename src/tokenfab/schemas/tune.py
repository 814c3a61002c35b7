"""``tokenfab tune``: its search space, one trial, the job's config and its result. Pure types.

The result serialises to the ``tokenfab.tune/1`` document (unchanged since it was written by
the CLI): ``slo``, ``quality_floor``, ``max_kld`` (null = guard off), ``space``, ``seed``,
``eval``, ``default``, ``trials``, ``best`` and ``pareto`` (config keys, cheapest first).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tokenfab.schemas.config import Slo
from tokenfab.schemas.evaluate import PromptStyle

SCHEMA_ID = "tokenfab.tune/1"
SHIPPED = "shipped"
# axis -> (flag, smallest, largest): what one CPU llama-server can be asked to run
AXIS_BOUNDS: dict[str, tuple[str, int, int]] = {
    "slots": ("--slots", 1, 256),
    "threads": ("--threads", 1, 512),
    "ctx_per_slot": ("--ctx-sizes", 64, 131_072),
    "lookup_n_max": ("--lookup", 0, 64),
}


class TrialConfig(BaseModel):
    """One point of the search space: what one trial serves and how."""

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
    """What one trial measured (bench + eval + KL guard); ``error`` when it could not run."""

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

    models: tuple[str, ...] = Field(default=("smollm2-135m",), min_length=1)
    precisions: tuple[str, ...] = Field(default=(SHIPPED, "Q4_0", "Q8_0"), min_length=1)
    slots: tuple[int, ...] = Field(default=(8, 1, 2, 4), min_length=1)
    threads: tuple[int, ...] = Field(default=(2, 1), min_length=1)
    ctx_per_slot: tuple[int, ...] = Field(default=(512, 1024), min_length=1)
    lookup_n_max: tuple[int, ...] = Field(default=(0, 4, 8), min_length=1)

    @model_validator(mode="after")
    def _in_bounds(self) -> Space:
        for name, (flag, lo, hi) in AXIS_BOUNDS.items():
            for v in getattr(self, name):
                if not lo <= v <= hi:
                    raise ValueError(f"{flag} {v}: must be within {lo}..{hi}")
        return self

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


class TuneConfig(BaseModel):
    """Everything ``tokenfab tune`` needs; every value is checked here, before any trial."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trials: int = Field(6, ge=1, description="--trials: trial budget")
    slo: Slo = Field(description="--slo: latency SLO a config must meet for 90% of requests")
    quality_floor: float = Field(0.2, ge=0, le=1, description="--quality-floor: accuracy 0-1")
    max_kld: float = Field(0.1, gt=0, description="--max-kld: nats/token; inf = guard off")
    tasks: str = Field("arithmetic,extraction", min_length=1, description="--tasks")
    eval_limit: int = Field(10, ge=1, le=100_000,
                            description="--eval-limit: items per task set")
    eval_style: PromptStyle = Field("chat", description="--eval-style")
    concurrency: int = Field(4, ge=1, le=256, description="--concurrency: bench streams")
    requests: int = Field(12, ge=1, le=100_000,
                          description="--requests: bench requests per trial")
    hourly_usd: float = Field(0.10, ge=0, allow_inf_nan=False,
                              description="--hourly-usd: assumed price of this machine, $/h")
    space: Space = Field(default_factory=Space)
    state_path: Path = Field(Path("tokenfab-tune.jsonl"), description="--state")
    seed: int = 0
    db_url: str | None = Field(None, description="--db: where the trials' bench runs go")

    @field_validator("slo", mode="before")
    @classmethod
    def _slo_given(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("--slo is empty; give a bound, e.g. --slo tpot_ms=60")
        return v


class TuneEval(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tasks: str
    limit: int
    style: PromptStyle


class TuneResult(BaseModel):
    """The trials (resumed ones included), the best feasible one and the Pareto front."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(SCHEMA_ID, alias="schema")
    slo: Slo
    quality_floor: float
    max_kld: float | None = Field(description="null when the KL guard is off")
    space: Space
    seed: int
    eval: TuneEval
    default: str = Field(description="key of the default configuration")
    trials: list[Trial]
    best: Trial | None
    pareto: list[str] = Field(description="keys of the Pareto-optimal trials, cheapest first")
    closest: Trial | None = Field(None, exclude=True, description="when nothing is feasible: "
                                  "the SLO-meeting trial with the highest quality, else any")
    resumed: int = Field(0, exclude=True, description="trials read back from the state file")
    exhausted: bool = Field(False, exclude=True, description="every configuration was tried")

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json")

    @property
    def all_failed(self) -> bool:
        """Every trial errored (no bench, no eval): nothing was measured."""
        return bool(self.trials) and all(t.error is not None for t in self.trials)
