"""Validated configuration of the streaming simulator (``tokenfab.engines.sim``).

Every time is in milliseconds at this boundary (``*_ms``) and converted to integer nanoseconds
inside the server. A distribution is a small value class, :class:`Dist`; a bare number where a
``Dist`` is expected means "constant", so ``{"ttft_ms": 80, "itl_ms": 8}`` is a valid config.
Every number is finite and bounded, so a config that validates can be served: no delay beyond
an hour, no chunk or default generation beyond a million tokens. The simulator has no
authentication, so it listens on loopback only unless ``allow_remote`` is set.
"""

from __future__ import annotations

import math
import random
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tokenfab.errors import ConfigError, format_flag_validation, format_validation
from tokenfab.schemas.net import is_loopback

DistKind = Literal["constant", "normal", "lognormal", "uniform"]

__all__ = ["MAX_DELAY_MS", "MAX_TOKENS", "Dist", "DistKind", "SimConfig", "is_loopback"]

MAX_DELAY_MS = 3_600_000.0  # one hour: any simulated delay, ms
MAX_TOKENS = 1_000_000  # tokens per chunk / default generation length
_DIST_FORMS = (
    "use N, constant:N, normal:MEAN:STD, lognormal:MEAN:STD or uniform:LOW:HIGH "
    f"(ms, each 0 to {MAX_DELAY_MS:.0f}), e.g. 80 or normal:80:10"
)


class Dist(BaseModel):
    """A delay distribution in milliseconds; samples are clipped at 0 ms.

    - ``constant``: always ``mean_ms``.
    - ``normal``: N(mean_ms, std_ms), clipped at 0.
    - ``lognormal``: the lognormal whose own mean and standard deviation are ``mean_ms`` and
      ``std_ms``: sigma^2 = ln(1 + std^2/mean^2), mu = ln(mean) - sigma^2/2.
    - ``uniform``: U[low_ms, high_ms].
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    kind: DistKind = Field("constant", description="constant, normal, lognormal or uniform")
    mean_ms: float = Field(
        0.0, ge=0, le=MAX_DELAY_MS, description="mean (or constant) delay, ms"
    )
    std_ms: float = Field(
        0.0, ge=0, le=MAX_DELAY_MS, description="standard deviation, ms (normal, lognormal)"
    )
    low_ms: float | None = Field(
        None, ge=0, le=MAX_DELAY_MS, description="lower bound, ms (uniform)"
    )
    high_ms: float | None = Field(
        None, ge=0, le=MAX_DELAY_MS, description="upper bound, ms (uniform)"
    )

    @model_validator(mode="after")
    def _check(self) -> Dist:
        if self.kind == "uniform" and (
            self.low_ms is None or self.high_ms is None or self.low_ms > self.high_ms
        ):
            raise ValueError("a uniform Dist needs low_ms <= high_ms, e.g. uniform:5:12")
        if self.kind == "lognormal" and self.mean_ms <= 0:
            raise ValueError("a lognormal Dist needs mean_ms > 0")
        return self

    @classmethod
    def constant(cls, value_ms: float) -> Dist:
        return cls(kind="constant", mean_ms=value_ms)

    @classmethod
    def parse(cls, spec: str) -> Dist:
        """Parse a flag value: ``80`` | ``constant:80`` | ``normal:80:10`` |
        ``lognormal:80:10`` | ``uniform:50:120`` (all in ms)."""
        parts = [p.strip() for p in spec.strip().split(":")]
        try:
            if len(parts) == 1:
                kind, nums = "constant", [float(parts[0])]
            else:
                kind, nums = parts[0].lower(), [float(p) for p in parts[1:]]
        except ValueError:
            raise ValueError(f"cannot parse delay {spec!r}; {_DIST_FORMS}") from None
        fields: dict[str, Any] | None = None
        if kind == "constant" and len(nums) == 1:
            fields = {"kind": "constant", "mean_ms": nums[0]}
        elif kind in ("normal", "lognormal") and len(nums) == 2:
            fields = {"kind": kind, "mean_ms": nums[0], "std_ms": nums[1]}
        elif kind == "uniform" and len(nums) == 2:
            mean = (nums[0] + nums[1]) / 2
            fields = {"kind": "uniform", "mean_ms": mean, "low_ms": nums[0], "high_ms": nums[1]}
        if fields is None:
            raise ValueError(f"cannot parse delay {spec!r}; {_DIST_FORMS}")
        try:
            return cls(**fields)
        except ValidationError as exc:  # one line, not pydantic's multi-line report
            raise ValueError(f"cannot use delay {spec!r}: {format_validation(exc)}; "
                             f"{_DIST_FORMS}") from None

    def sample_ms(self, rng: random.Random) -> float:
        """One draw in ms, never negative."""
        if self.kind == "constant":
            return self.mean_ms
        if self.kind == "normal":
            return max(0.0, rng.gauss(self.mean_ms, self.std_ms))
        if self.kind == "lognormal":
            if self.std_ms == 0:
                return self.mean_ms
            sigma2 = math.log1p((self.std_ms / self.mean_ms) ** 2)
            mu = math.log(self.mean_ms) - sigma2 / 2
            return rng.lognormvariate(mu, math.sqrt(sigma2))
        assert self.low_ms is not None and self.high_ms is not None
        return rng.uniform(self.low_ms, self.high_ms)


def _short(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters so a huge input keeps its message short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_dist(value: Any) -> Any:
    """Let a bare number or a flag string stand for a Dist."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        try:
            return Dist.constant(float(value))
        except (ValidationError, OverflowError) as exc:
            detail = format_validation(exc) if isinstance(exc, ValidationError) else str(exc)
            raise ValueError(f"cannot use delay {_short(value)}: {detail}; {_DIST_FORMS}"
                             ) from None
    if isinstance(value, str):
        return Dist.parse(value)
    return value


class SimConfig(BaseModel):
    """How the simulator behaves: its timing model, load model and injected faults.

    Scheduling model: a request is admitted (FIFO, at most ``max_concurrency`` at once); its
    first content event is written at admit + TTFT * m, each further event at previous target
    + ITL * m, where m = 1 + batch_slowdown * (active_streams - 1) is evaluated when each event
    is scheduled. Targets are absolute, so lateness never accumulates.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    model: str = Field(
        "sim-model", min_length=1, max_length=256, description="model id the server answers to"
    )
    host: str = Field(
        "127.0.0.1", description="address to listen on (loopback unless allow_remote)"
    )
    allow_remote: bool = Field(
        False, description="listen on a non-loopback host (the simulator has no authentication)"
    )
    port: int = Field(0, ge=0, le=65535, description="TCP port; 0 picks a free one")
    ttft_ms: Dist = Field(
        default_factory=lambda: Dist.constant(50.0),
        description="time to first token after admission, ms",
    )
    itl_ms: Dist = Field(
        default_factory=lambda: Dist.constant(10.0),
        description="inter-event delay, ms (one event carries tokens_per_chunk tokens)",
    )
    tokens_per_chunk: int = Field(1, ge=1, le=MAX_TOKENS, description="tokens per SSE event")
    token_text: str = Field("tok ", min_length=1, description="text of every generated token")
    default_max_tokens: int = Field(
        16, ge=1, le=MAX_TOKENS, description="output tokens when a request gives no max_tokens"
    )
    batch_slowdown: float = Field(
        0.0, ge=0, le=100, description="step-time multiplier slope per extra active stream"
    )
    max_concurrency: int | None = Field(
        None, ge=1, description="streams served at once; more requests wait FIFO"
    )
    burst: bool = Field(
        False, description="write each whole response in one write at once (no delays)"
    )
    timer_slack_us: int = Field(
        0,
        ge=0,
        le=100_000,
        description="let writes be up to this late so one wake-up serves many streams "
        "(less server CPU at high concurrency; write times are recorded exactly either way)",
    )
    seed: int = Field(0, description="seed of the fault-injection and timing RNG")
    error_500_rate: float = Field(0.0, ge=0, le=1, description="probability of an HTTP 500")
    error_429_rate: float = Field(0.0, ge=0, le=1, description="probability of an HTTP 429")
    disconnect_rate: float = Field(
        0.0, ge=0, le=1, description="probability of closing the connection mid-stream"
    )
    stall_rate: float = Field(0.0, ge=0, le=1, description="probability of one mid-stream stall")
    stall_ms: float = Field(
        500.0, ge=0, le=MAX_DELAY_MS, description="length of an injected stall, ms"
    )
    malformed_rate: float = Field(
        0.0, ge=0, le=1, description="probability of one malformed `data: {not json` event"
    )
    record_path: str | None = Field(
        None, description="append per-request write timestamps (JSONL, perf_counter ns) here"
    )

    @field_validator("ttft_ms", "itl_ms", mode="before")
    @classmethod
    def _dist(cls, value: Any) -> Any:
        return _as_dist(value)

    @model_validator(mode="after")
    def _check(self) -> SimConfig:
        if self.error_500_rate + self.error_429_rate > 1.0:
            raise ValueError(
                "error_500_rate + error_429_rate (--error-500-rate + --error-429-rate) "
                "must not exceed 1"
            )
        if not self.allow_remote and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} (--host) is not a loopback address, and the simulator has "
                "no authentication; use 127.0.0.1 or localhost, or pass --allow-remote"
            )
        return self

    @classmethod
    def from_flags(
        cls,
        *,
        ttft: str | float | None = None,
        itl: str | float | None = None,
        **fields: Any,
    ) -> SimConfig:
        """Build from CLI-style values: ``ttft``/``itl`` accept ``8``, ``normal:8:1`` etc.;
        other keyword arguments are SimConfig fields, and ``None`` values are dropped.

        Raises ``ConfigError`` in one line naming the flag (``--ttft-ms``, ``--port``...)."""
        data: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if ttft is not None:
            data["ttft_ms"] = ttft
        if itl is not None:
            data["itl_ms"] = itl
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(format_flag_validation(exc)) from None


