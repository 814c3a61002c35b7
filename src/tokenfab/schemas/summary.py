"""The ``tokenfab.run/2`` summary contract written by ``--json``. Field names must hold.

``tokenfab.run/2`` renamed a point's ``cost.breakdown`` (in $ per 1M output tokens) to
``cost.breakdown_usd_per_mtok_output``; ``tokenfab.run/1`` summaries (stored runs, old JSON
files) still load: the old key is mapped on read and the schema id becomes the current one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tokenfab.schemas.types import Provenance

SCHEMA_ID = "tokenfab.run/2"
READABLE_SCHEMA_IDS = ("tokenfab.run/1", SCHEMA_ID)
"""Summaries this version reads; older ones are upgraded to ``SCHEMA_ID`` on load."""
_RENAMED_COST_KEYS = {"breakdown": "breakdown_usd_per_mtok_output"}  # run/1 -> run/2


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


TokenSource = Literal["usage", "tokenizer", "word_estimate", "chunk_count", "none",
                      "client", "mixed"]


class TokenCounts(_Out):
    input: int
    output: int
    cached_input: int = 0
    client_output: int | None = None
    count_mismatches: int = 0
    token_source: TokenSource = Field(
        "usage", description="where the counts came from; the least exact source used for any "
        "completed request's input or output count: usage (the server's usage report), "
        "tokenizer (the model's tokenizer via /tokenize), word_estimate (prompt length "
        "estimated from its words), chunk_count (one token per streamed chunk), none (no "
        "completed request); client/mixed: as written by tokenfab before 0.2")


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
    """Prices of one load point. ``usd_per_mtok_input``/``_output`` are attributed by measured
    time shares so that input × p_in + output × p_out = ``cost_usd``; ``_output_all_in`` charges
    the whole cost to output tokens (how most tools quote it). ``breakdown_usd_per_mtok_output``
    splits ``usd_per_mtok_output_all_in`` into hardware/energy/overhead; ``breakdown_usd_per_hour``
    splits ``usd_per_hour``. ``ci95`` holds bootstrap 95% intervals as [low, high] (measured
    runs only); ``band`` holds a modelled range as [low, high] for projections, and
    ``band_kind`` says what that range is (never a sampling interval)."""

    usd_per_hour: float
    usd_per_mtok_output: float | None
    usd_per_mtok_total: float | None
    usd_per_mtok_input: float | None = None
    usd_per_mtok_output_all_in: float | None = None
    usd_per_mtok_goodput: float | None = None
    usd_per_mtok_blended: float | None = None
    blend_ratio: float | None = None
    usd_per_mtok_input_uncached: float | None = None
    usd_per_mtok_input_cached: float | None = None
    cost_usd: float | None = None
    utilization: float = 1.0
    attribution: dict[str, object] = Field(default_factory=dict)
    breakdown_usd_per_mtok_output: dict[str, float] = Field(default_factory=dict)
    breakdown_usd_per_hour: dict[str, float] = Field(default_factory=dict)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    ci95: dict[str, list[float]] = Field(default_factory=dict)
    band: dict[str, list[float]] = Field(default_factory=dict)
    band_kind: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _upgrade_run1(cls, data: Any) -> Any:
        """tokenfab.run/1 named ``breakdown_usd_per_mtok_output`` just ``breakdown``."""
        if isinstance(data, dict) and any(old in data for old in _RENAMED_COST_KEYS):
            data = dict(data)
            for old, new in _RENAMED_COST_KEYS.items():
                if old in data:
                    value = data.pop(old)
                    data.setdefault(new, value)
        return data


class EnergySummary(_Out):
    """Energy over a point's measured window: ``source`` names the meter; ``provenance`` is
    ``measured`` for hardware counters and ``modelled`` for the utilization fallback."""

    joules: float | None
    j_per_output_token: float | None = None
    j_per_token: float | None = None
    avg_power_w: float | None = None
    tok_s_per_kw: float | None = None
    tokens_per_mwh: float | None = None
    source: str
    provenance: Provenance
    valid: bool = True
    note: str | None = None


class PointSummary(_Out):
    load: LoadSpec
    requests: RequestCounts
    duration_s: float
    tokens: TokenCounts
    throughput: ThroughputSummary
    latency_ms: dict[str, LatencyStats | None]
    goodput: GoodputSummary | None = None
    cost: CostSummary | None = None
    energy: EnergySummary | None = None
    repeats: int = 1
    ci95: dict[str, list[float]] = Field(default_factory=dict)


class RunSummary(_Out):
    schema_: str = Field(SCHEMA_ID, alias="schema")
    run_id: str
    target: Target
    points: list[PointSummary]
    label: str | None = None
    started_unix_s: float | None = Field(
        None, description="when the run started (before its first request), Unix time in s")
    environment: dict[str, object] = Field(default_factory=dict)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    speed_of_light: dict[str, float] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _readable_schema(cls, data: Any) -> Any:
        """Accept every readable schema id; an old one is upgraded to ``SCHEMA_ID``."""
        if not isinstance(data, dict):
            return data
        schema = data.get("schema", data.get("schema_", SCHEMA_ID))
        if schema not in READABLE_SCHEMA_IDS:
            raise ValueError(f"schema {schema!r} is not one this tokenfab reads "
                             f"({', '.join(READABLE_SCHEMA_IDS)}); upgrade tokenfab")
        data = {k: v for k, v in data.items() if k not in ("schema", "schema_")}
        data["schema"] = SCHEMA_ID
        return data

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json")
