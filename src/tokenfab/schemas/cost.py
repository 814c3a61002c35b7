"""Cost inputs: a TCO profile, validated at the boundary (TOML or flags)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TcoProfile(BaseModel):
    """What serving costs, per accelerator unless named otherwise. TOML-loadable and shareable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
        for name in ("rental_usd_per_hour", "capex_usd", "power_w", "usd_per_kwh"):
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number")
        return self
