"""What the store hands back: validated, frozen pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tokenfab.errors import StoreError, format_validation
from tokenfab.schemas.bench import RunStatus
from tokenfab.schemas.summary import RunSummary


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunInfo(_Model):
    """One line of ``tokenfab runs list``."""

    run_id: str
    kind: str = Field(description="what produced the run, e.g. bench, run, sim")
    label: str | None = Field(default=None, description="user label given with --label")
    model: str
    target_url: str
    started_unix_ns: int = Field(description="wall-clock start, Unix time in ns")
    status: RunStatus = Field(
        description="what to show: the stored status, except that a run still stored as "
                    "running whose process is gone reads interrupted, or stale when it has "
                    "shown no life for a while (tokenfab.store.status.effective_status)")
    stored_status: str = Field(description="the status column as the run last wrote it")
    owner_pid: int | None = Field(default=None, description="pid of the process running it")
    owner_host: str | None = Field(default=None, description="host name of that process")
    heartbeat_unix_ns: int | None = Field(
        default=None, description="last sign of life (records committed), Unix time in ns")
    n_records: int = Field(description="request records stored for the run")
    n_points: int = Field(description="load points declared for the run")


class PointInfo(_Model):
    """One load point of a run; ``*_ns`` are perf_counter_ns of the sending process."""

    point_index: int
    mode: str = Field(description="load mode, e.g. concurrency or rate")
    value: float = Field(description="concurrency level or request rate (req/s)")
    started_ns: int | None = None
    ended_ns: int | None = None
    n_records: int = 0


class RunDetail(RunInfo):
    """Everything stored about a run except its records."""

    clock_offset_ns: int = Field(description="unix_ns - perf_counter_ns at run start")
    finished_unix_ns: int | None = None
    config: dict[str, Any]
    environment: dict[str, Any]
    summary: dict[str, Any] | None = Field(default=None, description="tokenfab.run/1 JSON")
    points: list[PointInfo] = Field(default_factory=list)

    def run_summary(self) -> RunSummary | None:
        """The stored summary validated as :class:`RunSummary`, or None if none was stored."""
        if self.summary is None:
            return None
        try:
            return RunSummary.model_validate(self.summary)
        except ValidationError as exc:
            raise StoreError(
                f"run '{self.run_id}' has a summary tokenfab cannot read "
                f"({format_validation(exc)}); "
                "re-run the benchmark or export the raw records instead"
            ) from exc
