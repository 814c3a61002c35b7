"""What ``session.bench.run_bench`` returns, and the statuses a stored run can show."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tokenfab.schemas.summary import RunSummary

BENCH_RESULT_SCHEMA = "tokenfab.bench-result/1"

# What a run's status means (stored by the run itself, or worked out when it is read):
#   running      its process is alive and still writing
#   complete     every load point finished
#   interrupted  stopped by Ctrl-C/SIGTERM, or its process is gone (e.g. kill -9)
#   failed       an error stopped it (e.g. before its first request)
#   server_lost  the server stopped answering mid-run; the completed records are kept
#   stale        no sign of life for a while and its process cannot be checked (other host)
RunStatus = Literal["running", "complete", "interrupted", "failed", "server_lost", "stale"]
RUN_STATUSES: tuple[RunStatus, ...] = ("running", "complete", "interrupted", "failed",
                                       "server_lost", "stale")


class BenchResult(BaseModel):
    """One benchmark run: its summary, where it is stored and how it ended."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(BENCH_RESULT_SCHEMA, alias="schema")
    run_id: str = Field(description="id of the run in the results database")
    status: RunStatus = Field(description="complete, or server_lost when the server went away")
    summary: RunSummary = Field(description="the tokenfab.run/1 summary of the finished points")
    warnings: list[str] = Field(default_factory=list,
                                description="what the user should know about this run")

    @property
    def ok(self) -> bool:
        """True when every load point ran to its bound."""
        return self.status == "complete"


__all__ = ["BENCH_RESULT_SCHEMA", "RUN_STATUSES", "BenchResult", "RunStatus"]
