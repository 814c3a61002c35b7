"""TCO flags shared by ``bench``, ``run`` and ``cost``, and the profile they build."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from tokenfab.cost.tco import load_profile, profile_error
from tokenfab.errors import ConfigError
from tokenfab.schemas.cost import TcoProfile

F = TypeVar("F", bound=Callable[..., Any])


def tco_options(f: F) -> F:
    opts = [
        click.option("--profile", "profile_path", default=None,
                     help="TCO profile TOML (see docs/COST.md)"),
        click.option("--hardware", default=None,
                     help="price from the catalog, e.g. H100 (see `tokenfab hardware list`)"),
        click.option("--gpus", type=int, default=None,
                     help="accelerators serving (with --hardware)"),
        click.option("--tier", default=None, help="catalog rental tier (with --hardware)"),
        click.option("--capex", is_flag=True, help="own instead of rent: catalog list capex"),
        click.option("--pue", type=float, default=None, help="power usage effectiveness [1.2]"),
        click.option("--usd-per-kwh", type=float, default=None,
                     help="electricity price [0.091, US industrial average]"),
        click.option("--overhead-usd-per-hour", type=float, default=None,
                     help="software/network/ops $ per hour"),
        click.option("--overhead-pct", type=float, default=None,
                     help="overhead as % of hardware + energy"),
        click.option("--utilization", type=float, default=None,
                     help="share of hours doing paid work, 0-1 [1.0]"),
        click.option("--energy-included", is_flag=True, default=None,
                     help="the hourly price already includes electricity"),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def build_profile(*, hourly_usd: float | None, profile_path: str | None, hardware: str | None,
                  gpus: int | None, tier: str | None, capex: bool, pue: float | None,
                  usd_per_kwh: float | None, overhead_usd_per_hour: float | None,
                  overhead_pct: float | None, utilization: float | None,
                  energy_included: bool | None) -> TcoProfile | None:
    """A profile from a file, the catalog or ``--hourly-usd``, with flag overrides applied."""
    sources = [x for x in (hourly_usd is not None, profile_path, hardware) if x]
    if len(sources) > 1:
        raise ConfigError("give one of --hourly-usd, --profile or --hardware")
    data: dict[str, Any]
    if profile_path:
        data = load_profile(profile_path).model_dump()
    elif hardware:
        from tokenfab.cost.catalog import find_accelerator, rental_usd_per_hour

        acc = find_accelerator(hardware)
        data = {"name": f"{acc.name} ({'capex' if capex else tier or 'rental'})",
                "accelerators": gpus or 1,
                "power_w": acc.all_in_kw_per_accelerator * 1000.0
                if acc.all_in_kw_per_accelerator else float(acc.tdp_w)}
        if capex:
            if acc.list_capex_usd is None:
                raise ConfigError(f"the catalog has no list price for {acc.name}; "
                                  "use a --profile with capex_usd")
            data["capex_usd"] = acc.list_capex_usd
        else:
            data["rental_usd_per_hour"] = rental_usd_per_hour(acc, tier)
            data["energy_included"] = True  # cloud rental prices include power
    elif hourly_usd is not None:
        data = {"name": "hourly", "rental_usd_per_hour": hourly_usd}
    else:
        if any(v is not None for v in (pue, usd_per_kwh, overhead_usd_per_hour, overhead_pct,
                                       utilization)):
            raise ConfigError("cost flags need a price: add --hourly-usd, --profile or "
                              "--hardware")
        return None
    if gpus is not None and not hardware:
        data["accelerators"] = gpus
    overrides = {"pue": pue, "usd_per_kwh": usd_per_kwh,
                 "overhead_usd_per_hour": overhead_usd_per_hour,
                 "overhead_fraction": None if overhead_pct is None else overhead_pct / 100.0,
                 "utilization": utilization, "energy_included": energy_included}
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return TcoProfile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_flag_error(exc)) from None


def _flag_error(exc: ValidationError) -> str:
    msg = profile_error(exc)
    names = {"rental_usd_per_hour": "--hourly-usd", "overhead_fraction": "--overhead-pct",
             "usd_per_kwh": "--usd-per-kwh", "overhead_usd_per_hour": "--overhead-usd-per-hour",
             "pue": "--pue", "utilization": "--utilization", "accelerators": "--gpus"}
    for field, flag in names.items():
        if msg.startswith(field):
            return flag + msg[len(field):]
    return msg
