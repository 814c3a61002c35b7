"""What reports and the dashboard show: stored runs and projection files as one shape.

A ``RunView`` holds JSON-mode points (``tokenfab.run/1`` point dicts; projections add
``hardware``, ``precision``, ``gpus`` and ``throughput.output_tok_s_per_gpu``), the per-request
records (measured runs only) and where every number came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tokenfab.errors import StoreError
from tokenfab.metrics.compute import summarize_point
from tokenfab.schemas.config import Slo
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import RunSummary, Target
from tokenfab.store import RunDetail, Store


@dataclass
class RunView:
    ref: str  # run id or file path as given
    run_id: str
    label: str  # what to call it in a legend
    model: str
    kind: Literal["measured", "modelled"]
    points: list[dict[str, Any]]
    records: list[RequestRecord] = field(default_factory=list)
    detail: RunDetail | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    status: str = "complete"
    source: dict[str, Any] = field(default_factory=dict)  # the projection JSON, if any


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


def load_view(store: Store | None, ref: str) -> RunView:
    """A stored run (id or unique prefix) or a projection JSON file (``tokenfab project``)."""
    path = Path(ref)
    if ref.endswith(".json") and path.is_file():
        return _projection_view(ref, path)
    if store is None:
        raise StoreError(f"{ref!r} is not a projection JSON file and no database was given")
    detail = store.get_run_detail(ref)
    summary = summary_of(store, detail)
    records = store.records(detail.run_id)
    label = detail.label or f"{detail.model} ({detail.run_id[:8]})"
    return RunView(ref=ref, run_id=detail.run_id, label=label, model=detail.model,
                   kind="measured", points=summary.to_json_dict()["points"],  # type: ignore[arg-type]
                   records=records, detail=detail, environment=dict(detail.environment),
                   config=dict(detail.config), status=detail.status)


def _projection_view(ref: str, path: Path) -> RunView:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StoreError(f"{ref}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict) or "points" not in data:
        raise StoreError(f"{ref}: not a tokenfab summary or projection (no 'points'); write one "
                         "with `tokenfab project --json FILE` or `tokenfab bench --json FILE`")
    model = str(data.get("target", {}).get("model", "model"))
    kind: Literal["measured", "modelled"] = (
        "modelled" if data.get("kind") == "projection" else "measured")
    hw = sorted({str(p.get("hardware")) for p in data["points"] if p.get("hardware")})
    label = f"{model} on {', '.join(hw)} (modelled)" if kind == "modelled" else model
    return RunView(ref=ref, run_id=str(data.get("run_id", path.stem)), label=label, model=model,
                   kind=kind, points=list(data["points"]),
                   environment=dict(data.get("environment") or {}), source=data)


def load_views(store: Store | None, refs: list[str]) -> list[RunView]:
    return [load_view(store, r) for r in refs]
