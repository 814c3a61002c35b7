"""Frozen values of the quantization study: a variant file, what was measured on it, a row.

Every variant derives from the GGUF file an embedded model ships (SmolLM2-135M-Instruct Q4_1,
Gemma-3-270M Q4_K_M). Re-quantizing it UP (F16, Q8_0) cannot regain the precision the shipped
file threw away: it only changes the storage format and so the speed; re-quantizing DOWN
(Q4_0, Q3_K, Q2_K) compounds the shipped file's error.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tokenfab.schemas.quantize import DEFAULT_MODEL_KEY, QuantRow
from tokenfab.schemas.types import Provenance

SHIPPED_TYPE = "Q4_1"  # SmolLM2's shipped precision: the default model's
REFERENCE_TYPE = "F16"


def requant_note(shipped_type: str = SHIPPED_TYPE) -> str:
    return f"re-quantized from {shipped_type}: cannot regain precision"


def shipped_note(shipped_type: str = SHIPPED_TYPE) -> str:
    return f"shipped {shipped_type} file, not re-quantized"


def reference_note(shipped_type: str = SHIPPED_TYPE) -> str:
    return (f"KL reference = F16 re-encoding of the shipped {shipped_type}: the highest "
            "precision available here (no original FP16/BF16 weights are shipped)")


REQUANT_NOTE = requant_note()
SHIPPED_NOTE = shipped_note()
REFERENCE_NOTE = reference_note()

__all__ = ["DEFAULT_MODEL_KEY", "REFERENCE_NOTE", "REFERENCE_TYPE", "REQUANT_NOTE", "SHIPPED_NOTE",
           "SHIPPED_TYPE", "Measurement", "Provenance", "QuantRow", "Variant", "reference_note",
           "requant_note", "shipped_note"]


class Variant(BaseModel):
    """One GGUF file of the model at one precision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(default=DEFAULT_MODEL_KEY, description="embedded model key")
    quant_type: str = Field(description="precision label, e.g. Q3_K")
    llama_type: str = Field(description="type name passed to llama-quantize, e.g. Q3_K_M")
    path: str = Field(description="the GGUF file")
    file_size_bytes: int = Field(ge=0, description="size of the GGUF file, bytes (measured)")
    derived_from: str = Field(default=SHIPPED_TYPE, description="precision of the source file")
    requantized: bool = Field(description="False only for the shipped file itself")
    note: str = Field(description="honesty note on what re-quantizing can and cannot do")


class Measurement(BaseModel):
    """What was measured on one variant (all figures ``measured`` except ``avg_power_w``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    variant: Variant
    decode_tok_per_s: float | None = Field(description="llama-bench tg avg_ts, tokens/s")
    prefill_tok_per_s: float | None = Field(description="llama-bench pp avg_ts, tokens/s")
    rss_bytes: int | None = Field(description="llama-server VmRSS after one request, bytes")
    ppl: float | None = Field(description="perplexity on the shipped corpus")
    ppl_err: float | None = Field(description="± one standard error of ppl")
    kld: float | None = Field(description="mean KL divergence vs the F16 reference, nats")
    avg_power_w: float | None = Field(
        description="modelled CPU power over the decode benchmark, watts (provenance modelled)")
    decode_s: float = Field(ge=0, description="wall time of the metered decode run, seconds")
