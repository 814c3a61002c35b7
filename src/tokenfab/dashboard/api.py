"""The JSON API under ``/api``: runs, one run, a live re-price and a comparison."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from tokenfab.dashboard import service
from tokenfab.dashboard.models import CompareOut, ErrorOut, PriceOut, RunDetailOut, RunList
from tokenfab.dashboard.source import StoreSource
from tokenfab.store import Store


def source_of(request: Request) -> StoreSource:
    src: StoreSource = request.app.state.source
    return src


def open_store(request: Request) -> Store:
    """The request's store; raises StoreError (503/404 via the app's handler)."""
    return source_of(request).get()


StoreDep = Annotated[Store, Depends(open_store)]
_ERR: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such run"},
    422: {"model": ErrorOut, "description": "invalid input, one line naming the field"},
    503: {"model": ErrorOut, "description": "database missing, unreachable or newer"},
}

router = APIRouter(prefix="/api", tags=["runs"], responses=_ERR)


def _f(description: str) -> Any:
    return Query(description=description)


@router.get("/runs", summary="List stored runs, newest first, filtered")
def list_runs(
    store: StoreDep,
    model: Annotated[str | None, Query(description="substring of the model name")] = None,
    kind: Annotated[str | None, Query(description="exact kind, e.g. bench or run")] = None,
    status: Annotated[str | None, Query(description="exact status, e.g. complete")] = None,
    q: Annotated[str | None, Query(description="text in the label, model or run id")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000, description="newest runs to look at")] = 500,
) -> RunList:
    return service.list_runs(store, model=model, kind=kind, status=status, q=q, limit=limit)


@router.get("/runs/{run_id}", summary="One run (id or unique prefix) with its summary")
def get_run(store: StoreDep, run_id: str) -> RunDetailOut:
    return service.run_detail(store, run_id)


@router.get("/runs/{run_id}/price",
            summary="Re-price every load point of a run from its records under new inputs")
def price_run(
    store: StoreDep,
    run_id: str,
    usd_per_hour: Annotated[float | None, _f("rent per accelerator-hour, $ (>= 0); "
                                             "switches to renting")] = None,
    capex_usd: Annotated[float | None, _f("purchase price per accelerator, $ (>= 0); "
                                          "switches to owning")] = None,
    amortization_years: Annotated[float | None, _f("years the capex is spread over "
                                                   "(> 0)")] = None,
    cost_of_capital: Annotated[float | None, _f("annual rate for the capital recovery "
                                                "factor (0-1)")] = None,
    pue: Annotated[float | None, _f("power usage effectiveness (1-5)")] = None,
    usd_per_kwh: Annotated[float | None, _f("electricity price, $/kWh (>= 0)")] = None,
    utilization: Annotated[float | None, _f("share of hours doing paid work "
                                            "(0 < u <= 1)")] = None,
    overhead_pct: Annotated[float | None, _f("overhead as % of hardware + energy "
                                             "(0-1000)")] = None,
    energy_included: Annotated[bool | None, Query(description="the rent already includes "
                                                  "electricity")] = None,
    samples: Annotated[int, Query(ge=0, le=5000, description="bootstrap samples for 95% CIs "
                                  "(0: none, fastest)")] = 0,
) -> PriceOut:
    query = service.PriceQuery(
        usd_per_hour=usd_per_hour, capex_usd=capex_usd, amortization_years=amortization_years,
        cost_of_capital=cost_of_capital, pue=pue, usd_per_kwh=usd_per_kwh,
        utilization=utilization, overhead_pct=overhead_pct, energy_included=energy_included)
    return service.price_run(store, run_id, query, samples=samples)


@router.get("/compare", summary="Two runs side by side, matched by load point")
def compare(
    store: StoreDep,
    ids: Annotated[list[str], Query(description="two run ids: ids=a,b or ids=a&ids=b")],
) -> CompareOut:
    return service.compare_runs(store, service.parse_ids(ids))
