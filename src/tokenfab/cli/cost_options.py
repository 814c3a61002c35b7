"""TCO flags shared by ``bench``, ``run``, ``eval`` and ``cost``: parsed into a ``PriceSpec``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from tokenfab.cost.profile import resolve_profile
from tokenfab.errors import ConfigError, format_validation
from tokenfab.schemas.cost import PriceSpec, TcoProfile

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


def price_spec(*, hourly_usd: float | None, profile_path: str | None, hardware: str | None,
               gpus: int | None, tier: str | None, capex: bool, pue: float | None,
               usd_per_kwh: float | None, overhead_usd_per_hour: float | None,
               overhead_pct: float | None, utilization: float | None,
               energy_included: bool | None) -> PriceSpec:
    """The TCO flags as a validated :class:`PriceSpec` (one-line ConfigError naming the flag)."""
    try:
        return PriceSpec(hourly_usd=hourly_usd, profile_path=profile_path, hardware=hardware,
                         gpus=gpus, tier=tier, capex=capex, pue=pue, usd_per_kwh=usd_per_kwh,
                         overhead_usd_per_hour=overhead_usd_per_hour, overhead_pct=overhead_pct,
                         utilization=utilization, energy_included=energy_included or None)
    except ValidationError as exc:
        raise ConfigError(format_validation(exc)) from None


def build_profile(*, hourly_usd: float | None, profile_path: str | None, hardware: str | None,
                  gpus: int | None, tier: str | None, capex: bool, pue: float | None,
                  usd_per_kwh: float | None, overhead_usd_per_hour: float | None,
                  overhead_pct: float | None, utilization: float | None,
                  energy_included: bool | None) -> TcoProfile | None:
    """A profile from a file, the catalog or ``--hourly-usd``, with flag overrides applied."""
    return resolve_profile(price_spec(
        hourly_usd=hourly_usd, profile_path=profile_path, hardware=hardware, gpus=gpus,
        tier=tier, capex=capex, pue=pue, usd_per_kwh=usd_per_kwh,
        overhead_usd_per_hour=overhead_usd_per_hour, overhead_pct=overhead_pct,
        utilization=utilization, energy_included=energy_included))
