"""What reports and the dashboard show: stored runs and projection files as one shape.

A ``RunView`` holds JSON-mode points (``tokenfab.run`` point dicts; projections add
``hardware``, ``precision``, ``gpus`` and ``throughput.output_tok_s_per_gpu``), the per-request
records (measured runs only) and where every number came from. Stored runs are read here;
JSON files by :mod:`tokenfab.report.document`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tokenfab.metrics.compute import summarize_point
from tokenfab.schemas.config import Slo
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import RunSummary, Target
from tokenfab.schemas.types import Provenance
from tokenfab.store import RunDetail, Store


@dataclass
class RunView:
    ref: str  # run id or file path as given
    run_id: str
    label: str  # what to call it in a legend
    model: str
    kind: Provenance  # measured (a run or its summary file) or modelled (a projection)
    points: list[dict[str, Any]]
    records: list[RequestRecord] = field(default_factory=list)
    detail: RunDetail | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    status: str = "complete"
    source: dict[str, Any] = field(default_factory=dict)  # the projection JSON, if any


OLD_BAND_KIND = "modelled range (stored as ci95 by an older tokenfab; not a sampling interval)"


def normalise_point(point: dict[str, Any], *, modelled: bool) -> dict[str, Any]:
    """``point`` with the names of older files mapped to today's, in place:
    ``cost.breakdown`` (``tokenfab.run/1``) -> ``cost.breakdown_usd_per_mtok_output``, and a
    projection's ``cost.ci95`` (a modelled range, never a sampling interval) -> ``cost.band``."""
    cost = point.get("cost")
    if isinstance(cost, dict):
        old = cost.pop("breakdown", None)
        if not cost.get("breakdown_usd_per_mtok_output") and old:
            cost["breakdown_usd_per_mtok_output"] = old
        if modelled and cost.get("ci95"):
            if not cost.get("band"):
                cost["band"] = cost["ci95"]
                cost["band_kind"] = cost.get("band_kind") or OLD_BAND_KIND
            cost["ci95"] = {}
    return point


def summary_of(store: Store, detail: RunDetail) -> RunSummary:
    """The stored summary, or one recomputed from the records of an interrupted run."""
    stored = detail.run_summary()
    if stored is not None:
        return stored
    slo = Slo.model_validate(detail.config["slo"]) if detail.config.get("slo") else None
    points = []
    for p in detail.points:
        recs = store.records(detail.run_id, p.point_index)
        if recs:
            points.append(summarize_point(recs, mode=p.mode, value=p.value, slo=slo))
    return RunSummary(run_id=detail.run_id, target=Target(url=detail.target_url,
                                                          model=detail.model),
                      points=points, label=detail.label, environment=detail.environment)


def stored_view(store: Store, ref: str) -> RunView:
    """A stored run (id or unique prefix) as a view: its summary (recomputed from the records
    of a run that did not finish), its records and its status."""
    detail = store.get_run_detail(ref)
    summary = summary_of(store, detail)
    records = store.records(detail.run_id)
    label = detail.label or f"{detail.model} ({detail.run_id[:8]})"
    points = [normalise_point(p.model_dump(mode="json"), modelled=False)
              for p in summary.points]
    return RunView(ref=ref, run_id=detail.run_id, label=label, model=detail.model,
                   kind="measured", points=points, records=records, detail=detail,
                   environment=dict(detail.environment), config=dict(detail.config),
                   status=detail.status)
