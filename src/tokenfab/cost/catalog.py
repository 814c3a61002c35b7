"""Hardware catalog: accelerator spec sheets and indicative prices, kept as data.

Every number in ``data/hardware.toml`` is a catalog input, provenance ``assumed``:

* spec-sheet figures come from the vendor datasheet named in ``sources`` (NVIDIA prints
  tensor-core peaks with sparsity, so dense = sparse / 2; AMD prints dense peaks);
* prices (``rental_usd_per_hour``, ``list_capex_usd``) are indicative 2025–2026 public
  prices, assumed; override them in a TCO profile.

``sources`` maps each field (and each rental tier, as ``rental_usd_per_hour.<tier>``) to
where its number came from; a field left out carries a ``not supported: ...`` or
``omitted: ...`` note instead.

peak_tflops(acc, precision) = the dense tensor-core peak for that precision, TFLOP/s
(TOP/s for int8/int4); fp16 runs at the bf16 rate on every catalogued part.

``architecture`` says which performance model a part gets (``tokenfab.roofline.sram``):
``hbm`` (GPUs: weights in device memory, the HBM roofline), ``sram`` (Groq LPU: weights only
in on-chip SRAM, ``memory_gb`` per chip, a model spread over as many chips as it needs),
``wafer`` (Cerebras WSE-3: on-wafer SRAM, weights streamed over ``stream_gb_s`` when they do
not fit) and ``on_device`` (phone/laptop NPU: LPDDR bandwidth, one user, priced by energy).
Their extra figures (``ARCH_FIELDS``) are sourced like the others when present.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError, model_validator

from tokenfab.errors import ConfigError, format_validation
from tokenfab.schemas.types import Precision

PRICE_NOTE = "indicative 2025–2026 public price, assumed; override in a TCO profile"
"""Every price source must carry this phrase (enforced by the catalog tests)."""

CATALOG_PROVENANCE: Literal["assumed"] = "assumed"
ON_DEMAND_SUFFIX = "_on_demand"
RENTAL = "rental_usd_per_hour"

NUMERIC_FIELDS: tuple[str, ...] = (
    "dense_bf16_tflops", "dense_fp8_tflops", "dense_fp4_tflops", "dense_int8_tops",
    "dense_int4_tops", "memory_gb", "memory_tb_s", "tdp_w", "all_in_kw_per_accelerator",
    "interconnect_gb_s", "list_capex_usd",
)
"""Scalar numeric fields; each rental tier is sourced as ``rental_usd_per_hour.<tier>``."""

ARCH_FIELDS: tuple[str, ...] = ("chip_link_latency_us", "stream_gb_s")
"""Figures only non-HBM parts carry; sourced when present, absent (not noted) otherwise."""

Architecture = Literal["hbm", "sram", "wafer", "on_device"]

PRECISION_FIELD: Mapping[Precision, str] = {
    "bf16": "dense_bf16_tflops", "fp16": "dense_bf16_tflops", "fp8": "dense_fp8_tflops",
    "fp4": "dense_fp4_tflops", "int8": "dense_int8_tops", "int4": "dense_int4_tops",
}
_FLOAT_PRECISIONS: tuple[Precision, ...] = ("bf16", "fp8", "fp4")
_INT_PRECISIONS: tuple[Precision, ...] = ("int8", "int4")

BUNDLED_NAME = "hardware.toml"


class Accelerator(BaseModel):
    """One accelerator: dense peaks, memory, power, interconnect and indicative prices."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1, description="catalog key, e.g. 'H100' (the TOML table name)")
    vendor: str = Field(min_length=1, description="e.g. NVIDIA, AMD")
    name: str = Field(min_length=1, description="full product name")
    aliases: tuple[str, ...] = Field(default=(), description="other names it answers to")
    family: str = Field(min_length=1, description="e.g. nvidia-hopper, amd-cdna3")
    dense_bf16_tflops: PositiveFloat = Field(description="dense BF16 tensor peak, TFLOP/s")
    dense_fp8_tflops: PositiveFloat | None = Field(
        default=None, description="dense FP8 tensor peak, TFLOP/s; None when unsupported")
    dense_fp4_tflops: PositiveFloat | None = Field(
        default=None, description="dense FP4 tensor peak, TFLOP/s; None when unsupported")
    dense_int8_tops: PositiveFloat | None = Field(
        default=None, description="dense INT8 tensor peak, TOP/s")
    dense_int4_tops: PositiveFloat | None = Field(
        default=None, description="dense INT4 tensor peak, TOP/s")
    memory_gb: PositiveFloat = Field(description="device memory, GB (1e9 bytes)")
    memory_tb_s: PositiveFloat = Field(description="peak memory bandwidth, TB/s")
    tdp_w: PositiveFloat = Field(description="board power (TDP/TBP), W")
    all_in_kw_per_accelerator: PositiveFloat | None = Field(
        default=None,
        description="server/rack power incl. host, fans and network, per accelerator, kW")
    interconnect_gb_s: PositiveFloat | None = Field(
        default=None, description="scale-up bandwidth per accelerator, bidirectional, GB/s")
    architecture: Architecture = Field(
        default="hbm", description="performance model: hbm, sram, wafer or on_device")
    chip_link_latency_us: PositiveFloat | None = Field(
        default=None, description="sram/wafer: latency of one chip-to-chip hop, µs")
    stream_gb_s: PositiveFloat | None = Field(
        default=None, description="wafer: external weight-streaming bandwidth, GB/s")
    rental_usd_per_hour: dict[str, PositiveFloat] = Field(
        default_factory=dict, description="USD per accelerator-hour by tier")
    list_capex_usd: PositiveFloat | None = Field(
        default=None, description="purchase price per accelerator incl. its server share, USD")
    sources: dict[str, str] = Field(
        default_factory=dict, description="field -> where its number came from")
    provenance: Literal["assumed"] = Field(
        default=CATALOG_PROVENANCE, description="every catalog number is an assumed input")

    @model_validator(mode="before")
    @classmethod
    def _numbers_not_bools(cls, data: Any) -> Any:
        """TOML ``true`` is not a number: without this, pydantic reads it as 1."""
        if isinstance(data, dict):
            rents = data.get(RENTAL)
            values = [(f, data.get(f)) for f in NUMERIC_FIELDS]
            if isinstance(rents, dict):
                values += [(f"{RENTAL}.{t}", v) for t, v in rents.items()]
            for field, value in values:
                if isinstance(value, bool):
                    raise ValueError(f"{field} must be a number, not {str(value).lower()}")
        return data

    @model_validator(mode="after")
    def _sources_name_fields(self) -> Accelerator:
        for src_key in self.sources:
            field, dot, tier = src_key.partition(".")
            if field == RENTAL and dot and tier:
                continue
            if src_key not in NUMERIC_FIELDS and src_key not in ARCH_FIELDS:
                raise ValueError(f"sources names unknown field '{src_key}'")
        return self


def missing_sources(acc: Accelerator) -> list[str]:
    """Numeric fields (and rental tiers) that carry a number but no ``sources`` entry."""
    need = [f for f in (*NUMERIC_FIELDS, *ARCH_FIELDS) if getattr(acc, f) is not None]
    need += [f"{RENTAL}.{tier}" for tier in acc.rental_usd_per_hour]
    return [f for f in need if not acc.sources.get(f, "").strip()]


def _validation_message(exc: ValidationError, key: str, where: str) -> str:
    line = format_validation(exc, f"[{key}] of {where}")
    errors = exc.errors()
    if errors and errors[0].get("type") == "extra_forbidden":
        line += "; check its spelling"
    return line


def parse_catalog(data: Mapping[str, Any], where: str) -> dict[str, Accelerator]:
    """Validate a parsed hardware TOML; ``where`` names the file in error messages."""
    catalog: dict[str, Accelerator] = {}
    seen: dict[str, str] = {}
    for key, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"unknown key '{key}' in {where}; every top-level entry must be "
                              "an [ACCELERATOR] table")
        if "key" in table:
            raise ConfigError(f"unknown key 'key' in [{key}] of {where}; the table name is the key")
        try:
            acc = Accelerator.model_validate({"key": key, **table})
        except ValidationError as exc:
            raise ConfigError(_validation_message(exc, key, where)) from None
        for label in (acc.key, acc.name, *acc.aliases):
            other = seen.setdefault(label.lower(), acc.key)
            if other != acc.key:
                raise ConfigError(f"name '{label}' of [{acc.key}] is already used by "
                                  f"[{other}] in {where}")
        catalog[acc.key] = acc
    if not catalog:
        raise ConfigError(f"no accelerators in {where}; add one [ACCELERATOR] table")
    return catalog


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from None


@cache
def _bundled() -> tuple[tuple[str, Accelerator], ...]:
    res = resources.files("tokenfab.cost").joinpath("data").joinpath(BUNDLED_NAME)
    where = f"bundled {BUNDLED_NAME}"
    return tuple(parse_catalog(_read_toml(res.read_text(encoding="utf-8"), where), where).items())


def load_catalog(path: Path | None = None) -> dict[str, Accelerator]:
    """The bundled catalog, or a user TOML with the same schema (which replaces it)."""
    if path is None:
        return dict(_bundled())
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read hardware catalog {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"hardware catalog {path} is not UTF-8 text (bad byte at offset "
                          f"{exc.start}); save it as UTF-8") from None
    return parse_catalog(_read_toml(text, str(path)), str(path))


def find_accelerator(name: str,
                     catalog: Mapping[str, Accelerator] | None = None) -> Accelerator:
    """Look up by key, full name or alias, case-insensitively."""
    entries = catalog if catalog is not None else load_catalog()
    wanted = name.strip().lower()
    for acc in entries.values():
        if wanted in {acc.key.lower(), acc.name.lower(), *(a.lower() for a in acc.aliases)}:
            return acc
    raise ConfigError(f"unknown hardware {name!r}; known: {', '.join(entries)}")


def _join_or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def supported_precisions(acc: Accelerator) -> list[Precision]:
    """Precisions with a catalogued dense peak (fp16 is implied by bf16)."""
    order: tuple[Precision, ...] = (*_FLOAT_PRECISIONS, *_INT_PRECISIONS)
    return [p for p in order if getattr(acc, PRECISION_FIELD[p]) is not None]


def peak_tflops(acc: Accelerator, precision: Precision) -> float:
    """Dense tensor peak in TFLOP/s (TOP/s for int8/int4); fp16 = bf16."""
    field = PRECISION_FIELD[precision]
    value: float | None = getattr(acc, field)
    if value is not None:
        return value
    have = supported_precisions(acc)
    same_kind = [p for p in have
                 if (p in _INT_PRECISIONS) == (precision in _INT_PRECISIONS)]
    note = acc.sources.get(field, "").strip().lower()
    what = "figure in the catalog" if note.startswith("omitted") else "support"
    raise ConfigError(f"{acc.key} has no {precision.upper()} {what}; "
                      f"use {_join_or(list(same_kind or have))}")


def default_rental_tier(acc: Accelerator) -> str | None:
    """The cheapest ``*_on_demand`` tier, or None when the catalog has none."""
    on_demand = {t: v for t, v in acc.rental_usd_per_hour.items()
                 if t.endswith(ON_DEMAND_SUFFIX)}
    return min(on_demand, key=lambda t: on_demand[t]) if on_demand else None


def rental_usd_per_hour(acc: Accelerator, tier: str | None = None) -> float:
    """USD per accelerator-hour (assumed); tier None = the cheapest on-demand tier."""
    tiers = acc.rental_usd_per_hour
    if tier is None:
        tier = default_rental_tier(acc)
        if tier is None:
            if not tiers:
                raise ConfigError(f"{acc.key} has no rental price in the catalog; "
                                  "set an hourly price in a TCO profile")
            raise ConfigError(f"{acc.key} has no on-demand rental tier; "
                              f"pick one of: {', '.join(tiers)}")
    if tier not in tiers:
        known = ", ".join(tiers) if tiers else "none"
        raise ConfigError(f"unknown rental tier '{tier}' for {acc.key}; known: {known}")
    return tiers[tier]
