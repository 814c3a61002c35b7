"""TCO profiles: parsed from TOML, priced from the catalog, overridden by flags.

A profile file is UTF-8 TOML whose keys are :class:`~tokenfab.schemas.cost.TcoProfile`'s,
either at the top level or inside one ``[tco]`` table. Every failure is a one-line
``ConfigError`` naming the file (or flag), the key and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tokenfab.cost.catalog import find_accelerator, rental_usd_per_hour
from tokenfab.errors import ConfigError, format_validation
from tokenfab.schemas.cost import PriceSpec, TcoProfile

PROFILE_HELP = "write a TOML TCO profile (see docs/COST.md)"

FLAG_OF_FIELD = {"rental_usd_per_hour": "--hourly-usd", "overhead_fraction": "--overhead-pct",
                 "usd_per_kwh": "--usd-per-kwh", "overhead_usd_per_hour": "--overhead-usd-per-hour",
                 "pue": "--pue", "utilization": "--utilization", "accelerators": "--gpus"}


def one_line(text: str) -> str:
    """``text`` with every non-printable character (newlines, tabs, NULs) escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def profile_error(exc: ValidationError, where: str | None = None) -> str:
    """:func:`tokenfab.errors.format_validation`'s line, plus the allowed keys (for an unknown
    key) or the allowed range (for a value out of bounds)."""
    line = format_validation(exc, where)
    errors = exc.errors()
    err = errors[0] if errors else None
    if err is not None and err.get("type") == "extra_forbidden":
        line += f"; allowed keys: {', '.join(sorted(TcoProfile.model_fields))}"
    elif err is not None:
        ctx = err.get("ctx") or {}
        bounds = ", ".join(f"{k} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt"))
        line += f" (allowed: {bounds})" if bounds else ""
    return one_line(line)


def _table(data: dict[str, Any], where: str) -> object:
    if "tco" not in data:
        return data
    others = sorted(k for k in data if k != "tco")
    if others:
        raise ConfigError(one_line(f"{where}: unknown key {others[0]!r} next to [tco]; put "
                                   "every key inside the [tco] table"))
    return data["tco"]


def parse_profile(raw: bytes | str, where: str) -> TcoProfile:
    """A profile from TOML bytes or text; ``where`` names the source in error messages."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where}: not UTF-8 text (bad byte at offset {exc.start}); "
                              "save the profile as UTF-8") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(one_line(f"{where}: not valid TOML ({exc}); {PROFILE_HELP}")) from None
    except RecursionError:
        raise ConfigError(f"{where}: not valid TOML (nested too deeply); {PROFILE_HELP}") from None
    table = _table(data, where)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tco] must be a table of profile keys; {PROFILE_HELP}")
    try:
        return TcoProfile.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(profile_error(exc, where)) from None


def load_profile(path: str | Path) -> TcoProfile:
    """A TOML profile file (keys as in :class:`TcoProfile`); errors name the field and range."""
    p = Path(path)
    where = one_line(f"--profile {p}")
    if p.is_dir():
        raise ConfigError(f"{where}: is a directory; {PROFILE_HELP}")
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file; {PROFILE_HELP}") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read it ({exc.strerror or exc}); check the path "
                          "and its permissions") from None
    return parse_profile(raw, where)


def _catalog_data(spec: PriceSpec) -> dict[str, Any]:
    assert spec.hardware is not None
    acc = find_accelerator(spec.hardware)
    kw = acc.all_in_kw_per_accelerator
    data: dict[str, Any] = {
        "name": f"{acc.name} ({'capex' if spec.capex else spec.tier or 'rental'})",
        "accelerators": spec.gpus or 1,
        "power_w": kw * 1000.0 if kw else float(acc.tdp_w)}
    if spec.capex:
        if acc.list_capex_usd is None:
            raise ConfigError(f"the catalog has no list price for {acc.name}; "
                              "use a --profile with capex_usd")
        data["capex_usd"] = acc.list_capex_usd
    else:
        data["rental_usd_per_hour"] = rental_usd_per_hour(acc, spec.tier)
        data["energy_included"] = True  # cloud rental prices include power
    return data


def _flag_error(exc: ValidationError) -> str:
    msg = profile_error(exc)
    for field, flag in FLAG_OF_FIELD.items():
        if msg.startswith(field):
            return flag + msg[len(field):]
    return msg


def resolve_profile(spec: PriceSpec) -> TcoProfile | None:
    """The profile ``spec`` names (a file, the catalog or an hourly price) with its flag
    overrides applied; None when no price was given."""
    data: dict[str, Any]
    if spec.profile_path is not None:
        data = load_profile(spec.profile_path).model_dump()
    elif spec.hardware is not None:
        data = _catalog_data(spec)
    elif spec.hourly_usd is not None:
        data = {"name": "hourly", "rental_usd_per_hour": spec.hourly_usd}
    else:
        return None
    if spec.gpus is not None:
        data["accelerators"] = spec.gpus
    overrides = {"pue": spec.pue, "usd_per_kwh": spec.usd_per_kwh,
                 "overhead_usd_per_hour": spec.overhead_usd_per_hour,
                 "overhead_fraction": None if spec.overhead_pct is None
                 else spec.overhead_pct / 100.0,
                 "utilization": spec.utilization, "energy_included": spec.energy_included}
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return TcoProfile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_flag_error(exc)) from None


def hourly_profile(usd_per_hour: float) -> TcoProfile:
    """A bare rental profile: ``usd_per_hour`` for the whole server, nothing else."""
    return TcoProfile(name="hourly", rental_usd_per_hour=usd_per_hour)
