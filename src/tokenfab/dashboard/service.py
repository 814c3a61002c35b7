"""What the API and the pages show, computed from the store: runs, one run, a re-price, a diff.

Every function takes an open :class:`Store` and returns a model from
:mod:`tokenfab.dashboard.models`; the HTTP layer only parses and renders.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tokenfab.cost.profile import profile_error
from tokenfab.dashboard.models import (
    CompareOut,
    ComparePoint,
    CompareSide,
    PricedPoint,
    PriceOut,
    RunDetailOut,
    RunList,
    RunMeta,
    RunRow,
)
from tokenfab.errors import ConfigError, format_validation
from tokenfab.report.data import summary_of
from tokenfab.report.status import run_status
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.summary import LoadSpec, PointSummary, RunSummary
from tokenfab.session.reprice import reprice
from tokenfab.store import RunDetail, RunInfo, Store

_SECRET_KEYS = ("api_key", "password", "secret", "authorization")


def started_utc(unix_ns: int) -> str:
    """YYYY-MM-DD HH:MM:SS of a Unix time in ns, in UTC."""
    return dt.datetime.fromtimestamp(unix_ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _row(info: RunInfo) -> RunRow:
    return RunRow(run_id=info.run_id, kind=info.kind, label=info.label, model=info.model,
                  target_url=info.target_url, started_unix_ns=info.started_unix_ns,
                  started_utc=started_utc(info.started_unix_ns), status=info.status,
                  n_records=info.n_records, n_points=info.n_points)


def redact(value: Any) -> Any:
    """A copy of a config with secret values (API keys, passwords) replaced by ``***``."""
    if isinstance(value, Mapping):
        return {k: ("***" if v and any(s in str(k).lower() for s in _SECRET_KEYS)
                    else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


# -- the list ---------------------------------------------------------------------------------

def list_runs(store: Store, *, model: str | None = None, kind: str | None = None,
              status: str | None = None, q: str | None = None, limit: int = 500) -> RunList:
    """Newest ``limit`` runs, filtered: ``model`` substring, exact ``kind`` and ``status``,
    ``q`` a substring of the label, model or run id (all case-insensitive)."""
    infos = store.list_runs(limit=limit)
    m, k, s, text = ((x or "").strip().lower() for x in (model, kind, status, q))

    def keep(r: RunInfo) -> bool:
        return ((not m or m in r.model.lower()) and (not k or k == r.kind.lower())
                and (not s or s == r.status.lower())
                and (not text or any(text in (x or "").lower()
                                     for x in (r.label, r.model, r.run_id))))

    return RunList(db=store.label, runs=[_row(r) for r in infos if keep(r)], total=len(infos),
                   kinds=sorted({r.kind for r in infos}),
                   statuses=sorted({r.status for r in infos}))


# -- one run ----------------------------------------------------------------------------------

def stored_profile(detail: RunDetail) -> TcoProfile | None:
    """The profile the run was priced with: its ``tco``, else ``hourly_usd`` as a rental."""
    cfg = detail.config
    try:
        if isinstance(cfg.get("tco"), dict):
            return TcoProfile.model_validate(cfg["tco"])
        if cfg.get("hourly_usd") is not None:
            return TcoProfile(name="hourly", rental_usd_per_hour=float(cfg["hourly_usd"]))
    except (ValidationError, TypeError, ValueError):
        return None
    return None


def run_detail(store: Store, ref: str) -> RunDetailOut:
    detail = store.get_run_detail(ref)
    stored = detail.summary is not None
    summary = summary_of(store, detail)
    notes: list[str] = []
    status = run_status(detail.status, n_records=detail.n_records, points=detail.points,
                        config=detail.config)
    if not stored:
        notes.append(f"no summary was stored: the figures were recomputed from the "
                     f"{detail.n_records:,} stored records")
    completed = sum(p.requests.completed for p in summary.points)
    if completed == 0:
        failed = sum(p.requests.failed for p in summary.points)
        notes.append(f"this run has no completed requests ({failed} failed, "
                     f"{detail.n_records} records stored): there is nothing to chart or price")
    meta = RunMeta(**_row(detail).model_dump(), finished_unix_ns=detail.finished_unix_ns,
                   config=redact(detail.config), environment=dict(detail.environment),
                   points=list(detail.points))
    return RunDetailOut(db=store.label, run=meta, summary=summary, status_note=status.banner,
                        summary_source="stored" if stored else "recomputed",
                        profile=stored_profile(detail), notes=notes)


# -- re-pricing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PriceQuery:
    """Calculator inputs; None keeps the run's stored value. ``overhead_pct`` is a percent."""

    usd_per_hour: float | None = None
    capex_usd: float | None = None
    amortization_years: float | None = None
    cost_of_capital: float | None = None
    pue: float | None = None
    usd_per_kwh: float | None = None
    utilization: float | None = None
    overhead_pct: float | None = None
    energy_included: bool | None = None


# Query parameter -> TcoProfile field, so errors name what the user typed.
_FIELD_OF = {"usd_per_hour": "rental_usd_per_hour", "overhead_pct": "overhead_fraction"}


def price_profile(detail: RunDetail, q: PriceQuery) -> TcoProfile:
    """The run's stored profile with the calculator's inputs applied; raises ConfigError."""
    for name, value in vars(q).items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{name}: must be a finite number (got {value})")
    if q.usd_per_hour is not None and q.capex_usd is not None:
        raise ConfigError("usd_per_hour and capex_usd both given: price by rent or by "
                          "purchase, not both")
    if q.overhead_pct is not None and not 0 <= q.overhead_pct <= 1000:
        raise ConfigError(f"overhead_pct: must be between 0 and 1000 (got {q.overhead_pct:g})")
    base = stored_profile(detail)
    data: dict[str, Any] = base.model_dump() if base is not None else {"name": "dashboard"}
    if q.usd_per_hour is not None:
        data.update(rental_usd_per_hour=q.usd_per_hour, capex_usd=None)
    elif q.capex_usd is not None:
        # Owned hardware pays its own electricity.
        data.update(capex_usd=q.capex_usd, rental_usd_per_hour=None, energy_included=False)
    elif base is None:
        raise ConfigError(f"run '{detail.run_id}' was stored without a price; give "
                          "usd_per_hour or capex_usd")
    for name in ("amortization_years", "cost_of_capital", "pue", "usd_per_kwh", "utilization",
                 "energy_included"):
        if (value := getattr(q, name)) is not None:
            data[name] = value
    if q.overhead_pct is not None:
        data["overhead_fraction"] = q.overhead_pct / 100.0
    try:
        return TcoProfile.model_validate(data)
    except ValidationError as exc:
        msg = profile_error(exc)
        for query_name, field in _FIELD_OF.items():
            if msg.startswith(field):
                msg = query_name + msg[len(field):]
        raise ConfigError(msg) from None


def _key(load: LoadSpec) -> tuple[str, float]:
    return load.mode, float(load.value)


def price_run(store: Store, ref: str, q: PriceQuery, samples: int = 0) -> PriceOut:
    """Every point of a stored run re-priced from its records under the calculator's profile
    (:func:`tokenfab.session.reprice.reprice`)."""
    detail = store.get_run_detail(ref)
    profile = price_profile(detail, q)
    summary = summary_of(store, detail)
    index = {_key(p.load): i for i, p in enumerate(summary.points)}
    blend = detail.config.get("blend_ratio", 3.0)
    try:
        priced = reprice(store, detail, profile.model_dump(),
                         float(blend) if isinstance(blend, int | float) else 3.0, samples)
    except ValidationError as exc:
        raise ConfigError(f"run '{detail.run_id}' was stored with a config this tokenfab cannot "
                          f"re-price ({format_validation(exc)})") from None
    points = []
    for p in priced.points:
        c = p.cost
        points.append(PricedPoint(
            index=index.get(_key(p.load)), load=p.load, completed=p.requests.completed,
            output_tok_s=p.throughput.output_tok_s,
            usd_per_hour=c.usd_per_hour if c else None,
            usd_per_mtok_output=c.usd_per_mtok_output if c else None,
            usd_per_mtok_output_all_in=c.usd_per_mtok_output_all_in if c else None,
            usd_per_mtok_input=c.usd_per_mtok_input if c else None,
            usd_per_mtok_blended=c.usd_per_mtok_blended if c else None,
            usd_per_mtok_goodput=c.usd_per_mtok_goodput if c else None,
            breakdown_usd_per_mtok_output=dict(c.breakdown_usd_per_mtok_output) if c else {},
            breakdown_usd_per_hour=dict(c.breakdown_usd_per_hour) if c else {},
            provenance=dict(c.provenance) if c else {},
            ci95=dict(c.ci95) if c else {}))
    return PriceOut(run_id=detail.run_id, profile=profile, bootstrap_samples=samples,
                    points=points)


# -- comparing --------------------------------------------------------------------------------

def _side(p: PointSummary | None) -> CompareSide:
    if p is None:
        return CompareSide()
    ttft, tpot = p.latency_ms.get("ttft"), p.latency_ms.get("tpot")
    return CompareSide(
        output_tok_s=p.throughput.output_tok_s,
        per_user_output_tok_s=p.throughput.per_user_output_tok_s_p50,
        ttft_p50_ms=ttft.p50 if ttft else None, tpot_p50_ms=tpot.p50 if tpot else None,
        usd_per_mtok_output=p.cost.usd_per_mtok_output if p.cost else None,
        usd_per_mtok_output_all_in=p.cost.usd_per_mtok_output_all_in if p.cost else None,
        j_per_output_token=p.energy.j_per_output_token if p.energy else None)


def delta_pct(a: float | None, b: float | None) -> float | None:
    """(b - a) / a × 100; None when either is missing or a is 0."""
    if a is None or b is None or a == 0:
        return None
    return (b - a) / a * 100.0


def parse_ids(raw: list[str]) -> list[str]:
    """``["a,b"]`` or ``["a", "b"]`` -> ``["a", "b"]``; exactly two are compared."""
    ids = [x.strip() for item in raw for x in item.split(",") if x.strip()]
    if len(ids) != 2:
        raise ConfigError(f"ids: give exactly two run ids, e.g. ids=abc123,def456 (got "
                          f"{len(ids)})")
    return ids


def compare_runs(store: Store, ids: list[str]) -> CompareOut:
    details = [store.get_run_detail(i) for i in ids]
    summaries: list[RunSummary] = [summary_of(store, d) for d in details]
    by_key = [{_key(p.load): p for p in s.points} for s in summaries]
    keys = sorted({k for m in by_key for k in m}, key=lambda k: (k[0], k[1]))
    points = []
    for k in keys:
        sides = [_side(m.get(k)) for m in by_key]
        a, b = sides[0], sides[1]
        deltas = {f: delta_pct(getattr(a, f), getattr(b, f)) for f in CompareSide.model_fields}
        load = LoadSpec.model_validate({"mode": k[0], "value": k[1]})
        points.append(ComparePoint(load=load, runs=sides, delta_pct=deltas))
    models = [d.model for d in details]
    differ = len(set(models)) > 1
    notes = []
    if differ:
        notes.append(f"The models differ ({' vs '.join(models)}): every difference below mixes "
                     "the model with the setup.")
    if details[0].run_id == details[1].run_id:
        notes.append("Both ids name the same run.")
    if len({s.target.url for s in summaries}) > 1:
        notes.append("The runs measured different servers.")
    if not any(sum(1 for m in by_key if k in m) == 2 for k in keys):
        notes.append("The runs share no load point: nothing lines up for a delta.")
    return CompareOut(db=store.label, runs=[_row(d) for d in details], summaries=summaries,
                      points=points, models_differ=differ, notes=notes)
