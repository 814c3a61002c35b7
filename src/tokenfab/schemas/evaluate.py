"""``tokenfab eval``: the job's config, what an evaluation measured, and its result. Pure types.

The result serialises to the ``tokenfab.eval/1`` document (content unchanged since the CLI
wrote it): accuracy per set and overall, tokens, errors, prices and where each number came
from.

    accuracy = correct / n          (n counts errored and empty items too)
    wall_s   = wall_ns / 1e9        (measured)
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tokenfab.schemas.cost import TcoProfile

SCHEMA_ID = "tokenfab.eval/1"
PromptStyle = Literal["chat", "fewshot"]
PROMPT_STYLES: tuple[PromptStyle, ...] = ("chat", "fewshot")


class ItemResult(BaseModel):
    """One task's outcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    task: str
    reply: str = ""
    correct: bool = False
    empty: bool = False
    error: str | None = Field(None, description="error class, e.g. http_500, timeout")
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    latency_ns: int = 0


class Tokens(BaseModel):
    """Token counts as the server reported them in ``usage`` (measured)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: int = 0
    output: int = 0
    reasoning: int = 0


class TaskScore(BaseModel):
    """Aggregate over one set (or over everything)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int
    correct: int
    empty: int
    errored: int
    tokens: Tokens

    @property
    def accuracy(self) -> float:
        """correct / n (0 when n = 0)."""
        return self.correct / self.n if self.n else 0.0


def aggregate(items: list[ItemResult]) -> TaskScore:
    """Sums over ``items``: n, correct, empty, errored and tokens."""
    return TaskScore(
        n=len(items),
        correct=sum(i.correct for i in items),
        empty=sum(i.empty for i in items),
        errored=sum(i.error is not None for i in items),
        tokens=Tokens(input=sum(i.input_tokens for i in items),
                      output=sum(i.output_tokens for i in items),
                      reasoning=sum(i.reasoning_tokens for i in items)),
    )


class EvalResult(BaseModel):
    """Everything one evaluation measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    items: list[ItemResult]
    wall_ns: int = Field(ge=0)
    errors: dict[str, int] = Field(default_factory=dict)

    @property
    def wall_s(self) -> float:
        return self.wall_ns / 1e9

    @property
    def overall(self) -> TaskScore:
        return aggregate(self.items)

    @property
    def per_task(self) -> dict[str, TaskScore]:
        names = dict.fromkeys(i.task for i in self.items)
        return {n: aggregate([i for i in self.items if i.task == n]) for n in names}


class BadRow(BaseModel):
    """A task-file row that was skipped, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    line: int
    error: str


class EvalCost(BaseModel):
    """The priced evaluation (see :mod:`tokenfab.cost.eval_price`); ``note`` says why a figure
    is missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    usd_per_hour: float
    cost_usd: float
    usd_per_correct: float | None
    usd_per_mtok_output: float | None
    note: str | None = None


class EvalConfig(BaseModel):
    """Everything ``tokenfab eval`` needs; checked before any engine starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(None, description="--url: OpenAI-compatible server; None = start "
                                              "the embedded llama.cpp engine")
    model: str | None = Field(None, description="--model: the name to request (with --url) or "
                                                "the embedded model to serve")
    api_key: str | None = Field(None, description="--api-key: bearer token for --url")
    tasks: str = Field("all", description="--tasks: set names, 'all' or a JSONL file")
    limit: int | None = Field(None, ge=1, description="--limit: first N items of each set")
    concurrency: int = Field(4, ge=1, le=256, description="--concurrency: requests in flight")
    max_tokens: int = Field(64, ge=1, le=32768,
                            description="--max-tokens: reply length cap per item")
    timeout_s: float = Field(120.0, gt=0, allow_inf_nan=False, description="--timeout, s")
    model_file: str | None = Field(None, description="--model-file: GGUF to serve instead")
    style: PromptStyle = Field("chat", description="--style: chat or fewshot")
    shots: int = Field(3, ge=0, le=32, description="--shots: solved examples (fewshot)")
    profile: TcoProfile | None = Field(None, description="what an hour of serving costs")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            parts = urlsplit(v)
            parts.port  # noqa: B018  (raises on a port that is not a number)
        except ValueError as exc:
            raise ValueError(f"--url {v!r}: {exc}; give http(s)://host:port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--url {v!r}: give http(s)://host:port")
        return v

    @field_validator("api_key")
    @classmethod
    def _api_key(cls, v: str | None) -> str | None:
        if v is not None and not (v.isascii() and v.isprintable()):
            raise ValueError("--api-key: a bearer token is printable ASCII; check what was "
                             "pasted")
        return v

    @model_validator(mode="after")
    def _target(self) -> EvalConfig:
        if self.url is not None and self.model is None:
            raise ValueError("--url needs --model NAME (the model the server serves)")
        if self.url is not None and self.model_file is not None:
            raise ValueError("--model-file starts the embedded engine; drop it or drop --url")
        if not self.tasks.strip():
            raise ValueError("--tasks is empty; give set names, 'all' or a JSONL file")
        return self


class EvalReport(BaseModel):
    """The job's result: what was measured, what it cost, and what was served."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: str = Field(SCHEMA_ID, alias="schema")
    result: EvalResult
    cost: EvalCost | None = None
    bad_rows: list[BadRow] = Field(default_factory=list)
    target: dict[str, Any] = Field(default_factory=dict)
    profile: str | None = Field(None, description="name of the TCO profile that priced it")
    style: PromptStyle = "chat"
    shots: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        """The ``tokenfab.eval/1`` document."""
        doc = eval_document(self.result, self.cost, self.bad_rows, target=self.target,
                            profile=self.profile)
        doc["prompt"] = {"style": self.style, "shots": self.shots}
        return doc


def eval_document(result: EvalResult, cost: EvalCost | None, bad_rows: list[BadRow], *,
                  target: dict[str, Any] | None = None,
                  profile: str | None = None) -> dict[str, Any]:
    """Accuracy per set and overall, tokens, errors, prices and where each number came from."""
    o = result.overall
    provenance: dict[str, str] = {
        "accuracy": "measured (checked against generated answers)",
        "tokens": "measured (server usage)",
        "wall_s": "measured",
    }
    if cost is not None:
        provenance.update({
            "usd_per_hour": "assumed" + (f" ({profile})" if profile else ""),
            "cost_usd": "measured time × assumed price",
            "usd_per_correct": "measured time × assumed price / measured correct",
            "usd_per_mtok_output": "measured time × assumed price / measured tokens",
        })
    return {
        "schema": SCHEMA_ID,
        "model": result.model,
        "target": target or {},
        "accuracy": o.accuracy,
        "correct": o.correct,
        "n": o.n,
        "empty_answers": o.empty,
        "tasks": {name: {"accuracy": s.accuracy, "n": s.n, "correct": s.correct,
                         "empty": s.empty, "errored": s.errored,
                         "tokens": s.tokens.model_dump()}
                  for name, s in result.per_task.items()},
        "tokens": o.tokens.model_dump(),
        "usd_per_hour": cost.usd_per_hour if cost else None,
        "cost_usd": cost.cost_usd if cost else None,
        "usd_per_correct": cost.usd_per_correct if cost else None,
        "usd_per_mtok_output": cost.usd_per_mtok_output if cost else None,
        "cost_note": cost.note if cost else None,
        "wall_s": result.wall_s,
        "errors": result.errors,
        "bad_rows": [b.model_dump() for b in bad_rows],
        "provenance": provenance,
        "items": [{"id": i.id, "task": i.task, "correct": i.correct, "empty": i.empty,
                   "error": i.error, "reply": i.reply, "finish_reason": i.finish_reason,
                   "output_tokens": i.output_tokens, "latency_ms": i.latency_ns / 1e6}
                  for i in result.items],
    }

