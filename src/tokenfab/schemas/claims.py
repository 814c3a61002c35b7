"""``tokenfab claims``: its validated config and its typed result (``tokenfab.claims/1``).

Each claim from the seed articles is re-derived under stated assumptions and judged by one
rule (:data:`VERDICT_RULE`): a claimed figure inside tokenfab's modelled band is
``consistent``; outside it but within a factor of :data:`HOLDS_FACTOR` of the band's nearer edge
the claim ``holds only if`` a stated condition is true; beyond that it is ``inconsistent``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tokenfab.schemas.types import Provenance

CLAIMS_SCHEMA_ID = "tokenfab.claims/1"
HOLDS_FACTOR = 2.0
Verdict = Literal["consistent", "holds only if", "inconsistent"]
VERDICT_ORDER: dict[str, int] = {"consistent": 0, "holds only if": 1, "inconsistent": 2}
VERDICT_RULE = (
    "consistent: the claimed figure lies inside tokenfab's modelled band (p10–p90 or the "
    "efficiency band of `tokenfab project`; for ratios, the widest ratio of the two bands' "
    f"edges); holds only if: outside the band but within {HOLDS_FACTOR:g}x of its nearer edge, "
    "under the condition stated; inconsistent: further than that. A price the catalog lacks "
    "turns into the hourly price at which the claim would hold.")

CLAIM_IDS: tuple[str, ...] = (
    "platform-table", "quantization-table", "h200-vs-h100", "mixtral-vs-llama2",
    "blackwell-vs-hopper", "h100-fleet-power", "on-device-cost")


class ClaimsConfig(BaseModel):
    """Inputs of ``tokenfab claims``; every message names its flag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    only: tuple[str, ...] = Field((), description="--claim: claim ids to check (default: all)")
    concurrency: int = Field(64, description="--concurrency: streams per system for the $ figures")
    tier: str | None = Field(None, description="--tier: catalog rental tier (default: cheapest "
                                               "on-demand)")
    usd_per_kwh: float = Field(0.091, description="--usd-per-kwh: electricity price")
    pue: float = Field(1.2, description="--pue: facility power usage effectiveness")

    @field_validator("only")
    @classmethod
    def _known_ids(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        for cid in ids:
            if cid not in CLAIM_IDS:
                raise ValueError(f"--claim {cid!r} is not a claim id; use one of: "
                                 f"{', '.join(CLAIM_IDS)}")
        return tuple(dict.fromkeys(ids))

    @field_validator("concurrency")
    @classmethod
    def _concurrency(cls, value: int) -> int:
        if not 1 <= value <= 4096:
            raise ValueError(f"--concurrency {value} must be a whole number from 1 to 4096")
        return value

    @field_validator("usd_per_kwh")
    @classmethod
    def _price(cls, value: float) -> float:
        if not 0 < value <= 10:
            raise ValueError(f"--usd-per-kwh {value} must be > 0 and at most 10 (US$ per kWh)")
        return value

    @field_validator("pue")
    @classmethod
    def _pue(cls, value: float) -> float:
        if not 1 <= value <= 3:
            raise ValueError(f"--pue {value} must be between 1 and 3")
        return value

    def selected(self) -> tuple[str, ...]:
        return self.only or CLAIM_IDS


class ClaimValue(BaseModel):
    """One claimed figure against tokenfab's modelled value and band."""

    model_config = ConfigDict(extra="forbid")

    label: str
    unit: str
    claimed: float
    modelled: float | None
    band: tuple[float, float] | None = Field(None, description="[low, high] of the model band")
    band_kind: str = ""
    verdict: Verdict
    condition: str = Field("", description="what must hold (holds only if) or why not")
    provenance: Provenance = "modelled"


class Claim(BaseModel):
    """A seed claim, the assumptions it was re-derived under, and its verdict."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source: str = Field(description="where the claim is made")
    claim: str
    assumptions: list[str]
    values: list[ClaimValue]
    verdict: Verdict = Field(description="the weakest of its values' verdicts")
    summary: str


class ClaimsResult(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(CLAIMS_SCHEMA_ID, alias="schema")
    kind: Literal["claims"] = "claims"
    config: ClaimsConfig
    verdict_rule: str = VERDICT_RULE
    claims: list[Claim]

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


__all__ = ["CLAIMS_SCHEMA_ID", "CLAIM_IDS", "HOLDS_FACTOR", "VERDICT_ORDER", "VERDICT_RULE",
           "Claim", "ClaimValue", "ClaimsConfig", "ClaimsResult", "Verdict"]
