"""Fleet arithmetic for a plan. Pure: frozen inputs in, numbers out.

it_budget_kw       = power_mw × 1000 / PUE        (utility basis: the budget includes cooling)
                   = power_mw × 1000              (critical_it basis)
utility_mw(kw_it)  = kw_it × PUE / 1000
accelerators_in(power_mw) = it_budget_kw / all_in_kw          (InferenceX fleet planner)
gpu_hours_per_gw_year     = 1e6 kW / all_in_kw × 8760         (InferenceX fleet planner)
usd_per_mtok              = usd_per_gpu_hour × 1e6 / (tok_s_per_gpu × 3600)
                            (InferenceX; computed by the pricing door ``cost.price.usd_per_mtok``)
tokens_per_year           = tok_s × utilization × 3600 × 8760

Per accelerator, the hourly TCO is ``cost.tco.hourly_cost`` of a one-accelerator profile: rent
(catalog tier, power included unless said otherwise) or own (capex × CRF / 8760), plus energy
``all_in_kw × PUE × usd_per_kwh`` when power is not included.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from tokenfab.cost.catalog import Accelerator, find_accelerator, rental_usd_per_hour
from tokenfab.cost.price import usd_per_mtok
from tokenfab.cost.tco import HOURS_PER_YEAR, hourly_cost
from tokenfab.errors import ConfigError, format_validation
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.plan import HardwareEconomics, HardwareSpec, PowerBasis
from tokenfab.schemas.types import Provenance

S_PER_HOUR = 3600.0
S_PER_DAY = 86_400.0
KW_PER_GW = 1e6


def it_budget_kw(power_mw: float, basis: PowerBasis, pue: float) -> float:
    """IT power the budget allows, kW: power_mw × 1000 / PUE (utility) or × 1000 (critical IT)."""
    return power_mw * 1000.0 / (pue if basis == "utility" else 1.0)


def utility_mw(kw_it: float, pue: float) -> float:
    """Facility (utility) power of ``kw_it`` of IT load, MW: kw_it × PUE / 1000."""
    return kw_it * pue / 1000.0


def accelerators_in(power_mw: float, all_in_kw: float, basis: PowerBasis = "critical_it",
                    pue: float = 1.0) -> float:
    """Accelerators a budget powers (fractional): it_budget_kw / all_in_kw."""
    return it_budget_kw(power_mw, basis, pue) / all_in_kw


def gpu_hours_per_gw_year(all_in_kw: float) -> float:
    """InferenceX's fleet planner: 1e6 kW ÷ all-in kW per GPU × 8,760 h."""
    return KW_PER_GW / all_in_kw * HOURS_PER_YEAR


def usd_per_mtok_at(usd_per_gpu_hour: float, tok_s_per_gpu: float) -> float:
    """$/1M = $/GPU-hour × 10⁶ ÷ (tok/s/GPU × 3,600), through the pricing door."""
    value = usd_per_mtok(usd_per_gpu_hour, tok_s_per_gpu)
    if value is None:
        raise ValueError("tok_s_per_gpu must be > 0")
    return value


def tokens_per_year(tok_s: float, utilization: float) -> float:
    """tok_s × utilization × 3600 × 8760."""
    return tok_s * utilization * S_PER_HOUR * HOURS_PER_YEAR


def mtok_per_day(tok_s: float, utilization: float) -> float:
    """Millions of tokens a day: tok_s × utilization × 86,400 / 1e6."""
    return tok_s * utilization * S_PER_DAY / 1e6


def _price(spec: HardwareSpec, acc: Accelerator | None) -> tuple[dict[str, object], str]:
    if spec.ownership == "own":
        capex = spec.capex_usd if spec.capex_usd is not None else (
            acc.list_capex_usd if acc is not None else None)
        if capex is None:
            raise ConfigError(f"hardware {spec.name}: the catalog has no list price; give "
                              "capex_usd in the plan file or rent it (ownership = 'rent')")
        src = "plan file capex_usd (assumed)" if spec.capex_usd is not None else \
            f"catalog list price {acc.sources.get('list_capex_usd', '') if acc else ''}"
        return ({"capex_usd": capex, "amortization_years": spec.amortization_years,
                 "cost_of_capital": spec.cost_of_capital,
                 "energy_included": bool(spec.energy_included)}, src.strip())
    if spec.usd_per_hour is not None:
        return ({"rental_usd_per_hour": spec.usd_per_hour,
                 "energy_included": bool(spec.energy_included)},
                f"{spec.usd_per_hour:g} USD per accelerator-hour (assumed, given)")
    if acc is None:
        raise ConfigError(f"hardware {spec.name}: no price; give usd_per_hour or capex_usd")
    tier = spec.rental_tier
    rent = rental_usd_per_hour(acc, tier)
    key = tier or min((t for t, v in acc.rental_usd_per_hour.items() if v == rent), default="")
    included = True if spec.energy_included is None else spec.energy_included
    return ({"rental_usd_per_hour": rent, "energy_included": included},
            f"catalog {acc.key} {key} (assumed)")


def catalog_entry(spec: HardwareSpec,
                  catalog: Mapping[str, Accelerator] | None) -> Accelerator | None:
    """The catalog entry; None for hardware the catalog lacks but the plan fully prices."""
    try:
        return find_accelerator(spec.name, catalog)
    except ConfigError as exc:
        priced = spec.usd_per_hour is not None or spec.capex_usd is not None
        if spec.all_in_kw is not None and priced:
            return None
        raise ConfigError(f"{exc}; or describe it in the plan file with all_in_kw and "
                          "usd_per_hour (or capex_usd)") from None


def hardware_economics(spec: HardwareSpec, *, pue: float, usd_per_kwh: float,
                       catalog: Mapping[str, Accelerator] | None = None,
                       default_kw: tuple[float, Provenance, str] | None = None,
                       ) -> HardwareEconomics:
    """One accelerator's hourly TCO and IT power. ``default_kw`` (kW, provenance, source)
    stands in for hardware the catalog does not know (the local machine)."""
    acc = None if spec.name == "local" else catalog_entry(spec, catalog)
    if spec.all_in_kw is not None:
        kw, prov, ksrc = spec.all_in_kw, "assumed", "plan input all_in_kw (assumed)"
    elif acc is not None and acc.all_in_kw_per_accelerator is not None:
        kw, prov = acc.all_in_kw_per_accelerator, "assumed"
        ksrc = "catalog: " + acc.sources.get("all_in_kw_per_accelerator", "all-in kW")
    elif default_kw is not None:
        kw, prov, ksrc = default_kw
    elif acc is not None:
        kw, prov = acc.tdp_w / 1000.0, "assumed"
        ksrc = f"catalog TDP {acc.tdp_w:g} W (no all-in figure: host and network not counted)"
    else:
        raise ConfigError(f"hardware {spec.name}: give all_in_kw (kW per accelerator)")
    data, price_source = _price(spec, acc)
    try:
        profile = TcoProfile.model_validate({
            "name": spec.name, "accelerators": 1, "power_w": kw * 1000.0, "pue": pue,
            "usd_per_kwh": usd_per_kwh, **data})
    except ValidationError as exc:
        raise ConfigError(format_validation(exc, f"hardware {spec.name}")) from None
    hourly = hourly_cost(profile)
    name = acc.key if acc is not None else spec.name
    per_node = spec.gpus_per_node
    return HardwareEconomics(
        hardware=name, kw_it_per_accelerator=kw, kw_provenance=prov, kw_source=ksrc,
        usd_per_hour_per_accelerator=hourly.usd_per_hour,
        breakdown_usd_per_hour=dict(hourly.breakdown_usd_per_hour), price_source=price_source,
        accelerators_per_node=per_node, accelerators_per_rack=per_node * spec.nodes_per_rack,
        max_accelerators=spec.max_accelerators)


__all__ = ["accelerators_in", "catalog_entry", "gpu_hours_per_gw_year", "hardware_economics",
           "it_budget_kw", "mtok_per_day", "tokens_per_year", "usd_per_mtok_at", "utility_mw"]
