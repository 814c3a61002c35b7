"""Re-price a stored run from its records under another TCO profile, without re-running it.

Used by ``tokenfab cost --run`` and the dashboard's calculator.
"""

from __future__ import annotations

from typing import Any

from tokenfab.energy import EnergyMeasurement
from tokenfab.errors import ConfigError
from tokenfab.load.runner import PointRun
from tokenfab.schemas.config import BenchConfig
from tokenfab.schemas.summary import PointSummary, RunSummary, Target
from tokenfab.session.pricing import summarize_repeats
from tokenfab.store import RunDetail, Store


def _stored_energy(detail: RunDetail, mode: str, value: float) -> EnergyMeasurement | None:
    if not detail.summary:
        return None
    for p in detail.summary.get("points", []):
        load, e = p.get("load", {}), p.get("energy")
        if load.get("mode") == mode and load.get("value") == value and e:
            if not e.get("valid") or e.get("joules") is None:
                return None
            return EnergyMeasurement(energy_j=e["joules"], duration_s=p.get("duration_s", 0.0),
                                     avg_power_w=e.get("avg_power_w"), source=e["source"],
                                     provenance=e["provenance"], valid=True, note=e.get("note"),
                                     per_device_j={})
    return None


def reprice(store: Store, detail: RunDetail, profile: dict[str, Any], blend_ratio: float,
            samples: int) -> RunSummary:
    """Recompute every point of a stored run from its records under a new profile."""
    cfg_data = dict(detail.config)
    cfg_data.update({"tco": profile, "blend_ratio": blend_ratio, "bootstrap_samples": samples,
                     "energy": "off"})
    cfg = BenchConfig.model_validate(cfg_data)
    groups: dict[tuple[str, float], list[PointRun]] = {}
    for p in detail.points:
        recs = store.records(detail.run_id, p.point_index)
        if not recs:
            continue
        run = PointRun(p.point_index, p.mode, p.value, recs, p.started_ns or 0, p.ended_ns or 0)
        if not p.started_ns or not p.ended_ns:
            measured = [r for r in recs if not r.warmup] or recs
            run.started_ns = min(r.sent_ns for r in measured)
            run.ended_ns = max(r.end_ns for r in measured)
        groups.setdefault((p.mode, p.value), []).append(run)
    if not groups:
        raise ConfigError(f"run '{detail.run_id}' has no completed requests to price")
    points: list[PointSummary] = []
    for (mode, value), runs in groups.items():
        energy = _stored_energy(detail, mode, value)
        n = len(runs)
        per = None if energy is None else energy.model_copy(
            update={"energy_j": (energy.energy_j or 0.0) / n, "duration_s": energy.duration_s / n})
        cfg_point = cfg.model_copy(update={"mode": mode})
        points.append(summarize_repeats(runs, cfg_point, value, [per] * n))
    return RunSummary(run_id=detail.run_id, target=Target(url=detail.target_url,
                                                          model=detail.model),
                      points=points, label=detail.label, environment=detail.environment,
                      provenance={"latency_ms": "measured", "throughput": "measured"})
