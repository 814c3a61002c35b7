"""Validated inputs at the boundary: what to benchmark and how."""

from __future__ import annotations

import math
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tokenfab.schemas.cost import TcoProfile

ApiKind = Literal["chat", "completions"]
LoadMode = Literal["concurrency", "rate"]
ArrivalKind = Literal["poisson", "gamma", "constant"]


# Bounds that keep a run finite and its memory sane (a typo of 1e12 must not allocate).
MAX_LENGTH_TOKENS = 1_000_000  # no model reads or writes more in one request
MAX_CONCURRENCY = 4096  # closed-loop streams (= the open-loop in-flight cap)
MAX_REQUESTS = 10_000_000  # measured or warm-up requests per point
MAX_DURATION_S = 7 * 86_400.0
MAX_TIMEOUT_S = 86_400.0


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LengthSpec(_Frozen):
    """A token-length distribution. ``fixed``: always ``mean``; ``normal``: N(mean, std)
    clipped to [min_tokens, max_tokens]; ``uniform``: U[low, high]."""

    kind: Literal["fixed", "normal", "uniform"] = "fixed"
    mean: float = Field(256, gt=0, le=MAX_LENGTH_TOKENS,
                        description="mean (or fixed) length in tokens")
    std: float = Field(0, ge=0, le=MAX_LENGTH_TOKENS,
                       description="standard deviation in tokens (normal)")
    low: int | None = Field(None, ge=1, le=MAX_LENGTH_TOKENS,
                            description="lower bound in tokens (uniform)")
    high: int | None = Field(None, ge=1, le=MAX_LENGTH_TOKENS,
                             description="upper bound in tokens (uniform)")
    min_tokens: int = Field(1, ge=1, description="clip floor in tokens")
    max_tokens: int = Field(MAX_LENGTH_TOKENS, ge=1, le=MAX_LENGTH_TOKENS,
                            description="clip ceiling in tokens")

    @model_validator(mode="after")
    def _check(self) -> LengthSpec:
        if self.kind == "uniform":
            if self.low is None or self.high is None or self.low > self.high:
                raise ValueError("uniform length needs low <= high, e.g. U(128,512)")
        return self

    def describe(self) -> str:
        if self.kind == "fixed":
            return str(int(self.mean))
        if self.kind == "normal":
            return f"N({self.mean:g},{self.std:g})"
        return f"U({self.low},{self.high})"


class Slo(_Frozen):
    """Per-request service-level objective; a request meets it when every given bound holds."""

    ttft_ms: float | None = Field(None, gt=0, description="max time to first token, ms")
    tpot_ms: float | None = Field(None, gt=0, description="max time per output token, ms")
    e2e_ms: float | None = Field(None, gt=0, description="max end-to-end latency, ms")

    @model_validator(mode="after")
    def _any(self) -> Slo:
        if self.ttft_ms is None and self.tpot_ms is None and self.e2e_ms is None:
            raise ValueError("an SLO needs at least one of ttft_ms, tpot_ms, e2e_ms")
        return self


def _check_url(url: str) -> None:
    """``http(s)://host[:port][/path]``, else ValueError naming --url and the fix."""
    example = "use e.g. http://127.0.0.1:8080"
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range...
        raise ValueError(f"--url {url!r} is not a valid URL ({exc}); {example}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"--url {url!r} must start with http:// or https://; {example}")
    if not host:
        raise ValueError(f"--url {url!r} names no host; {example}")
    if port == 0:
        raise ValueError(f"--url {url!r}: port 0 is not a server port; {example}")


class BenchConfig(_Frozen):
    """Everything that defines a benchmark run against one OpenAI-compatible server."""

    url: str = Field(description="base URL of the server, e.g. http://127.0.0.1:8080")
    model: str = Field(min_length=1, description="model name sent in each request")
    api: ApiKind = Field("chat", description="chat -> /v1/chat/completions; completions")
    mode: LoadMode = Field("concurrency", description="closed-loop concurrency or open-loop rate")
    values: tuple[float, ...] = Field(min_length=1, description="concurrency levels or req/s")
    arrival: ArrivalKind = Field("poisson", description="inter-arrival process for rate mode")
    gamma_shape: float = Field(1.0, gt=0, le=1000, description="gamma shape k (k=1 is Poisson)")
    requests_per_point: int | None = Field(None, ge=1, le=MAX_REQUESTS,
                                           description="measured requests per point")
    duration_s: float | None = Field(None, gt=0, le=MAX_DURATION_S,
                                     description="max seconds per point")
    warmup_requests: int = Field(0, ge=0, le=MAX_REQUESTS,
                                 description="requests sent first, not measured")
    input_tokens: LengthSpec = Field(default_factory=lambda: LengthSpec(mean=256))
    output_tokens: LengthSpec = Field(default_factory=lambda: LengthSpec(mean=128))
    dataset: str | None = Field(None, description="JSONL replay file (messages or ShareGPT)")
    ignore_eos: bool = Field(True, description="pin output lengths where the server allows")
    slo: Slo | None = None
    hourly_usd: float | None = Field(None, ge=0, description="serving cost per hour (assumed)")
    tco: TcoProfile | None = Field(None, description="full TCO profile (overrides hourly_usd)")
    energy: Literal["auto", "nvml", "rapl", "amd", "modelled", "off"] = Field(
        "off", description="energy meter for the server's machine")
    blend_ratio: float = Field(3.0, ge=0, le=1e6,
                               description="input:output tokens for a blended price")
    repeats: int = Field(1, ge=1, le=100, description="runs of each load point")
    bootstrap_samples: int = Field(1000, ge=0, le=100_000, description="0 disables CIs")
    timeout_s: float = Field(120.0, gt=0, le=MAX_TIMEOUT_S, description="per-request timeout")
    seed: int = Field(0, ge=0, lt=2**63, description="random seed for workload and arrivals")
    api_key: str | None = Field(None, description="bearer token sent as Authorization")
    label: str | None = Field(None, description="free-text name for the run")

    @model_validator(mode="after")
    def _check(self) -> BenchConfig:
        _check_url(self.url)
        if self.api_key is not None:
            bad = next((c for c in self.api_key if not (" " < c <= "~")), None)
            if bad is not None:
                raise ValueError(f"--api-key contains {bad!r}; an API key is sent as an HTTP "
                                 "header, which carries printable ASCII only: check the key")
        if self.requests_per_point is None and self.duration_s is None:
            raise ValueError("bound each load point with requests_per_point and/or duration_s")
        for v in self.values:
            if not math.isfinite(v) or v <= 0:
                raise ValueError(f"load values must be positive numbers (got {v:g})")
            if self.mode == "concurrency" and v != int(v):
                raise ValueError(f"concurrency must be a whole number (got {v:g})")
            if self.mode == "concurrency" and v > MAX_CONCURRENCY:
                raise ValueError(f"concurrency must be <= {MAX_CONCURRENCY} streams (got {v:g})")
        if self.hourly_usd is not None and not math.isfinite(self.hourly_usd):
            raise ValueError("hourly_usd must be a finite number of dollars")
        return self
