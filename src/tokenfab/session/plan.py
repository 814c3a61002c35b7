"""``tokenfab plan``: a power budget -> hardware, priced tiers, tokens/year and margin.

The one job function is :func:`plan`. It resolves each hardware's frontier (a stored run, a
projection or a published curve file), prices each accelerator through ``cost/`` and hands
everything to ``tokenfab.plan.assemble.solve_plan`` (HiGHS). The default, with nothing but a
power budget, is the measured local frontier: the newest complete ``tokenfab run`` in the
results database, priced like ``tokenfab run`` prices it.
"""

from __future__ import annotations

from collections.abc import Callable

from tokenfab.cost.cpu_power import assumed_cpu_power_w
from tokenfab.errors import ConfigError, StoreError
from tokenfab.host.cpu import detect_cpu
from tokenfab.plan.assemble import Resolved, solve_plan
from tokenfab.plan.economics import catalog_entry
from tokenfab.plan.frontier import from_projection, from_run, load_published
from tokenfab.plan.inputs import resolved_tiers
from tokenfab.schemas.plan import Frontier, HardwareSpec, PlanConfig, PlanResult, TierSpec
from tokenfab.schemas.projection import ProjectConfig
from tokenfab.schemas.summary import RunSummary
from tokenfab.schemas.types import Provenance
from tokenfab.session.runs import reading, show_run

Progress = Callable[[str], None]
EMBEDDED_KIND = "run"
LOCAL_USD_PER_HOUR = 0.10
"""What ``make run`` assumes for this CPU machine's hardware, $/hour (assumed)."""
LOCAL_PER_RACK = 40
PROJECTION_CONCURRENCY = (1, 2, 4, 8, 16, 32, 64, 128, 256)
NO_RUN = ("no complete `tokenfab run` in the results database to measure the local frontier; "
          "run `tokenfab run` first (a few minutes), or pass --frontier HW=curve.csv")


def latest_embedded_run(db: str | None, *, measure: bool = False,
                        progress: Progress | None = None) -> str:
    """The newest complete run of the embedded engine (kind ``run``). With none stored and
    ``measure``, measure one now with ``tokenfab run``'s default sweep (~2 min on 2 cores)."""
    with reading(db) as store:
        runs = store.list_runs(limit=1000)
    for info in runs:
        if info.kind == EMBEDDED_KIND and info.status == "complete":
            return info.run_id
    if not measure:
        raise ConfigError(NO_RUN)
    from tokenfab.session.run import default_run_config, run

    say = progress or (lambda _m: None)
    say("no stored `tokenfab run` yet: measuring the local frontier now with its default "
        "sweep (about 2 minutes; stored, so the next plan reuses it)")
    result = run(default_run_config(db), say=say)
    if result.status != "complete":
        raise ConfigError(f"measuring the local frontier ended as {result.status}; "
                          "run `tokenfab run` to see why")
    return result.run_id


def _stored(db: str | None, run_id: str, what: str) -> str:
    """The full id of a stored run, or one line naming ``what`` asked for it."""
    try:
        with reading(db) as store:
            return store.resolve_run_id(run_id)
    except StoreError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def _run_id(spec: HardwareSpec, ref: str, cfg: PlanConfig, progress: Progress) -> str:
    db = cfg.db_url
    wanted = ref.partition(":")[2].strip()
    if not wanted:
        return latest_embedded_run(db, measure=cfg.measure_local, progress=progress)
    return _stored(db, wanted, f"--frontier {spec.name}=run:{wanted}")


def _run_frontier(spec: HardwareSpec, run_id: str, db: str | None,
                  ) -> tuple[Frontier, RunSummary]:
    _, summary = show_run(db, run_id)
    return from_run(summary, spec.name), summary


def _local_kw(summary: RunSummary) -> tuple[float, Provenance, str]:
    """The run's busiest average power (measured or modelled), else the assumed CPU power."""
    powered = [(p.energy.avg_power_w, p.energy.provenance) for p in summary.points
               if p.energy is not None and p.energy.valid and p.energy.avg_power_w]
    if powered:
        watts, prov = max(powered, key=lambda x: x[0] or 0.0)
        assert watts is not None
        return watts / 1000.0, prov, f"run {summary.run_id}: {prov} average power at its " \
                                     f"busiest point ({watts:,.1f} W)"
    _, cores, mem = detect_cpu()

    class _Cpu:
        logical_cores = cores
        memory_gib = mem

    busy_w = assumed_cpu_power_w(_Cpu())[1]
    return busy_w / 1000.0, "assumed", f"busy CPU power {busy_w:,.1f} W (per-vCPU averages)"


def _local_spec(spec: HardwareSpec, summary: RunSummary | None) -> HardwareSpec:
    """The local machine: one 'accelerator' per machine, 40 machines per rack (assumed),
    priced like ``tokenfab run`` priced the run ($0.10/h when it had no price)."""
    update: dict[str, object] = {}
    if "gpus_per_node" not in spec.model_fields_set:
        update["gpus_per_node"] = 1
    if "nodes_per_rack" not in spec.model_fields_set:
        update["nodes_per_rack"] = LOCAL_PER_RACK
    if spec.usd_per_hour is None and spec.capex_usd is None:
        hourly = LOCAL_USD_PER_HOUR
        if summary is not None:
            costs = [p.cost.usd_per_hour for p in summary.points if p.cost is not None]
            hourly = costs[0] if costs else hourly
        update["usd_per_hour"] = hourly
        update["energy_included"] = spec.energy_included if spec.energy_included is not None \
            else True
    return spec.model_copy(update=update)


def _frontier_ref(spec: HardwareSpec, cfg: PlanConfig) -> str:
    if spec.frontier:
        return spec.frontier
    if spec.name == "local":
        return "run"
    if cfg.model:
        return "projection"
    raise ConfigError(f"--hardware {spec.name} needs a frontier: --model MODEL to project it "
                      f"(e.g. --model llama-3.1-70b), or --frontier {spec.name}=curve.csv, or "
                      f"--frontier {spec.name}=run:RUN_ID")


def _projected(spec: HardwareSpec, cfg: PlanConfig, tiers: tuple[TierSpec, ...],
               progress: Progress) -> list[Frontier]:
    if not cfg.model:
        raise ConfigError(f"--frontier {spec.name}=projection needs --model (e.g. "
                          "--model llama-3.1-70b)")
    from tokenfab.session.project import project  # the roofline stack only when projecting

    out: list[Frontier] = []
    for isl, osl in sorted({(t.isl, t.osl) for t in tiers}):
        progress(f"projecting {cfg.model} on {spec.name} at {isl}/{osl} tokens")
        result = project(ProjectConfig.model_validate({
            "model": cfg.model, "hardware": (spec.name,), "precision": cfg.precision,
            "gpus": spec.gpus_per_node, "isl": {"mean": isl}, "osl": {"mean": osl},
            "concurrency": PROJECTION_CONCURRENCY,
            "tier": None if spec.ownership == "own" else spec.rental_tier,
            "calibrate_run": cfg.calibrate_run, "db_url": cfg.db_url}))
        out.append(from_projection(result, spec.name, isl, osl))
    return out


def resolve(cfg: PlanConfig, progress: Progress | None = None) -> Resolved:
    """Read every input the plan needs (frontiers, the local machine's power)."""
    say = progress or (lambda _m: None)
    tiers = resolved_tiers(cfg)
    frontiers: list[Frontier] = []
    specs: list[HardwareSpec] = []
    default_kw: dict[str, tuple[float, Provenance, str]] = {}
    notes: list[str] = []
    for spec in cfg.hardware:  # every name checked before any frontier is read or projected
        if spec.name != "local":
            catalog_entry(spec, None)
    refs = [_frontier_ref(spec, cfg) for spec in cfg.hardware]
    run_ids = {spec.name: _run_id(spec, ref, cfg, say) for spec, ref in
               zip(cfg.hardware, refs, strict=True) if ref == "run" or ref.startswith("run:")}
    if "projection" in refs and cfg.model:
        from tokenfab.roofline.loading import load_model  # an unknown model fails here, once

        load_model(cfg.model)
    if cfg.calibrate_run is not None and "projection" in refs:
        _stored(cfg.db_url, cfg.calibrate_run, "--calibrate")
    for spec, ref in zip(cfg.hardware, refs, strict=True):
        summary: RunSummary | None = None
        if spec.name in run_ids:
            front, summary = _run_frontier(spec, run_ids[spec.name], cfg.db_url)
            frontiers.append(front)
            notes.append(f"{spec.name}: measured frontier from {front.source} "
                         f"({summary.target.model})")
        elif ref == "projection":
            frontiers.extend(_projected(spec, cfg, tiers, say))
        else:
            frontiers.append(load_published(ref, spec.name))
        if spec.name == "local":
            spec = _local_spec(spec, summary)
            if summary is not None and spec.all_in_kw is None:
                default_kw["local"] = _local_kw(summary)
        specs.append(spec)
    shapes = {(t.isl, t.osl) for t in tiers}
    for f in frontiers:
        if f.kind != "projection" and len(shapes) == 1 and f.isl and (f.isl, f.osl) not in shapes:
            notes.append(f"{f.hardware}'s frontier was measured at {f.isl}/{f.osl} tokens, not "
                         "the tiers' shape")
    return Resolved(tiers=tiers, frontiers=tuple(frontiers), specs=tuple(specs),
                    default_kw=default_kw, notes=tuple(notes))


def plan(cfg: PlanConfig, progress: Progress | None = None) -> PlanResult:
    """The plan for ``cfg``: resolve the inputs, then solve (see the module docstring)."""
    return solve_plan(cfg, resolve(cfg, progress))


__all__ = ["latest_embedded_run", "plan", "resolve"]
