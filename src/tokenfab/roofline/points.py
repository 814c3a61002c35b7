"""Published, measured serving points: the corpus projections are fitted and checked on.

Every row is read from a public source (``source`` + ``source_locator`` say where); nothing in
it is estimated. Values computed from published ones (per-GPU from system totals, per-user tok/s
from TPOT) say so, with the formula, in ``derived``. The bundled corpus lives in
``roofline/data/points/*.csv``; the shared validation set (``../shared/validation/
published_points.csv``) has the same header and is read only when a caller passes it, since it
is kept for checking, not fitting.

``load_points()`` -> every bundled point; ``load_points([shared_points_path()])`` -> the shared set.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from tokenfab.errors import DatasetError, format_validation

#: Environment variable naming the shared validation CSV (overrides the path beside the repo).
VALIDATION_CSV_ENV = "TOKENFAB_VALIDATION_CSV"

_REPO_ROOT = Path(__file__).resolve().parents[3]

#: The header every point CSV carries, bundled or shared, in this order.
CSV_HEADER: tuple[str, ...] = (
    "point_id", "source_family", "source", "source_locator", "measurement_date", "hardware",
    "gpu_count", "model_hf_id", "model_arch", "total_params_b", "active_params_b", "precision",
    "engine", "engine_version", "tp", "ep", "pp", "dp", "scenario", "input_len_tokens",
    "input_len_note", "output_len_tokens", "output_len_note", "concurrency_or_batch",
    "batch_note", "output_tps_system", "output_tps_per_gpu", "total_tps_system",
    "total_tps_per_gpu", "per_user_tps", "tpot_itl_ms", "tpot_itl_definition",
    "itl_or_tpot_p99_ms", "ttft_ms", "ttft_definition", "e2e_latency_s", "power_w",
    "power_scope", "energy_j_per_output_token", "unlabeled_throughput_tps_system", "derived",
    "notes",
)


class PublishedPoint(BaseModel):
    """One published, measured serving point. Throughput is per system unless the name says
    per GPU; ``tpot_itl_ms`` means what ``tpot_itl_definition`` says (it differs by source)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    point_id: str
    source_family: str
    source: str
    source_locator: str
    hardware: str
    gpu_count: int
    model_hf_id: str
    model_arch: str
    total_params_b: float | None = None
    active_params_b: float | None = None
    precision: str
    engine: str
    engine_version: str | None = None
    tp: int | None = None
    ep: int | None = None
    pp: int | None = None
    dp: str | None = None
    scenario: str
    input_len_tokens: float | None = None
    output_len_tokens: float | None = None
    concurrency_or_batch: int | None = None
    output_tps_system: float | None = None
    output_tps_per_gpu: float | None = None
    total_tps_system: float | None = None
    total_tps_per_gpu: float | None = None
    per_user_tps: float | None = None
    tpot_itl_ms: float | None = None
    tpot_itl_definition: str | None = None
    itl_or_tpot_p99_ms: float | None = None
    ttft_ms: float | None = None
    e2e_latency_s: float | None = None
    power_w: float | None = None
    unlabeled_throughput_tps_system: float | None = None
    derived: str | None = None
    notes: str | None = None

    @field_validator("point_id", "source", "source_locator", "hardware", "model_hf_id",
                     "precision", "engine", "scenario")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("gpu_count")
    @classmethod
    def _positive_gpus(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value


FIELDS: tuple[str, ...] = tuple(PublishedPoint.model_fields)
_REQUIRED = tuple(name for name, info in PublishedPoint.model_fields.items() if info.is_required())


def bundled_points_dir() -> Path:
    """The folder of bundled point CSVs inside the installed package."""
    return Path(str(resources.files("tokenfab.roofline").joinpath("data").joinpath("points")))


def shared_points_path() -> Path | None:
    """The shared validation CSV: ``$TOKENFAB_VALIDATION_CSV`` when set, else
    ``<repo>/../shared/validation/published_points.csv``; None when that file does not exist."""
    override = os.environ.get(VALIDATION_CSV_ENV, "").strip()
    path = (Path(override).expanduser() if override
            else _REPO_ROOT.parent / "shared" / "validation" / "published_points.csv")
    return path if path.is_file() else None


def _row_values(row: dict[str | None, str | list[str] | None]) -> dict[str, str | None]:
    """Blank cells become None (an unpublished number); only the model's columns are kept."""
    values: dict[str, str | None] = {}
    for name in FIELDS:
        cell = row.get(name)
        text = cell.strip() if isinstance(cell, str) else ""
        values[name] = text or None
    return values


def _read_csv(path: Path) -> list[PublishedPoint]:
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read published points ({exc.strerror or exc})"
                           ) from None
    points: list[PublishedPoint] = []
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
            missing = [name for name in _REQUIRED if name not in header]
            if missing:
                raise DatasetError(f"{path}: header lacks column(s) {', '.join(missing)}; "
                                   "use the header of shared/validation/published_points.csv")
            for row in reader:
                where = f"{path}:{reader.line_num}"
                if None in row:
                    raise DatasetError(f"{where}: more cells than header columns "
                                       "(quote cells that contain commas)")
                try:
                    points.append(PublishedPoint.model_validate(_row_values(row)))
                except ValidationError as exc:
                    raise DatasetError(format_validation(exc, where)) from None
        except csv.Error as exc:
            raise DatasetError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise DatasetError(f"{path}: not UTF-8 text") from None
    return points


def load_points(paths: Iterable[Path] | None = None) -> list[PublishedPoint]:
    """Points from ``paths`` (CSV files with the shared header), in file then row order.

    With no paths: every bundled ``roofline/data/points/*.csv`` (sorted by name); the shared
    validation set is never read by default. A point id seen twice is a DatasetError naming
    both places."""
    files = (sorted(p for p in bundled_points_dir().iterdir() if p.suffix == ".csv")
             if paths is None else list(paths))
    seen: dict[str, Path] = {}
    points: list[PublishedPoint] = []
    for path in files:
        for point in _read_csv(path):
            if point.point_id in seen:
                raise DatasetError(f"{path}: point_id {point.point_id} already in "
                                   f"{seen[point.point_id]}; give each point its own id")
            seen[point.point_id] = path
            points.append(point)
    return points
