"""Plan inputs: the bundled tier presets and TOML plan files, read with one-line errors.

A plan file holds the keys of :class:`tokenfab.schemas.plan.PlanConfig` at the top level,
``[[tiers]]`` tables (:class:`TierSpec`) and ``[[hardware]]`` tables (:class:`HardwareSpec`).
Flags given on the command line replace the file's values.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tokenfab.errors import ConfigError, format_validation
from tokenfab.schemas.plan import PlanConfig, TierSpec


def preset_names() -> list[str]:
    files = resources.files("tokenfab.plan").joinpath("data")
    return sorted(f.name.removesuffix(".toml") for f in files.iterdir()
                  if f.name.endswith(".toml"))


@cache
def preset_tiers(name: str) -> tuple[TierSpec, ...]:
    """The tiers of a bundled preset (``gtc2026``)."""
    if name not in preset_names():
        raise ConfigError(f"unknown --preset '{name}'; known: {', '.join(preset_names())}")
    text = resources.files("tokenfab.plan").joinpath("data", f"{name}.toml").read_text("utf-8")
    data = tomllib.loads(text)
    try:
        return tuple(TierSpec.model_validate(t) for t in data["tiers"])
    except ValidationError as exc:  # a broken bundled file is a bug, said in one line
        raise ConfigError(format_validation(exc, f"preset {name}")) from None


def read_plan_file(path: str) -> dict[str, Any]:
    """The plan file's table, or a one-line error naming the file."""
    where = f"--plan {path}"
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file; give a TOML plan file") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text; save it as UTF-8 TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    return data


def build_config(file_data: Mapping[str, Any] | None, flags: Mapping[str, Any],
                 where: str = "--plan") -> PlanConfig:
    """File values, then flags (those not None) on top, validated as one config. An error
    in the file names the file and the field (``--plan p.toml: tiers.0.usd_per_mtok_output:
    ...``); an error in a flag names the flag."""
    data: dict[str, Any] = dict(file_data or {})
    given = {k: v for k, v in flags.items() if v is not None}
    data.update(given)
    try:
        return PlanConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err.get("loc", ("",))[0])
        if field in given:
            raise ConfigError(format_validation(exc, "--" + field.replace("_", "-")).replace(
                f"--{field.replace('_', '-')}: {field}: ", f"--{field.replace('_', '-')}: "
            )) from None
        raise ConfigError(format_validation(exc, where)) from None


def resolved_tiers(cfg: PlanConfig) -> tuple[TierSpec, ...]:
    """The config's tiers (the preset's when none), with ``--utilization`` applied."""
    tiers = cfg.tiers or preset_tiers(cfg.preset)
    if cfg.utilization is None:
        return tiers
    return tuple(t.model_copy(update={"utilization": cfg.utilization}) for t in tiers)


__all__ = ["build_config", "preset_names", "preset_tiers", "read_plan_file", "resolved_tiers"]
