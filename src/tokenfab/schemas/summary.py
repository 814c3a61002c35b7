"""The ``tokenfab.run/1`` summary contract written by ``--json``. Field names must hold."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "tokenfab.run/1"
Provenance = Literal["measured", "modelled", "assumed"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Out):
    url: str
    model: str


class LoadSpec(_Out):
    mode: Literal["concurrency", "rate"]
    value: float


class RequestCounts(_Out):
    completed: int
    failed: int
    errors: dict[str, int] = Field(default_factory=dict)


class TokenCounts(_Out):
    input: int
    output: int
    cached_input: int = 0
    client_output: int | None = None
    count_mismatches: int = 0
    token_source: Literal["usage", "client", "mixed", "none"] = "usage"


class ThroughputSummary(_Out):
    output_tok_s: float
    input_tok_s: float
    total_tok_s: float
    requests_per_s: float
    per_user_output_tok_s_p50: float | None = None


class LatencyStats(_Out):
    p50: float
    p90: float
    p95: float
    p99: float
    mean: float
    min: float
    max: float
    n: int


class GoodputSummary(_Out):
    requests_per_s: float
    fraction: float
    output_tok_s: float


class CostSummary(_Out):
    usd_per_hour: float
    usd_per_mtok_output: float | None
    usd_per_mtok_total: float | None
    provenance: dict[str, Provenance] = Field(default_factory=dict)


class PointSummary(_Out):
    load: LoadSpec
    requests: RequestCounts
    duration_s: float
    tokens: TokenCounts
    throughput: ThroughputSummary
    latency_ms: dict[str, LatencyStats | None]
    goodput: GoodputSummary | None = None
    cost: CostSummary | None = None


class RunSummary(_Out):
    schema_: str = Field(SCHEMA_ID, alias="schema")
    run_id: str
    target: Target
    points: list[PointSummary]
    label: str | None = None
    started_unix_s: float | None = None
    environment: dict[str, object] = Field(default_factory=dict)
    provenance: dict[str, Provenance] = Field(default_factory=dict)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json")
