"""``tokenfab run``: its validated config and its result (``session.run.run``)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tokenfab.schemas.bench import RunStatus
from tokenfab.schemas.config import BenchConfig
from tokenfab.schemas.summary import RunSummary

RUN_RESULT_SCHEMA = "tokenfab.run-result/1"
MAX_SLOTS = 256  # llama-server parallel slots; each holds its own KV cache


class RunConfig(BaseModel):
    """Start the embedded engine, benchmark it with ``load``, stop it.

    ``load.url`` and ``load.model`` are placeholders: the run replaces them with the started
    engine's address and alias."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = Field(None, description="embedded model key; None: the default")
    model_file: str | None = Field(None, description="a GGUF variant of the model to serve")
    engine_args: tuple[str, ...] = Field(
        (), description="extra llama-server arguments as typed, e.g. '--threads 2'")
    slots: int | None = Field(None, description="parallel slots (-np) between 1 and "
                                                f"{MAX_SLOTS}; None: the highest concurrency")
    load: BenchConfig = Field(description="the load points, workload and pricing")
    db: str | None = Field(None, description="results database URL; None: the default")

    @field_validator("engine_args")
    @classmethod
    def _splittable(cls, args: tuple[str, ...]) -> tuple[str, ...]:
        for arg in args:
            try:
                shlex.split(arg)
            except ValueError as exc:
                raise ValueError(
                    f"--engine-arg {arg!r} cannot be split into arguments ({exc}); close the "
                    "quote, e.g. --engine-arg \"--alias 'my model'\"") from None
        return args

    @field_validator("model_file")
    @classmethod
    def _is_file(cls, path: str | None) -> str | None:
        if path is not None and not Path(path).is_file():
            raise ValueError(f"--model-file {path}: no such file; pass a GGUF file")
        return path

    @field_validator("slots")
    @classmethod
    def _slots(cls, slots: int | None) -> int | None:
        if slots is not None and not 1 <= slots <= MAX_SLOTS:
            raise ValueError(f"--slots must be between 1 and {MAX_SLOTS} (got {slots})")
        return slots


class RunResult(BaseModel):
    """What ``tokenfab run`` measured and how it ended."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(RUN_RESULT_SCHEMA, alias="schema")
    run_id: str
    status: RunStatus = Field(description="complete, or server_lost if the engine died")
    summary: RunSummary = Field(description="tokenfab.run summary, with speed_of_light when "
                                            "the shipped model file was served")
    served: str = Field(description="what was served, e.g. 'SmolLM2-135M-Instruct Q4_1'")
    engine: dict[str, Any] = Field(description="engine kind, version and argv")
    slots: int = Field(description="parallel slots the engine ran with")
    warnings: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "complete"


__all__ = ["MAX_SLOTS", "RUN_RESULT_SCHEMA", "RunConfig", "RunResult"]
