"""``tokenfab plan``: its validated config and its typed result (``tokenfab.plan/1``).

A plan turns a power budget into accelerators, priced service tiers, tokens and margin:
margin/year = Σ_tiers (output tokens × price_out + input tokens × price_in) − Σ_hardware TCO.
Units are in every name: ``power_mw`` (a budget, utility or critical IT), ``kw_it`` (power
drawn by IT equipment), ``usd_per_year``, ``mtok_per_day`` (millions of output tokens a day).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tokenfab.schemas.types import Precision, Provenance

PLAN_SCHEMA_ID = "tokenfab.plan/1"
PowerBasis = Literal["utility", "critical_it"]
Granularity = Literal["accelerator", "node", "rack"]
Ownership = Literal["rent", "own"]
FrontierKind = Literal["run", "projection", "published"]
PlanStatus = Literal["optimal", "infeasible"]
MAX_POWER_MW = 100_000.0
"""100 GW: twice what the US adds in a year (seed 003); more is a typo."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TierSpec(_In):
    """A priced service tier: who pays what for tokens at which interactivity."""

    name: str = Field(min_length=1, description="tier name, e.g. 'free', '$6'")
    usd_per_mtok_output: float = Field(ge=0, description="price per 1M output tokens, USD")
    usd_per_mtok_input: float = Field(0.0, ge=0, description="price per 1M input tokens, USD")
    min_tok_s_per_user: float = Field(0.0, ge=0, description="minimum interactivity (tok/s/user)")
    max_ttft_ms: float | None = Field(None, gt=0, description="TTFT SLO, ms (p50)")
    max_mtok_per_day: float | None = Field(
        None, ge=0, description="demand cap: millions of output tokens a day buyers take")
    max_share: float | None = Field(
        None, gt=0, le=1, description="demand cap as a share of all output tokens sold")
    min_mtok_per_day: float = Field(
        0.0, ge=0, description="committed demand: millions of output tokens a day to serve")
    utilization: float = Field(0.7, gt=0, le=1,
                               description="share of this tier's capacity that is sold")
    isl: int = Field(1024, ge=1, le=1_000_000, description="input tokens per request")
    osl: int = Field(1024, ge=1, le=1_000_000, description="output tokens per request")
    source: str = Field("assumed: no source given", description="where the price comes from")

    @model_validator(mode="after")
    def _floor_below_cap(self) -> TierSpec:
        if self.max_mtok_per_day is not None and self.min_mtok_per_day > self.max_mtok_per_day:
            raise ValueError(f"tier '{self.name}': min_mtok_per_day {self.min_mtok_per_day:g} "
                             f"is above max_mtok_per_day {self.max_mtok_per_day:g}; lower the "
                             "committed demand or raise the cap")
        return self


class HardwareSpec(_In):
    """One hardware choice: its price (rent or own), power and where its frontier comes from."""

    name: str = Field(min_length=1, description="catalog key (H100, B200, ...) or 'local'")
    ownership: Ownership = Field("rent", description="rent (catalog tier) or own (capex)")
    rental_tier: str | None = Field(None, description="catalog rental tier [cheapest on-demand]")
    usd_per_hour: float | None = Field(
        None, ge=0, description="rent per accelerator-hour, USD (replaces the catalog's)")
    capex_usd: float | None = Field(None, ge=0, description="purchase price per accelerator")
    amortization_years: float = Field(4.0, gt=0, le=30, description="years capex is spread over")
    cost_of_capital: float = Field(0.08, ge=0, le=1, description="annual rate for the CRF")
    all_in_kw: float | None = Field(
        None, gt=0, le=100, description="IT power per accelerator incl. host, network share, kW")
    energy_included: bool | None = Field(
        None, description="the rent includes power [true when rented from the catalog]")
    gpus_per_node: int = Field(8, ge=1, le=1024, description="accelerators per node")
    nodes_per_rack: int = Field(4, ge=1, le=1024, description="nodes per rack")
    max_accelerators: int | None = Field(None, ge=0, description="how many can be bought")
    frontier: str | None = Field(
        None, description="'run', 'run:RUN_ID', 'projection' or a CSV/JSON curve file")


class PlanConfig(_In):
    """Everything a plan needs; every field has a default except the power budget."""

    power_mw: float = Field(gt=0, le=MAX_POWER_MW, description="power budget, MW")
    power_basis: PowerBasis = Field(
        "utility", description="utility: the budget includes cooling (IT = MW / PUE); "
                               "critical_it: the budget is IT power")
    pue: float = Field(1.2, ge=1, le=5, description="power usage effectiveness")
    usd_per_kwh: float = Field(0.091, ge=0, le=10, description="electricity price, USD/kWh")
    utilization: float | None = Field(
        None, gt=0, le=1, description="share of capacity sold, for every tier (overrides each)")
    granularity: Granularity = Field("accelerator", description="buy whole accelerators, "
                                                                "nodes or racks")
    model: str | None = Field(None, description="model for projected frontiers")
    precision: Precision = Field("fp8", description="precision for projected frontiers")
    calibrate_run: str | None = Field(
        None, description="stored run whose fit calibrates projected frontiers (same family)")
    hardware: tuple[HardwareSpec, ...] = Field(
        (HardwareSpec(name="local", frontier="run"),), description="hardware choices")
    tiers: tuple[TierSpec, ...] = Field((), description="service tiers (empty: the preset's)")
    preset: str = Field("gtc2026", description="tier preset used when no tiers are given")
    db_url: str | None = Field(None, exclude=True,
                               description="results database for run frontiers (not written "
                                           "out: a URL may hold a password)")
    measure_local: bool = Field(False, exclude=True,
                                description="with no stored `tokenfab run`, measure the local "
                                            "frontier now (the CLI's default; ~2 minutes)")
    sensitivity_pct: float = Field(10.0, gt=0, lt=100,
                                   description="± change for the sensitivities, %")

    @field_validator("hardware")
    @classmethod
    def _unique_hardware(cls, v: tuple[HardwareSpec, ...]) -> tuple[HardwareSpec, ...]:
        if not v:
            raise ValueError("give at least one hardware choice, e.g. --hardware H100")
        names = [h.name.lower() for h in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"hardware '{dup[0]}' is listed twice; list each once")
        return v

    @field_validator("tiers")
    @classmethod
    def _unique_tiers(cls, v: tuple[TierSpec, ...]) -> tuple[TierSpec, ...]:
        names = [t.name for t in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"tier '{dup[0]}' is listed twice; give each tier its own name")
        shares = sum(t.max_share for t in v if t.max_share is not None)
        if v and all(t.max_share is not None for t in v) and shares < 1 - 1e-9:
            raise ValueError(f"every tier has max_share and they add up to {shares:g} < 1; "
                             "no plan can sell anything; raise a share or drop one")
        return v


class FrontierPoint(BaseModel):
    """One operating point: per-GPU throughput at a per-user speed (and its TTFT)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    tok_s_per_user: float = Field(gt=0)
    output_tok_s_per_gpu: float = Field(gt=0)
    ttft_ms: float | None = Field(None, ge=0)
    label: str = ""


class Frontier(BaseModel):
    """A throughput-vs-interactivity curve for one hardware and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hardware: str
    kind: FrontierKind
    source: str = Field(description="run id, projection inputs or file the curve came from")
    provenance: Provenance
    model: str | None = None
    isl: int | None = None
    osl: int | None = None
    points: tuple[FrontierPoint, ...]


class HardwareEconomics(BaseModel):
    """What one accelerator of a hardware choice costs and draws (resolved inputs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hardware: str
    kw_it_per_accelerator: float = Field(gt=0)
    kw_provenance: Provenance
    kw_source: str
    usd_per_hour_per_accelerator: float = Field(ge=0)
    breakdown_usd_per_hour: dict[str, float]
    price_source: str
    accelerators_per_node: int
    accelerators_per_rack: int
    max_accelerators: int | None = None


class Allocation(_In):
    tier: str
    hardware: str
    accelerators: int
    tok_s_per_user: float
    output_tok_s_per_gpu: float
    ttft_ms: float | None
    point_label: str
    output_tok_s: float
    kw_it: float


class TierOutcome(_In):
    tier: str
    usd_per_mtok_output: float
    usd_per_mtok_input: float
    min_tok_s_per_user: float
    accelerators: int
    output_tok_s: float
    mtok_per_day: float
    tokens_per_year: float
    revenue_usd_per_year: float
    tco_usd_per_year: float
    margin_usd_per_year: float
    cost_usd_per_mtok_output: float | None = Field(
        description="TCO over sold output tokens (input tokens ride along unpriced here)")
    power_mw: float = Field(description="facility power this tier uses (utility basis)")
    reachable: bool = Field(description="some frontier point meets the tier's SLOs")
    note: str = ""


class HardwareOutcome(_In):
    hardware: str
    accelerators: int
    nodes: int
    racks: int
    kw_it: float
    utility_mw: float
    tco_usd_per_year: float
    usd_per_hour_per_accelerator: float
    kw_it_per_accelerator: float


class ShadowPrice(_In):
    constraint: str
    usd_per_year_per_unit: float
    unit: str
    text: str


class Sensitivity(_In):
    parameter: str
    base: float
    low: float
    high: float
    margin_low_usd_per_year: float
    margin_high_usd_per_year: float


class Binding(_In):
    constraint: str
    shortfall: float
    unit: str
    text: str


class WorldCheck(_In):
    name: str
    source: str
    expected: float
    computed: float
    unit: str
    exact: bool
    text: str


class PlanTotals(_In):
    accelerators: int
    racks: int
    kw_it: float
    utility_mw: float
    budget_mw: float
    output_tok_s: float
    tokens_per_year: float
    tok_s_per_mw: float = Field(description="output tok/s per MW of facility (utility) power")
    revenue_usd_per_year: float
    tco_usd_per_year: float
    margin_usd_per_year: float


class PlanResult(BaseModel):
    """The plan: the fleet, the tiers it sells, its margin and what each constraint is worth."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(PLAN_SCHEMA_ID, alias="schema")
    status: PlanStatus
    config: PlanConfig
    frontiers: list[Frontier]
    economics: list[HardwareEconomics]
    totals: PlanTotals | None
    hardware: list[HardwareOutcome]
    tiers: list[TierOutcome]
    allocations: list[Allocation]
    shadow_prices: list[ShadowPrice]
    lp_margin_usd_per_year: float | None
    integrality_gap: float | None = Field(description="(LP − integer) / |LP| margin")
    gap_note: str
    sensitivities: list[Sensitivity]
    infeasible: list[Binding]
    checks: list[WorldCheck]
    notes: list[str]
    provenance: dict[str, Provenance]
    solve_s: float

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _finite(self.model_dump(mode="json", by_alias=True))
        return data


def _finite(value: Any) -> Any:
    """JSON has no inf/nan: such floats become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


__all__ = [
    "PLAN_SCHEMA_ID", "Allocation", "Binding", "Frontier", "FrontierKind", "FrontierPoint",
    "Granularity", "HardwareEconomics", "HardwareOutcome", "HardwareSpec", "Ownership",
    "PlanConfig", "PlanResult", "PlanTotals", "PowerBasis", "Sensitivity", "ShadowPrice",
    "TierOutcome", "TierSpec", "WorldCheck",
]
