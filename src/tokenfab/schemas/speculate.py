"""``tokenfab speculate``: the job's config and its result. Pure types.

The result serialises to the ``tokenfab.speculate/1`` document (unchanged): ``model``,
``usd_per_hour``, ``provenance`` and one row per configuration × workload.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "tokenfab.speculate/1"
CTX_TOKENS = 1024  # context of the one slot each configuration is served with
PROVENANCE = {"decode_tok_s": "measured (server timings)",
              "acceptance": "measured (server timings)",
              "usd_per_mtok_output": "assumed price / measured speed"}


class SpeculateConfig(BaseModel):
    """Everything ``tokenfab speculate`` needs; checked before any engine starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field("smollm2-135m", min_length=1, description="--model: embedded model")
    requests: int = Field(4, ge=1, le=1000,
                          description="--requests: per workload and configuration")
    max_tokens: int = Field(96, ge=8, le=CTX_TOKENS - 256,
                            description="--max-tokens: reply cap; prompt + reply fit the "
                                        f"{CTX_TOKENS}-token context")
    draft: str = Field("Q2_K", description="--draft: precision of the draft model; '' skips it")
    draft_max: int = Field(4, ge=1, le=64, description="--draft-max: tokens drafted per step")
    hourly_usd: float = Field(0.10, ge=0, allow_inf_nan=False,
                              description="--hourly-usd: assumed price of this machine, $/h")


class SpecRow(BaseModel):
    """One configuration on one workload (formulas in :mod:`tokenfab.quant.speculate`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    config: str
    workload: str
    requests: int
    decode_tok_s: float = Field(description="tokens/s, measured (server timings)")
    acceptance: float | None = Field(description="accepted / drafted tokens, measured")
    speedup: float | None = Field(description="decode_tok_s / the 'none' configuration's")
    usd_per_mtok_output: float | None = Field(description="assumed $/h / measured speed")


class SpeculateResult(BaseModel):
    """Speculative decoding vs plain decoding on the embedded engine."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: str = Field(SCHEMA_ID, alias="schema")
    model: str = Field(description="embedded model key")
    usd_per_hour: float
    provenance: dict[str, str] = Field(default_factory=lambda: dict(PROVENANCE))
    rows: list[SpecRow]
    model_display: str = Field("", exclude=True, description="e.g. SmolLM2-135M-Instruct Q4_1")

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json")
