"""``tokenfab report``: what to report on and how (``ReportConfig``), and what was written
(``ReportResult``, schema ``tokenfab.report/1``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_ID = "tokenfab.report/1"
FORMATS = ("html", "md", "svg", "png")
CHARTS = ("throughput", "cost", "decomposition", "ttft-cdf", "tpot-cdf", "e2e-cdf", "errors",
          "energy")
DEFAULT_OUT = {"html": "report.html", "md": "report.md"}
ReportFormat = Literal["html", "md", "svg", "png"]


class ReportConfig(BaseModel):
    """One report over stored runs and JSON files; the first ref is the comparison's baseline."""

    model_config = ConfigDict(extra="forbid")

    refs: list[str] = Field(description="run ids (or unique prefixes) and JSON files from "
                                        "`tokenfab project --json` / `tokenfab bench --json`")
    output: str | None = Field(default=None, description="file to write; '-' for stdout (not "
                                                         "png); default report.html, report.md, "
                                                         "CHART.svg or CHART.png")
    format: ReportFormat = Field(default="html", description="html: the full report; md: a summary "
                                                    "for PRs; svg/png: one chart")
    chart: str = Field(default="throughput", description="which chart svg/png draws")
    db: str | None = Field(default=None, description="SQLAlchemy URL of the results database")
    command: str | None = Field(default=None, description="the command line to show under "
                                                          "Reproduce")

    @field_validator("refs")
    @classmethod
    def _refs(cls, v: list[str]) -> list[str]:
        refs = [r.strip() for r in v]
        if not refs:
            raise ValueError("give at least one run id (see `tokenfab runs list`) or a JSON "
                             "file from `tokenfab project --json` / `tokenfab bench --json`")
        if any(not r for r in refs):
            raise ValueError("an empty run id was given; pass a run id or a JSON file")
        return refs

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: object) -> object:
        if v not in FORMATS:
            raise ValueError(f"--format {v!r} is not one of {', '.join(FORMATS)}")
        return v

    @field_validator("chart")
    @classmethod
    def _chart(cls, v: str) -> str:
        if v not in CHARTS:
            raise ValueError(f"--chart {v!r} is not one of {', '.join(CHARTS)}")
        return v

    @field_validator("output")
    @classmethod
    def _output(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("-o is empty; give a file name, or '-' for stdout")
        return v

    @model_validator(mode="after")
    def _png_needs_a_file(self) -> ReportConfig:
        if self.format == "png" and self.output == "-":
            raise ValueError("a PNG is binary: -o - (stdout) is not possible with --format png; "
                             "pass a file with -o chart.png")
        return self

    @property
    def out_path(self) -> str:
        """Where the report goes: ``-o``, else the format's default file name."""
        return self.output or DEFAULT_OUT.get(self.format) or f"{self.chart}.{self.format}"


class ReportedRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str
    run_id: str
    label: str
    kind: str = Field(description="measured or modelled")
    status: str = Field(description="the run's stored status (complete for files)")
    status_note: str | None = Field(default=None, description="what a partial run kept")


class ReportResult(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(SCHEMA_ID, alias="schema")
    format: ReportFormat
    chart: str | None = Field(description="the chart drawn (svg/png); None for html/md")
    path: str | None = Field(description="the file written; None when written to stdout")
    text: str | None = Field(default=None, description="the document, when -o - asked for "
                                                       "stdout (the caller prints it)")
    runs: list[ReportedRun]


__all__ = ["CHARTS", "DEFAULT_OUT", "FORMATS", "SCHEMA_ID", "ReportConfig", "ReportFormat",
           "ReportResult", "ReportedRun"]
