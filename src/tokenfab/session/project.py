"""``tokenfab project`` as one library call: :func:`project` (ProjectConfig -> ProjectionResult).

Order: resolve the hardware (probing this machine for ``local``) and each one's rental tier,
load the model, fit the calibration (the one place the store is read), plan every hardware's
replica (fit and precision checks) — all before any simulation — then simulate each
hardware × concurrency point, price it through ``cost/``, and mark the best concurrency
meeting the SLO and the Pareto front. Every figure is modelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tokenfab.cost.catalog import Accelerator, default_rental_tier, find_accelerator, load_catalog
from tokenfab.cost.cpu_power import assumed_cpu_power_w
from tokenfab.errors import ConfigError
from tokenfab.host.cpu import local_cpu
from tokenfab.metrics.pareto import pareto_indices
from tokenfab.roofline.calibrate import Calibration, calibrate, measured_points
from tokenfab.roofline.fit import base_efficiency, learned_quantiles, shipped
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.models import WEIGHT_FORMAT_BYTES
from tokenfab.roofline.project import (
    ASSUMED_BAND,
    Band,
    Plan,
    Projection,
    all_in_kw,
    calibration_band,
    cpu_accelerator,
    plan_replica,
    price_projection,
    regime_of,
    simulate_plan,
)
from tokenfab.schemas.config import Slo
from tokenfab.schemas.projection import (
    WEIGHT_CLASS,
    PointBand,
    ProjectConfig,
    ProjectedPoint,
    ProjectionResult,
)
from tokenfab.schemas.summary import PointSummary, Target
from tokenfab.store import Store

ProgressFn = Callable[[str], None]
LOCAL_NAMES = ("local", "cpu")
GPU_MAX_BATCH = 2048  # running sequences per replica on a GPU serving engine (assumed)


def local_accelerator() -> Accelerator:
    """This machine's CPU as a catalog entry: memory bandwidth measured (and cached) by
    ``tokenfab.host.cpu``, power assumed by ``tokenfab.cost.cpu_power``."""
    cpu = local_cpu()
    _, busy_w = assumed_cpu_power_w(cpu)
    return cpu_accelerator(logical_cores=cpu.logical_cores, memory_gib=cpu.memory_gib,
                           mem_read_gb_s=cpu.mem_read_gb_s, busy_w=busy_w)


def resolve_hardware(names: Sequence[str]) -> list[Accelerator]:
    """Catalog entries by name ('local'/'cpu': this machine); ConfigError names an unknown one."""
    return [local_accelerator() if n.strip().lower() in LOCAL_NAMES else find_accelerator(n)
            for n in names]


def tier_for(acc: Accelerator, tier: str | None) -> str | None:
    """The rental tier to price ``acc`` at; None when the catalog has no price to use (the
    local CPU, or no on-demand tier when none was asked for). A tier the catalog lacks for
    priced hardware is a ConfigError naming the tiers it has."""
    tiers = acc.rental_usd_per_hour
    if not tiers:
        return None
    if tier is None:
        return default_rental_tier(acc)
    if tier not in tiers:
        raise ConfigError(f"--tier {tier!r} has no price for {acc.key}; its tiers are: "
                          f"{', '.join(tiers)}")
    return tier


def _run_target(run_id: str, environment: Mapping[str, Any],
                model: str) -> tuple[Accelerator, str, str]:
    """(accelerator, model ref, engine) of a stored run: its GPU if it recorded one
    (nvidia-smi name matched against the catalog), else this machine's CPU."""
    gpus = environment.get("gpus") or []
    engine = environment.get("engine")
    engine_kind = str(engine.get("kind", "")) if isinstance(engine, Mapping) else ""
    if isinstance(gpus, list) and gpus:
        first = gpus[0] if isinstance(gpus[0], Mapping) else {}
        name = str(first.get("name", "")).upper()
        acc = next((a for key, a in load_catalog().items() if key.upper() in name), None)
        if acc is None:
            raise ConfigError(f"--calibrate {run_id}: the run ran on {first.get('name')!r}, "
                              "which is not in the hardware catalog; see `tokenfab hardware "
                              "list`")
        return acc, model, "vllm"
    if not engine_kind.startswith("llama.cpp"):
        raise ConfigError(f"--calibrate {run_id}: the run recorded no GPU and no embedded "
                          "engine; calibrate on a run of `tokenfab run` or of a GPU server")
    return local_accelerator(), "smollm2-135m", "llama.cpp"


def calibration_for(cfg: ProjectConfig) -> Calibration:
    """Read ``--calibrate``'s run from the store and fit the efficiency factors to it."""
    run_ref = cfg.calibrate_run or ""
    with Store(cfg.db_url, read_only=True) as store:
        detail = store.get_run_detail(run_ref)
    summary = detail.run_summary()
    if summary is None:
        raise ConfigError(f"--calibrate {run_ref}: run '{detail.run_id}' has no summary; "
                          "calibrate on a finished run")
    acc, model_ref, engine = _run_target(detail.run_id, detail.environment, detail.model)
    try:
        spec = load_model(model_ref)
    except ConfigError as exc:
        raise ConfigError(f"--calibrate {run_ref}: cannot model the run's model ({exc})"
                          ) from None
    precision = cfg.calibrate_precision or ("int4" if acc.family == "cpu" else "bf16")
    return calibrate(detail.run_id, measured_points(summary.points), spec, acc,
                     precision=precision, engine=engine)


def p50_meets_slo(point: PointSummary, slo: Slo) -> bool:
    """Every bound the SLO sets holds at the point's p50 (TTFT, TPOT, E2E)."""
    lat = point.latency_ms
    for bound, key in ((slo.ttft_ms, "ttft"), (slo.tpot_ms, "tpot"), (slo.e2e_ms, "e2e")):
        stats = lat.get(key)
        if bound is not None and (stats is None or stats.p50 > bound):
            return False
    return True


def _projected(proj: Projection, acc: Accelerator, tier: str | None,
               concurrency: int) -> ProjectedPoint:
    """A run-summary point with the projection's layout, band, price and tok/s per MW."""
    p, axes = proj.point, proj.axes
    load = p.load.model_copy(update={"value": float(concurrency)})
    per_gpu_lo, per_gpu_hi = proj.output_tok_s_per_gpu_range
    throughput = p.throughput.model_dump()
    throughput.update(output_tok_s=proj.output_tok_s_per_gpu * proj.gpus,
                      output_tok_s_per_gpu=proj.output_tok_s_per_gpu,
                      output_tok_s_per_gpu_range=(per_gpu_lo, per_gpu_hi))
    return ProjectedPoint.model_validate({
        **p.model_dump(exclude={"load", "throughput", "cost", "ci95"}),
        "load": load, "throughput": throughput,
        "cost": price_projection(proj, acc, tier) if tier is not None else None,
        "hardware": proj.hardware, "gpus": proj.gpus,
        "precision": WEIGHT_CLASS[axes.weights] if axes else proj.precision,
        "weights": axes.weights if axes else None, "compute": axes.compute if axes else None,
        "kv_dtype": axes.kv_dtype if axes else None,
        "tp": proj.tp, "replicas": proj.replicas,
        "tokens_per_s_per_mw": proj.output_tok_s_per_gpu / all_in_kw(acc) * 1000.0,
        "band": PointBand(kind=proj.band.kind, relative=proj.band.relative,
                          tpot_p50_ms=proj.tpot_ms_range, regime=proj.band.regime),
    })


def _efficiency_source(calib: Calibration | None, accs: Sequence[Accelerator]) -> str:
    """Where each hardware's efficiency factors come from, in one phrase."""
    fitted = shipped()
    defaults = ("per-family defaults (assumed)" if fitted is None else
                f"learned from {len(fitted['fitted_on'])} published points "
                f"({fitted['fitted_at']}; modelled)")
    if calib is None:
        return defaults
    used = [acc.name for acc in accs if acc.family == calib.family]
    if not used:
        return (f"{defaults}: run {calib.run_id} calibrates {calib.family}, which no "
                "--hardware is")
    rest = f"; {defaults} for the rest" if len(used) < len(accs) else ""
    return f"calibrated on run {calib.run_id} for {', '.join(used)} (modelled){rest}"


def weights_for(cfg: ProjectConfig, hint: str | None) -> str:
    """--weights; else --precision when given; else the format a Hub id's suffix names
    (``-FP8``, ``-AWQ``, ``-MXFP4``: the resolver's hint); else bf16."""
    if cfg.weights is not None or "precision" in cfg.model_fields_set:
        return cfg.weight_format
    return hint if hint is not None and hint in WEIGHT_FORMAT_BYTES else cfg.weight_format


def learned_band(plan: Plan, concurrency: int, cfg: ProjectConfig) -> Band:
    """p10–p90 of the cross-validated residuals of the point's regime (``roofline.fit``),
    else ±20% (assumed) where no fit is shipped or for the local CPU."""
    if plan.accelerator.family == "cpu":
        return ASSUMED_BAND
    streams = max(1, -(-concurrency // plan.replicas))
    base = plan.replica.with_efficiency(base_efficiency(plan.accelerator.family, plan.engine))
    regime = regime_of(base, streams, cfg.isl.mean, cfg.osl.mean)
    q = learned_quantiles(regime)
    if q is None:
        return ASSUMED_BAND
    return Band(0.0, f"p10–p90 of cross-validated residuals, {regime} (modelled)", q, regime)


def project(cfg: ProjectConfig, *, progress: ProgressFn | None = None) -> ProjectionResult:
    """Project ``cfg``'s model on each hardware at each concurrency; see the module docstring.
    ``progress`` is told each hardware as its simulation starts."""
    accs = resolve_hardware(cfg.hardware)
    if cfg.tier is not None and not any(acc.rental_usd_per_hour for acc in accs):
        raise ConfigError(f"--tier {cfg.tier!r}: the catalog has no rental prices for "
                          f"{', '.join(acc.key for acc in accs)}; leave --tier out")
    tiers = [tier_for(acc, cfg.tier) for acc in accs]
    spec = load_model(cfg.model)
    weights = weights_for(cfg, spec.weight_format_hint)
    calib = calibration_for(cfg) if cfg.calibrate_run else None
    plans: list[tuple[Plan, Band | None]] = []
    for acc in accs:
        calibrated = calib is not None and calib.family == acc.family
        engine = cfg.engine or ("llama.cpp" if acc.family == "cpu" else "vllm")
        plan = plan_replica(spec, acc, precision=cfg.precision, gpus=cfg.gpus, tp=cfg.tp,
                            isl=cfg.isl, osl=cfg.osl, engine=engine,
                            weights=weights, compute_precision=cfg.compute,
                            kv_dtype=cfg.kv_dtype,
                            efficiency=calib.efficiency if calib and calibrated else None)
        band = calibration_band(calib.rms_log_residual) if calib and calibrated else None
        plans.append((plan, band))
    points: list[ProjectedPoint] = []
    kinds: list[str] = []
    best: dict[str, int | None] = {}
    for (plan, band), acc, tier in zip(plans, accs, tiers, strict=True):
        if progress is not None:
            progress(f"simulating {acc.name}")
        max_batch = max(cfg.concurrency) if acc.family == "cpu" else GPU_MAX_BATCH
        best[acc.name] = None
        for c in cfg.concurrency:
            point_band = band or learned_band(plan, c, cfg)
            kinds.append(point_band.kind)
            proj = simulate_plan(plan, concurrency=c, isl=cfg.isl, osl=cfg.osl,
                                 band=point_band, max_batch=max_batch)
            points.append(_projected(proj, acc, tier, c))
            if cfg.slo is not None and p50_meets_slo(proj.point, cfg.slo):
                best[acc.name] = c
    front = pareto_indices([(p.throughput.per_user_output_tok_s_p50 or 0.0,
                             p.throughput.output_tok_s_per_gpu) for p in points])
    points = [p.model_copy(update={"pareto": i in front}) for i, p in enumerate(points)]
    kinds = list(dict.fromkeys(kinds))
    return ProjectionResult(
        run_id="projection-" + uuid.uuid4().hex[:8],
        target=Target(url="modelled://tokenfab.roofline", model=spec.name),
        config=cfg, calibration=calib.summary() if calib is not None else None,
        efficiency_source=_efficiency_source(calib, accs), band_kind="; ".join(kinds),
        points=points,
        max_concurrency_meeting_slo=best if cfg.slo is not None else None,
    )


__all__ = ["calibration_for", "local_accelerator", "p50_meets_slo", "project",
           "resolve_hardware", "tier_for"]
