"""The summary reader: a JSON document (``tokenfab bench --json``, ``tokenfab project --json``)
becomes a :class:`RunView`, or a one-line :class:`StoreError` naming the file and the field.

The document is checked for the shapes the report reads (dicts where dicts are read, numbers
where numbers are read), so rendering an accepted document cannot fail. Old files are read:

- ``cost.breakdown`` (``tokenfab.run/1``) is read as ``cost.breakdown_usd_per_mtok_output``;
- a projection's ``cost.ci95`` (files written before ranges were labelled) is read as a
  modelled ``band``: it was never a sampling interval.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from tokenfab.errors import StoreError, format_validation
from tokenfab.report.data import RunView, normalise_point
from tokenfab.schemas.types import Provenance

MAX_BYTES = 256 * 1024 * 1024
HINT = "write one with `tokenfab project --json FILE` or `tokenfab bench --json FILE`"

MAX_MAGNITUDE = 1e15  # beyond any figure tokenfab writes (tokens per MWh stay below 1e13)


def _plausible(v: float) -> float:
    if math.isfinite(v) and abs(v) > MAX_MAGNITUDE:
        raise ValueError(f"{v:g} is beyond any figure tokenfab writes (|x| ≤ {MAX_MAGNITUDE:g})")
    return v


Num = Annotated[float, AfterValidator(_plausible)]
Floats = dict[str, Num | None]
Ranges = dict[str, list[Num]]


class Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class Load(Shape):
    mode: Literal["concurrency", "rate"]
    value: Num


class Requests(Shape):
    completed: int = 0
    failed: int = 0
    errors: dict[str, int] = Field(default_factory=dict)


class Throughput(Shape):
    output_tok_s: Num | None = None
    output_tok_s_per_gpu: Num | None = None
    per_user_output_tok_s_p50: Num | None = None
    requests_per_s: Num | None = None
    output_tok_s_per_gpu_range: list[Num] | None = None


class Cost(Shape):
    usd_per_hour: Num | None = None
    usd_per_mtok_output: Num | None = None
    usd_per_mtok_output_all_in: Num | None = None
    usd_per_mtok_input: Num | None = None
    usd_per_mtok_input_cached: Num | None = None
    usd_per_mtok_blended: Num | None = None
    usd_per_mtok_goodput: Num | None = None
    blend_ratio: Num | None = None
    attribution: dict[str, Any] = Field(default_factory=dict)
    breakdown: Floats = Field(default_factory=dict)
    breakdown_usd_per_mtok_output: Floats = Field(default_factory=dict)
    breakdown_usd_per_hour: Floats = Field(default_factory=dict)
    provenance: dict[str, str] = Field(default_factory=dict)
    ci95: Ranges = Field(default_factory=dict)
    band: Ranges = Field(default_factory=dict)
    band_kind: str | None = None


class Energy(Shape):
    joules: Num | None = None
    j_per_output_token: Num | None = None
    tokens_per_mwh: Num | None = None
    avg_power_w: Num | None = None
    source: str | None = None
    provenance: Provenance | None = None
    note: str | None = None


class Point(Shape):
    load: Load
    requests: Requests
    throughput: Throughput
    latency_ms: dict[str, Floats | None] = Field(default_factory=dict)
    tokens: dict[str, Any] = Field(default_factory=dict)
    cost: Cost | None = None
    energy: Energy | None = None
    ci95: Ranges = Field(default_factory=dict)
    hardware: str | None = None
    precision: str | None = None
    gpus: Num | None = None
    tokens_per_s_per_mw: Num | None = None


class Target(Shape):
    model: str = "model"
    url: str | None = None


class Document(Shape):
    schema_: str | None = Field(default=None, alias="schema")
    kind: str | None = None
    run_id: str | None = None
    label: str | None = None
    status: str | None = None
    target: Target = Field(default_factory=Target)
    environment: dict[str, Any] = Field(default_factory=dict)
    points: list[Point]


def _point(p: Point, modelled: bool) -> dict[str, Any]:
    return normalise_point(p.model_dump(mode="python", exclude_none=True), modelled=modelled)


def view_of_document(data: object, ref: str) -> RunView:
    """A run or projection view of the JSON value ``data`` read from ``ref``. Pure.

    Raises :class:`StoreError` in one line when ``data`` is not a summary or projection."""
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(data), "a number")
        raise StoreError(f"{ref}: holds {kind}, not a tokenfab summary or projection; {HINT}")
    if "points" not in data:
        what = f"a {data['schema']} document" if isinstance(data.get("schema"), str) else (
            "not a tokenfab summary or projection")
        raise StoreError(f"{ref}: {what} (no 'points'); {HINT}")
    try:
        doc = Document.model_validate(data)
    except ValidationError as exc:
        msg = re.sub(r" or instance of \w+", "", format_validation(exc, where=ref))
        raise StoreError(" ".join(msg.split())
                         + f"; not a readable summary or projection, {HINT}") from None
    modelled = doc.kind == "projection" or str(doc.schema_ or "").startswith("tokenfab.project")
    points = [_point(p, modelled) for p in doc.points]
    model = doc.target.model
    if modelled:
        hw = sorted({str(p["hardware"]) for p in points if p.get("hardware")})
        label = f"{model} on {', '.join(hw)} (modelled)"
    else:
        label = doc.label or model
    stem = Path(ref).stem
    return RunView(ref=ref, run_id=doc.run_id or stem, label=label, model=model,
                   kind="modelled" if modelled else "measured", points=points,
                   environment=dict(doc.environment), status=doc.status or "complete",
                   source=data)


def read_document(ref: str) -> RunView:
    """The view of the JSON file at ``ref``; one-line :class:`StoreError` when unusable."""
    path = Path(ref)
    if path.is_dir():
        raise StoreError(f"{ref}: is a directory; pass a JSON file from `tokenfab project "
                         "--json` / `tokenfab bench --json`")
    if not path.is_file():
        raise StoreError(f"{ref}: no such file; pass a run id (see `tokenfab runs list`) or a "
                         "JSON file from `tokenfab project --json` / `tokenfab bench --json`")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise StoreError(f"{ref}: larger than {MAX_BYTES >> 20} MiB; not a summary or "
                             f"projection, {HINT}")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise StoreError(f"{ref}: not UTF-8 text, so not a JSON summary; {HINT}") from None
    except ValueError as exc:
        raise StoreError(f"{ref}: not valid JSON ({exc}); {HINT}") from None
    except RecursionError:
        raise StoreError(f"{ref}: JSON nested too deeply to be a summary; {HINT}") from None
    except OSError as exc:
        raise StoreError(f"{ref}: cannot read ({exc.strerror or exc}); check the path and "
                         "its permissions") from None
    return view_of_document(data, ref)


__all__ = ["read_document", "view_of_document"]
