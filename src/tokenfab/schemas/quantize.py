"""``tokenfab quantize``: the job's config, one table row and the result. Pure types.

The result is the ``tokenfab.quantize/2`` document (unchanged): ``models`` (per model its
source file, shipped type, KL reference and honesty note), ``honesty``, ``settings``,
``usd_per_hour`` (assumed), ``provenance``, ``units``, ``rows`` (one per model × precision)
and ``elapsed_s``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tokenfab.schemas.evaluate import PromptStyle

SCHEMA_ID = "tokenfab.quantize/2"
DEFAULT_MODEL_KEY = "smollm2-135m"


class QuantRow(BaseModel):
    """One line of the seed-style table; None renders as "-"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = DEFAULT_MODEL_KEY
    precision: str
    file_mb: float
    rss_mb: float | None
    decode_tok_per_s: float | None
    prefill_tok_per_s: float | None
    j_per_token: float | None
    usd_per_mtok_output: float | None
    ppl: float | None
    ppl_err: float | None
    kld: float | None
    accuracy: float | None
    derived_from: str
    note: str


class QuantizeConfig(BaseModel):
    """Everything ``tokenfab quantize`` needs; checked before any tool runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    models: tuple[str, ...] = Field((DEFAULT_MODEL_KEY,), min_length=1,
                                    description="--model: embedded model keys")
    types: tuple[str, ...] | None = Field(None, min_length=1,
                                          description="--types: precisions; None = defaults")
    hourly_usd: float = Field(0.10, ge=0, allow_inf_nan=False,
                              description="--hourly-usd: assumed price of this machine, $/h")
    chunks: int = Field(8, ge=1, le=100, description="--chunks: perplexity/KL chunks")
    ctx: int = Field(128, ge=16, le=4096, description="--ctx: perplexity context per chunk")
    threads: int = Field(2, ge=1, le=512, description="--threads: llama.cpp threads")
    rss: bool = Field(True, description="measure llama-server resident memory (--no-rss off)")
    eval_tasks: str | None = Field(None, description="--eval-tasks: also score each variant")
    eval_limit: int = Field(10, ge=1, description="--eval-limit: items per task set")
    eval_style: PromptStyle = Field("chat", description="--eval-style")


class QuantizeResult(BaseModel):
    """The measured table of every model × precision, with its notes and settings."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: str = Field(SCHEMA_ID, alias="schema")
    models: list[dict[str, Any]]
    honesty: list[str]
    settings: dict[str, Any]
    usd_per_hour: float
    usd_per_hour_provenance: str = "assumed"
    provenance: dict[str, str]
    units: dict[str, str]
    rows: list[QuantRow]
    elapsed_s: float

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")
