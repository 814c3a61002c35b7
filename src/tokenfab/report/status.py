"""How a stored run's status reads to a person: a label, a tone and, for a run that did not
finish cleanly, a banner saying what was kept. Pure; the report and the dashboard both use it.

Statuses come from the store (``RunInfo.status``): ``running``, ``complete``, ``interrupted``,
``failed``, ``server_lost`` and ``stale`` (a run whose process went away without saying so).
Anything else is shown as it is, marked partial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tokenfab.report.data import RunView
from tokenfab.store import PointInfo

Tone = Literal["ok", "live", "partial", "bad"]

STATUSES: dict[str, tuple[str, Tone]] = {  # status -> (label, tone)
    "complete": ("complete", "ok"),
    "running": ("running", "live"),
    "interrupted": ("interrupted", "partial"),
    "stale": ("stale", "partial"),
    "server_lost": ("server lost", "bad"),
    "failed": ("failed", "bad"),
}


@dataclass(frozen=True)
class RunStatus:
    status: str  # as stored
    label: str  # for people: "server lost"
    tone: Tone
    banner: str | None  # None for a complete run

    @property
    def partial(self) -> bool:
        return self.status != "complete"


def _load(p: PointInfo) -> str:
    if p.mode == "rate":
        return f"{p.value:g} req/s"
    return f"{p.value:g} stream" + ("" if p.value == 1 else "s")


def planned_points(config: Mapping[str, Any]) -> int | None:
    """Load points a run meant to measure: ``len(values) × repeats`` of its stored config."""
    values = config.get("values")
    repeats = config.get("repeats", 1)
    if not isinstance(values, list) or not values:
        return None
    return len(values) * (repeats if isinstance(repeats, int) and repeats > 0 else 1)


def _where(points: Sequence[PointInfo], planned: int | None) -> str:
    """" during point 2 of 3 (4 streams)" for the last point the run started, or ""."""
    if not points:
        return ""
    last = max(points, key=lambda p: p.point_index)
    of = f" of {planned}" if planned and planned >= last.point_index + 1 else ""
    return f" during point {last.point_index + 1}{of} ({_load(last)})"


def _kept(n_records: int) -> str:
    return f"{n_records:,} request{'' if n_records == 1 else 's'} kept"


def run_status(status: str, *, n_records: int, points: Sequence[PointInfo] = (),
               config: Mapping[str, Any] | None = None) -> RunStatus:
    """The status of a run with ``n_records`` stored records and the load points it started.

    The banner says what happened, where, and what the figures are made of."""
    label, tone = STATUSES.get(status, (status.replace("_", " ") or "unknown", "partial"))
    if status == "complete":
        return RunStatus(status, label, tone, None)
    where = _where(points, planned_points(config or {}))
    kept = _kept(n_records)
    if status == "running":
        text = (f"running — {kept} so far{where}; figures are partial and change as the run "
                "goes on")
    elif status == "interrupted":
        text = (f"interrupted{where} — {kept}; figures are recomputed from the requests "
                "that finished")
    elif status == "stale":
        text = (f"stale — no sign of life for a while; the run stopped{where} without "
                f"finishing, {kept}, figures recomputed from them")
    elif status == "server_lost":
        text = (f"server lost{where} — {kept}; the server stopped answering, so later "
                "requests and points were not measured")
    elif status == "failed":
        text = (f"failed{where} — {kept}" if n_records else
                "failed before its first request — nothing was measured")
    else:
        text = f"{label}{where} — {kept}; the run did not report completing"
    return RunStatus(status, label, tone, text)


def view_status(view: RunView) -> RunStatus:
    """A report view's run status; a stored run's banner says where it stopped and what was
    kept (a JSON file's status is what the file says, else complete; its requests are counted
    from its points)."""
    d = view.detail
    if d is not None:
        return run_status(view.status, n_records=d.n_records, points=d.points,
                          config=view.config)
    counted = sum(int(n) for p in view.points for k in ("completed", "failed")
                  if isinstance(n := (p.get("requests") or {}).get(k), int))
    return run_status(view.status, n_records=len(view.records) or counted, config=view.config)


__all__ = ["STATUSES", "RunStatus", "Tone", "planned_points", "run_status", "view_status"]
