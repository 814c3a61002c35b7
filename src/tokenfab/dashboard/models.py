"""What the dashboard's JSON API returns: validated pydantic models (they become /openapi.json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.summary import LoadSpec, RunSummary
from tokenfab.schemas.types import Provenance
from tokenfab.store import PointInfo


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(_Out):
    """Every error the API answers: a short kind and one line saying what to do."""

    error: str = Field(description="kind: not found, database unavailable, invalid input, ...")
    detail: str = Field(description="one line naming the problem and the fix")


class RunRow(_Out):
    """One stored run as listed."""

    run_id: str
    kind: str
    label: str | None
    model: str
    target_url: str
    started_unix_ns: int = Field(description="wall-clock start, Unix time in ns")
    started_utc: str = Field(description="the start as YYYY-MM-DD HH:MM:SS (UTC)")
    status: str
    n_records: int
    n_points: int


class RunList(_Out):
    db: str = Field(description="the database, password masked")
    runs: list[RunRow] = Field(description="matching runs, newest first")
    total: int = Field(description="runs looked at before filtering (newest `limit`)")
    kinds: list[str] = Field(description="kinds present, for a filter menu")
    statuses: list[str] = Field(description="statuses present, for a filter menu")


class RunMeta(RunRow):
    """Everything stored about a run except its records and summary."""

    finished_unix_ns: int | None
    config: dict[str, Any] = Field(description="the run's config; secrets replaced by ***")
    environment: dict[str, Any]
    points: list[PointInfo]


class RunDetailOut(_Out):
    db: str
    run: RunMeta
    summary: RunSummary = Field(description="the run's tokenfab.run summary")
    status_note: str | None = Field(
        default=None, description="for a run that did not complete: what happened, where, and "
                                  "how many requests were kept")
    summary_source: Literal["stored", "recomputed"] = Field(
        description="stored by the run, or recomputed from its records (interrupted runs)")
    profile: TcoProfile | None = Field(description="the TCO profile the run was priced with")
    notes: list[str] = Field(default_factory=list)


class PricedPoint(_Out):
    """One load point re-priced. ``index`` is the point's position in the run's summary."""

    index: int | None = Field(description="position in RunDetailOut.summary.points")
    load: LoadSpec
    completed: int
    output_tok_s: float = Field(description="measured output tokens per second")
    usd_per_hour: float | None
    usd_per_mtok_output: float | None = Field(description="$ per 1M output tokens, attributed "
                                              "by measured time shares")
    usd_per_mtok_output_all_in: float | None = Field(description="$ per 1M output tokens, the "
                                                     "whole cost charged to output")
    usd_per_mtok_input: float | None
    usd_per_mtok_blended: float | None
    usd_per_mtok_goodput: float | None
    breakdown_usd_per_mtok_output: dict[str, float] = Field(
        default_factory=dict, description="$/1M out all-in split into hardware, energy, overhead")
    breakdown_usd_per_hour: dict[str, float] = Field(default_factory=dict)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    ci95: dict[str, list[float]] = Field(default_factory=dict)


class PriceOut(_Out):
    run_id: str
    profile: TcoProfile = Field(description="the profile the points were priced with")
    bootstrap_samples: int = Field(description="0: no confidence intervals recomputed")
    points: list[PricedPoint]


class CompareSide(_Out):
    """One run's figures at one load (None where the run has no such point)."""

    output_tok_s: float | None = None
    per_user_output_tok_s: float | None = None
    ttft_p50_ms: float | None = None
    tpot_p50_ms: float | None = None
    usd_per_mtok_output: float | None = None
    usd_per_mtok_output_all_in: float | None = None
    j_per_output_token: float | None = None


class ComparePoint(_Out):
    load: LoadSpec
    runs: list[CompareSide] = Field(description="one entry per compared run, in order")
    delta_pct: dict[str, float | None] = Field(
        description="(second - first) / first x 100 per figure; None when either is missing")


class CompareOut(_Out):
    db: str
    runs: list[RunRow]
    summaries: list[RunSummary]
    points: list[ComparePoint]
    models_differ: bool
    notes: list[str] = Field(default_factory=list)
