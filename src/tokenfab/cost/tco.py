"""Total cost of ownership per hour, decomposed into hardware, energy and overhead. Pure.

usd_per_hour = hardware + energy + overhead, where for N accelerators

- hardware  = N × rental_usd_per_hour                                   (rented), or
              N × (capex_usd − residual_usd / (1 + r)^n) × CRF(r, n) / 8760   (owned),
              CRF(r, n) = r (1 + r)^n / ((1 + r)^n − 1)   (= 1/n when r = 0)
            + N × provisioned_kw × colo_usd_per_kw_month × 12 / 8760       (facility)
- energy    = N × power_w / 1000 × PUE × usd_per_kwh   (0 when the rental price includes power)
- overhead  = overhead_usd_per_hour + overhead_fraction × (hardware + energy)

Idle hours still cost: per-token prices (``tokenfab.cost.price``) divide by
``tok_per_s × 3600 × utilization``. Profiles are read and resolved in ``tokenfab.cost.profile``.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.types import Provenance

HOURS_PER_YEAR = 8760.0
MONTHS_PER_YEAR = 12.0


def crf(rate: float, years: float) -> float:
    """Capital recovery factor CRF = r(1+r)^n / ((1+r)^n − 1); 1/n when r = 0."""
    if years <= 0 or not math.isfinite(years):
        raise ValueError("amortization years must be > 0")
    if rate < 0 or not math.isfinite(rate):
        raise ValueError("cost of capital must be >= 0")
    if rate == 0:
        return 1.0 / years
    g: float = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


def owned_usd_per_hour(capex_usd: float, years: float, rate: float,
                       residual_fraction: float = 0.0) -> float:
    """(capex − residual/(1+r)^n) × CRF(r, n) / 8760, residual = residual_fraction × capex."""
    growth: float = (1.0 + rate) ** years
    residual_pv = capex_usd * residual_fraction / growth
    return (capex_usd - residual_pv) * crf(rate, years) / HOURS_PER_YEAR


def energy_usd_per_hour(power_w: float, pue: float, usd_per_kwh: float) -> float:
    """power_w / 1000 × PUE × usd_per_kwh."""
    return power_w / 1000.0 * pue * usd_per_kwh


def facility_usd_per_hour(provisioned_kw: float, usd_per_kw_month: float) -> float:
    """provisioned_kw × usd_per_kw_month × 12 / 8760."""
    return provisioned_kw * usd_per_kw_month * MONTHS_PER_YEAR / HOURS_PER_YEAR


class HourlyCost(BaseModel):
    """usd_per_hour and its decomposition; every term carries its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    usd_per_hour: float
    breakdown_usd_per_hour: dict[str, float]  # hardware, energy, overhead: sums to usd_per_hour
    components_usd_per_hour: dict[str, float]  # rental|capex, facility, energy, overhead parts
    provenance: dict[str, Provenance]
    utilization: float
    power_w: float | None = None


def hourly_cost(profile: TcoProfile, *, power_w: float | None = None,
                power_provenance: Provenance = "assumed") -> HourlyCost:
    """Evaluate a profile; ``power_w`` (total, all accelerators) overrides the profile's."""
    n = profile.accelerators
    if profile.rental_usd_per_hour is not None:
        base = n * profile.rental_usd_per_hour
        base_key = "rental"
    else:
        assert profile.capex_usd is not None
        base = n * owned_usd_per_hour(profile.capex_usd, profile.amortization_years,
                                      profile.cost_of_capital, profile.residual_fraction)
        base_key = "capex_amortized"
    total_power_w = power_w if power_w is not None else (
        None if profile.power_w is None else n * profile.power_w)
    prov_energy: Provenance = power_provenance if power_w is not None else "assumed"
    if profile.energy_included or total_power_w is None:
        energy = 0.0
    else:
        energy = energy_usd_per_hour(total_power_w, profile.pue, profile.usd_per_kwh)
    kw = profile.provisioned_kw
    if kw is None and profile.power_w is not None:
        kw = profile.power_w / 1000.0
    facility = facility_usd_per_hour(n * (kw or 0.0), profile.colo_usd_per_kw_month)
    hardware = base + facility
    overhead = profile.overhead_usd_per_hour + profile.overhead_fraction * (hardware + energy)
    total = hardware + energy + overhead
    return HourlyCost(
        usd_per_hour=total,
        breakdown_usd_per_hour={"hardware": hardware, "energy": energy, "overhead": overhead},
        components_usd_per_hour={base_key: base, "facility": facility, "energy": energy,
                                 "overhead_fixed": profile.overhead_usd_per_hour,
                                 "overhead_proportional": overhead
                                 - profile.overhead_usd_per_hour},
        provenance={"hardware": "assumed", "energy": prov_energy, "overhead": "assumed"},
        utilization=profile.utilization,
        power_w=total_power_w,
    )

