"""Cost inputs and results: a TCO profile, where a price comes from, and the ``tokenfab cost``
job's configs and result. Validated at the boundary (TOML, flags or the dashboard)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tokenfab.schemas.types import Provenance

RATE_SCHEMA_ID = "tokenfab.cost/1"
"""Schema id of ``tokenfab cost --tok-s ... --json`` (the first versioned cost JSON)."""

MAX_BOOTSTRAP_SAMPLES = 100_000


class TcoProfile(BaseModel):
    """What serving costs, per accelerator unless named otherwise. TOML-loadable and shareable.

    Strict: a number must be a number (``true`` is not $1/hour) and finite; an integer is
    accepted where a float is expected."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    name: str = Field("custom", description="a label for this profile")
    accelerators: int = Field(1, ge=1, description="accelerators (or machines) serving")
    rental_usd_per_hour: float | None = Field(None, ge=0, description="rent per accelerator-hour")
    capex_usd: float | None = Field(None, ge=0, description="purchase price per accelerator "
                                    "including its share of the host")
    amortization_years: float = Field(4.0, gt=0, description="years the capex is spread over")
    cost_of_capital: float = Field(0.08, ge=0, le=1, description="annual rate r for the CRF")
    residual_fraction: float = Field(0.0, ge=0, lt=1, description="resale value / capex")
    power_w: float | None = Field(None, ge=0, description="all-in power per accelerator, W "
                                  "(a measured figure replaces it)")
    energy_included: bool = Field(False, description="the rental price already includes power")
    pue: float = Field(1.2, ge=1, le=5, description="power usage effectiveness")
    usd_per_kwh: float = Field(0.091, ge=0, description="electricity price; default: US "
                               "industrial average 9.1 c/kWh (seed article)")
    colo_usd_per_kw_month: float = Field(0.0, ge=0, description="colocation, $/kW-month")
    provisioned_kw: float | None = Field(None, ge=0, description="kW provisioned per "
                                         "accelerator (default: power_w / 1000)")
    overhead_usd_per_hour: float = Field(0.0, ge=0, description="software, network, ops $/h")
    overhead_fraction: float = Field(0.0, ge=0, le=10, description="overhead as a fraction "
                                     "of hardware + energy")
    utilization: float = Field(1.0, gt=0, le=1, description="share of hours doing paid work")

    @model_validator(mode="after")
    def _one_hardware_basis(self) -> TcoProfile:
        if (self.rental_usd_per_hour is None) == (self.capex_usd is None):
            raise ValueError("give exactly one of rental_usd_per_hour or capex_usd")
        return self


def _finite(flag: str, value: float | None, *, low: float, high: float = math.inf,
            low_open: bool = False, fix: str = "") -> None:
    """Raise naming ``flag`` unless ``value`` is None or a finite number in range."""
    if value is None:
        return
    ok = math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
    if ok:
        return
    rng = f"{'>' if low_open else '>='} {low:g}" + (f" and <= {high:g}" if high < math.inf else "")
    raise ValueError(f"{flag} must be a finite number {rng} (got {value:g})"
                     + (f"; {fix}" if fix else ""))


def _named(flag: str, value: str | None, fix: str) -> None:
    if value is not None and not value.strip():
        raise ValueError(f"{flag} is empty; {fix}")


class PriceSpec(BaseModel):
    """Where the hourly price comes from: ``--hourly-usd``, ``--profile`` or ``--hardware``,
    and the flags that override it. Every message names the flag and the fix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hourly_usd: float | None = Field(None, description="--hourly-usd: serving cost per hour")
    profile_path: str | None = Field(None, description="--profile: a TCO profile TOML file")
    hardware: str | None = Field(None, description="--hardware: a catalog accelerator")
    gpus: int | None = Field(None, description="--gpus: accelerators serving")
    tier: str | None = Field(None, description="--tier: catalog rental tier")
    capex: bool = Field(False, description="--capex: own at the catalog list price")
    pue: float | None = Field(None, description="--pue: power usage effectiveness")
    usd_per_kwh: float | None = Field(None, description="--usd-per-kwh: electricity price")
    overhead_usd_per_hour: float | None = Field(None, description="--overhead-usd-per-hour")
    overhead_pct: float | None = Field(None, description="--overhead-pct: % of hw + energy")
    utilization: float | None = Field(None, description="--utilization: paid share, (0, 1]")
    energy_included: bool | None = Field(None, description="--energy-included")

    @model_validator(mode="after")
    def _check(self) -> PriceSpec:
        _finite("--hourly-usd", self.hourly_usd, low=0, fix="give dollars per hour")
        if self.gpus is not None and self.gpus < 1:
            raise ValueError(f"--gpus must be at least 1 (got {self.gpus}); it counts the "
                             "accelerators serving")
        _named("--hardware", self.hardware, "name one from `tokenfab hardware list`")
        _named("--tier", self.tier, "name one from `tokenfab hardware show NAME`")
        _named("--profile", self.profile_path, "give a TOML TCO profile (see docs/COST.md)")
        _finite("--pue", self.pue, low=1, high=5, fix="1.2 is typical for a data centre")
        _finite("--usd-per-kwh", self.usd_per_kwh, low=0, fix="e.g. 0.091")
        _finite("--overhead-usd-per-hour", self.overhead_usd_per_hour, low=0)
        _finite("--overhead-pct", self.overhead_pct, low=0, high=1000, fix="e.g. 10 for 10%")
        _finite("--utilization", self.utilization, low=0, high=1, low_open=True,
                fix="a fraction, e.g. 0.6 for 60%")
        sources = [s for s, given in (("--hourly-usd", self.hourly_usd is not None),
                                      ("--profile", self.profile_path is not None),
                                      ("--hardware", self.hardware is not None)) if given]
        if len(sources) > 1:
            raise ValueError(f"give one of --hourly-usd, --profile or --hardware (got "
                             f"{' and '.join(sources)})")
        if self.hardware is None:
            for flag, given in (("--tier", self.tier is not None), ("--capex", self.capex)):
                if given:
                    raise ValueError(f"{flag} picks a catalog price: add --hardware NAME")
        if not sources and self.has_overrides:
            raise ValueError("cost flags need a price: add --hourly-usd, --profile or "
                             "--hardware")
        return self

    @property
    def has_price(self) -> bool:
        return (self.hourly_usd is not None or self.profile_path is not None
                or self.hardware is not None)

    @property
    def has_overrides(self) -> bool:
        return any(v is not None for v in (self.gpus, self.pue, self.usd_per_kwh,
                                           self.overhead_usd_per_hour, self.overhead_pct,
                                           self.utilization)) or bool(self.energy_included)


class RateConfig(BaseModel):
    """``tokenfab cost --tok-s``: price a hypothetical output throughput."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    price: PriceSpec
    output_tok_s: float = Field(description="--tok-s: output tokens per second")
    output_tokens_per_day: float | None = Field(
        None, description="--tokens-per-day: output tokens a day, to price a day and a year")

    @model_validator(mode="after")
    def _check(self) -> RateConfig:
        _finite("--tok-s", self.output_tok_s, low=0, low_open=True,
                fix="give the output tokens per second to price")
        _finite("--tokens-per-day", self.output_tokens_per_day, low=0, low_open=True,
                fix="give your daily output tokens, e.g. 1e7")
        if not self.price.has_price:
            raise ValueError("no price given: add --hourly-usd, --profile or --hardware")
        return self


class RepriceConfig(BaseModel):
    """``tokenfab cost --run``: re-price a stored run from its records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str = Field(description="--run: run id or unique prefix")
    price: PriceSpec
    blend_ratio: float = Field(3.0, description="--blend-ratio: input:output tokens")
    bootstrap_samples: int = Field(1000, description="--bootstrap: 0 disables the CIs")
    db_url: str | None = Field(None, description="--db: SQLAlchemy URL (default: local)")

    @model_validator(mode="after")
    def _check(self) -> RepriceConfig:
        _named("--run", self.run_id, "give a run id from `tokenfab runs list`")
        _finite("--blend-ratio", self.blend_ratio, low=0, fix="e.g. 3 for 3 input tokens "
                "per output token")
        if not 0 <= self.bootstrap_samples <= MAX_BOOTSTRAP_SAMPLES:
            raise ValueError(f"--bootstrap must be between 0 and {MAX_BOOTSTRAP_SAMPLES} (got "
                             f"{self.bootstrap_samples}); 0 disables the intervals")
        _named("--db", self.db_url, "give a SQLAlchemy URL or leave it out")
        if not self.price.has_price:
            raise ValueError("no price given: add --hourly-usd, --profile or --hardware")
        return self


class RatePrice(BaseModel):
    """A hypothetical throughput priced under a profile (the ``tokenfab.cost/1`` JSON).

    usd_per_mtok_output = usd_per_hour / (output_tok_s × 3600 × utilization) × 1e6
    breakdown_usd_per_mtok_output[c] = the same with breakdown_usd_per_hour[c]
    usd_per_day = output_tokens_per_day / 1e6 × usd_per_mtok_output; usd_per_year = × 365
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(RATE_SCHEMA_ID, alias="schema")
    profile: TcoProfile
    output_tok_s: float
    usd_per_hour: float
    usd_per_mtok_output: float
    breakdown_usd_per_mtok_output: dict[str, float]
    breakdown_usd_per_hour: dict[str, float]
    components_usd_per_hour: dict[str, float]
    utilization: float
    provenance: dict[str, Provenance]
    output_tokens_per_day: float | None = None
    usd_per_day: float | None = None
    usd_per_year: float | None = None

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json")
