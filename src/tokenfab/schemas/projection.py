"""``tokenfab project``: its validated config and its typed result (``tokenfab.projection/1``).

The result's JSON (``ProjectionResult.to_json_dict()``, written by ``tokenfab project --json``)
keeps the shape of a run summary, so ``tokenfab report`` reads it like one: ``kind:
"projection"``, ``target``, and ``points`` that are ``tokenfab.run/1`` points plus the keys of
:class:`ProjectedPoint`. Changes from the documents older tokenfabs wrote under the
``tokenfab.run/1`` id: the price range is ``cost.band`` with its ``cost.band_kind`` (was
``cost.ci95``); the point's range is described by ``band`` (``latency_ms.tpot_p50_range``
became ``band.tpot_p50_ms``); the inputs are stored under ``config``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from tokenfab.schemas.config import LengthSpec, Slo
from tokenfab.schemas.summary import CostSummary, PointSummary, Target, ThroughputSummary
from tokenfab.schemas.types import Precision, Provenance

PROJECTION_SCHEMA_ID = "tokenfab.projection/1"
ServingEngine = Literal["vllm", "sglang", "trtllm", "llama.cpp"]
WeightFormat = Literal["bf16", "fp16", "fp8", "fp8-block", "int8", "int4", "int4-awq",
                       "int4-gptq", "fp4", "mxfp4", "nvfp4", "q8_0", "q6_k", "q5_k", "q4_k",
                       "q4_0"]
"""How weights are stored (bytes: ``tokenfab.roofline.models.WEIGHT_FORMAT_BYTES``)."""
ComputePrecision = Literal["bf16", "fp16", "fp8", "int8", "fp4"]
"""The matmuls' precision: which peak FLOP/s applies."""
KvDtype = Literal["bf16", "fp16", "fp8"]

SHORTHAND_WEIGHTS: dict[str, WeightFormat] = {
    "bf16": "bf16", "fp16": "fp16", "fp8": "fp8", "int8": "int8", "int4": "int4-awq",
    "fp4": "mxfp4"}
"""``--precision`` as a shorthand for ``--weights``; the compute and KV precision then follow
the weights and the hardware (``tokenfab.roofline.project.resolve_precision``)."""
WEIGHT_CLASS: dict[str, Precision] = {
    "bf16": "bf16", "fp16": "fp16", "fp8": "fp8", "fp8-block": "fp8", "int8": "int8",
    "int4": "int4", "int4-awq": "int4", "int4-gptq": "int4", "fp4": "fp4", "mxfp4": "fp4",
    "nvfp4": "fp4", "q8_0": "int8", "q6_k": "int4", "q5_k": "int4", "q4_k": "int4",
    "q4_0": "int4"}
"""Each weight format's precision class (what ``precision`` on a point says)."""

MAX_CONCURRENCY = 16_384
"""Streams per projection point. The simulator runs max(4 × streams per replica, 64) requests
three times per point; 16,384 streams on one GPU take seconds, a million would take hours."""
MAX_OUTPUT_TOKENS = 32_768
"""Output tokens per request: each is one simulated decode step, so at one stream a point
simulates 64 × 3 × osl steps (about 20 s at 32,768)."""
MAX_GPUS = 100_000
MODELLED: Provenance = "modelled"


def _clip(text: str, width: int = 40) -> str:
    """``text`` cut to ``width`` characters, so that a message stays one short line."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _length_reach(spec: LengthSpec) -> float:
    """The longest length a spec plausibly draws: fixed mean, normal mean + 3 std (its draws
    are clipped at max_tokens), uniform high."""
    if spec.kind == "uniform":
        return float(spec.high or spec.mean)
    if spec.kind == "normal":
        return min(spec.mean + 3 * spec.std, float(spec.max_tokens))
    return spec.mean




class ProjectConfig(BaseModel):
    """Everything that defines a projection; every message names the ``tokenfab project``
    flag it is about."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(description="--model: Hugging Face id, short name or config.json path")
    hardware: tuple[str, ...] = Field(description="--hardware: catalog names, or 'local'")
    precision: Precision = Field("bf16", description="--precision: shorthand for the weight "
                                 "format (fp4 = MXFP4 weights, int4 = AWQ); the compute and KV "
                                 "precision follow it and the hardware")
    weights: WeightFormat | None = Field(None, description="--weights: weight format "
                                         "(None: from --precision)")
    compute: ComputePrecision | None = Field(None, description="--compute: matmul precision "
                                             "(None: the weights' where the hardware has it, "
                                             "else fp8 or bf16)")
    kv_dtype: KvDtype | None = Field(None, description="--kv-dtype: KV-cache element type "
                                     "(None: bf16 beside 16-bit weights, else fp8)")
    gpus: int = Field(1, description="--gpus: accelerators per system")
    tp: int | None = Field(None, description="--tp: tensor parallel size (None: smallest fit)")
    isl: LengthSpec = Field(LengthSpec(mean=1024), description="--isl: input tokens")
    osl: LengthSpec = Field(LengthSpec(mean=1024), description="--osl: output tokens")
    concurrency: tuple[int, ...] = Field((1, 4, 16, 64, 256),
                                         description="--concurrency: streams per point")
    slo: Slo | None = Field(None, description="--slo: the max concurrency meeting it is found")
    tier: str | None = Field(None, description="--tier: catalog rental tier (None: cheapest "
                                               "on-demand)")
    engine: ServingEngine | None = Field(None, description="--engine: serving-engine overheads "
                                                           "(None: vllm; llama.cpp for local)")
    calibrate_run: str | None = Field(None, description="--calibrate: stored run id")
    calibrate_precision: Precision | None = Field(
        None, description="--calibrate-precision: weights of the calibration run")
    db_url: str | None = Field(None, exclude=True,
                               description="--db: database holding --calibrate's run")

    @field_validator("model")
    @classmethod
    def _model(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("--model is empty: name a bundled model (e.g. llama-3.1-8b), a "
                             "Hugging Face id or a path to a config.json")
        return v

    @field_validator("hardware", mode="before")
    @classmethod
    def _hardware(cls, v: object) -> object:
        names = v.split(",") if isinstance(v, str) else v
        if not isinstance(names, list | tuple):
            return v
        shown = _clip(",".join(map(str, names)))
        if not names or all(not str(n).strip() for n in names):
            raise ValueError("--hardware is empty: name one or more, e.g. --hardware H100,B200 "
                             "(see `tokenfab hardware list`; 'local' is this machine)")
        if any(not str(n).strip() for n in names):
            raise ValueError(f"--hardware {shown!r} has an empty name between commas; "
                             "e.g. --hardware H100,B200")
        return tuple(str(n).strip() for n in names)

    @field_validator("gpus")
    @classmethod
    def _gpus(cls, v: int) -> int:
        if not 1 <= v <= MAX_GPUS:
            raise ValueError(f"--gpus must be between 1 and {MAX_GPUS:,} (got {v})")
        return v

    @field_validator("tp")
    @classmethod
    def _tp(cls, v: int | None) -> int | None:
        if v is not None and v < 1:
            raise ValueError(f"--tp must be >= 1 (got {v}); leave it out for the smallest fit")
        return v

    @field_validator("osl")
    @classmethod
    def _osl(cls, v: LengthSpec) -> LengthSpec:
        reach = _length_reach(v)
        if reach > MAX_OUTPUT_TOKENS:
            raise ValueError(f"--osl {v.describe()} reaches {reach:,.0f} tokens; a projection "
                             f"simulates at most {MAX_OUTPUT_TOKENS:,} output tokens per "
                             "request (lower --osl)")
        return v

    @field_validator("concurrency", mode="before")
    @classmethod
    def _concurrency(cls, v: object) -> object:
        raw = v.split(",") if isinstance(v, str) else v
        if not isinstance(raw, list | tuple):
            return v
        shown = _clip(",".join(map(str, raw)))
        if not raw:
            raise ValueError("--concurrency needs at least one level, e.g. --concurrency 1,4,16")
        levels = []
        for item in raw:
            text = str(item).strip()
            if not text:
                raise ValueError(f"--concurrency {shown!r} has an empty level between commas; "
                                 "e.g. --concurrency 1,4,16")
            try:
                x = float(text)
            except ValueError:
                raise ValueError(f"--concurrency {shown!r}: {_clip(text)!r} is not a number; "
                                 "e.g. --concurrency 1,4,16") from None
            if not math.isfinite(x) or x != int(x) or not 1 <= x <= MAX_CONCURRENCY:
                raise ValueError(f"--concurrency {shown!r}: each level is a whole number of "
                                 f"streams from 1 to {MAX_CONCURRENCY:,} (got {_clip(text)})")
            levels.append(int(x))
        return tuple(levels)

    @field_validator("tier", "calibrate_run", "db_url")
    @classmethod
    def _not_blank(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and not v.strip():
            flag = {"calibrate_run": "--calibrate", "db_url": "--db"}.get(
                info.field_name or "", f"--{info.field_name}")
            raise ValueError(f"{flag} is empty; leave it out or give a value")
        return v

    @model_validator(mode="after")
    def _together(self) -> ProjectConfig:
        if self.tp is not None and (self.tp > self.gpus or self.gpus % self.tp):
            raise ValueError(f"--tp {self.tp} must divide --gpus {self.gpus} (a system of "
                             f"{self.gpus} GPUs runs --gpus / --tp replicas)")
        if self.weights is not None and self.weights != SHORTHAND_WEIGHTS[self.precision] \
                and "precision" in self.model_fields_set:
            raise ValueError(f"--precision {self.precision} and --weights {self.weights} "
                             "disagree; --precision is a shorthand for --weights: give one")
        if self.calibrate_run is None and self.calibrate_precision is not None:
            raise ValueError("--calibrate-precision needs --calibrate RUN_ID")
        if self.calibrate_run is None and self.db_url is not None:
            raise ValueError("--db is only read for --calibrate RUN_ID; give both or neither")
        return self

    @property
    def weight_format(self) -> WeightFormat:
        """--weights, else what --precision stands for."""
        return self.weights or SHORTHAND_WEIGHTS[self.precision]


class CalibrationSummary(BaseModel):
    """Efficiency factors fitted to a stored run's measured points (the fit is modelled)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    family: str = Field(description="hardware family the factors apply to")
    eff_memory: float
    eff_compute: float
    step_overhead_s: float
    rms_log_residual: float | None = Field(description="RMS of ln(modelled / measured)")
    residuals_pct: list[float] = Field(description="TPOT residual per measured point, %")
    provenance: Provenance = "modelled"


class ProjectedThroughput(ThroughputSummary):
    output_tok_s_per_gpu: float
    output_tok_s_per_gpu_range: tuple[float, float] = Field(description="at the band's edges")


class PointBand(BaseModel):
    """What a point's ranges are: p10–p90 of the cross-validated residuals of its regime
    (``regime`` set), or the efficiency factors re-simulated at × (1 ± relative)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="e.g. 'efficiency ±20% (assumed)'")
    relative: float = Field(description="relative width the efficiency factors were varied by")
    tpot_p50_ms: tuple[float, float] = Field(description="TPOT p50 at the band's edges, ms")
    regime: str | None = Field(None, description="the point's regime, whose residuals set it")


class ProjectedPoint(PointSummary):
    """A ``tokenfab.run/1`` point on a modelled clock, with its hardware layout and band."""

    throughput: ProjectedThroughput
    ci95: dict[str, list[float]] = Field(default_factory=dict, exclude=True)  # never modelled
    hardware: str
    precision: Precision = Field(description="precision class of the weights")
    weights: WeightFormat | None = Field(None, description="weight format")
    compute: ComputePrecision | None = Field(None, description="matmul precision")
    kv_dtype: KvDtype | None = Field(None, description="KV-cache element type")
    gpus: int
    tp: int
    replicas: int
    tokens_per_s_per_mw: float = Field(description="output tok/s per MW of all-in power")
    band: PointBand
    provenance: Provenance = "modelled"
    pareto: bool = Field(False, description="on the (tok/s/user, tok/s/GPU) Pareto front")

    @field_serializer("cost")
    def _cost_without_ci95(self, cost: CostSummary | None) -> dict[str, Any] | None:
        """A modelled price has a ``band``, never a sampling interval: ``ci95`` is left out."""
        return None if cost is None else cost.model_dump(mode="json", exclude={"ci95"})


class ProjectionResult(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(PROJECTION_SCHEMA_ID, alias="schema")
    kind: Literal["projection"] = "projection"
    run_id: str
    target: Target
    config: ProjectConfig
    provenance: dict[str, Provenance] = Field(default_factory=lambda: {"*": MODELLED})
    calibration: CalibrationSummary | None = None
    efficiency_source: str = Field(description="per-family defaults, or the calibration run")
    band_kind: str = Field(description="what every point's range is")
    points: list[ProjectedPoint]
    max_concurrency_meeting_slo: dict[str, int | None] | None = None

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json")


__all__ = [
    "MAX_CONCURRENCY", "MAX_GPUS", "MAX_OUTPUT_TOKENS",
    "PROJECTION_SCHEMA_ID", "SHORTHAND_WEIGHTS", "WEIGHT_CLASS", "CalibrationSummary",
    "ComputePrecision", "KvDtype", "PointBand", "ProjectConfig", "ProjectedPoint",
    "ProjectedThroughput", "ProjectionResult", "ServingEngine", "WeightFormat",
]
