"""The run summary contract: ``tokenfab.run/2`` is written, ``tokenfab.run/1`` still reads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tokenfab.schemas.summary import SCHEMA_ID, CostSummary, EnergySummary, RunSummary

OLD_POINT: dict[str, Any] = {
    "load": {"mode": "concurrency", "value": 4.0},
    "requests": {"completed": 10, "failed": 0},
    "duration_s": 12.5,
    "tokens": {"input": 1000, "output": 500},
    "throughput": {"output_tok_s": 40.0, "input_tok_s": 80.0, "total_tok_s": 120.0,
                   "requests_per_s": 0.8},
    "latency_ms": {},
    "cost": {"usd_per_hour": 2.0, "usd_per_mtok_output": 10.0, "usd_per_mtok_total": 4.6,
             "usd_per_mtok_output_all_in": 13.9,
             "breakdown": {"hardware": 12.0, "energy": 0.9, "overhead": 1.0},
             "breakdown_usd_per_hour": {"hardware": 1.7, "energy": 0.13, "overhead": 0.17},
             "provenance": {"hardware": "assumed"}},
}
OLD = {"schema": "tokenfab.run/1", "run_id": "r1", "target": {"url": "http://h", "model": "m"},
       "points": [OLD_POINT]}


def test_old_summary_loads_with_unit_named_breakdown() -> None:
    s = RunSummary.model_validate(json.loads(json.dumps(OLD)))
    assert s.schema_ == SCHEMA_ID == "tokenfab.run/2"
    cost = s.points[0].cost
    assert cost is not None
    assert cost.breakdown_usd_per_mtok_output == {"hardware": 12.0, "energy": 0.9,
                                                  "overhead": 1.0}
    out = s.to_json_dict()
    assert out["schema"] == "tokenfab.run/2"
    written = out["points"][0]["cost"]  # type: ignore[index]
    assert "breakdown" not in written and written["breakdown_usd_per_mtok_output"]["hardware"] == 12
    assert RunSummary.model_validate(out) == s  # a written run/2 reads back unchanged


def test_new_summary_keeps_its_schema() -> None:
    s = RunSummary.model_validate({"run_id": "r", "target": {"url": "u", "model": "m"},
                                   "points": []})
    assert s.to_json_dict()["schema"] == SCHEMA_ID


@pytest.mark.parametrize("schema", ["tokenfab.run/3", "tokenfab.project/1", 7])
def test_unknown_schema_is_refused(schema: object) -> None:
    with pytest.raises(ValidationError, match="not one this tokenfab reads"):
        RunSummary.model_validate({**OLD, "schema": schema})


def test_every_cost_and_energy_quantity_names_its_unit() -> None:
    """Keys holding a quantity carry a unit suffix; the rest are ratios, labels or maps."""
    unitless = {"utilization", "blend_ratio", "attribution", "provenance", "ci95", "band",
                "band_kind", "source", "valid", "note"}
    units = ("usd", "_j", "joules", "_w", "_kw", "_mwh", "_s", "_token")
    for model in (CostSummary, EnergySummary):
        for name in model.model_fields:
            if name in unitless:
                continue
            assert any(u in name for u in units), f"{model.__name__}.{name} has no unit"
