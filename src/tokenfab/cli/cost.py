"""``tokenfab cost``: price a stored run, or a hypothetical throughput, under a TCO profile."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from tokenfab.cli.cost_options import build_profile, tco_options
from tokenfab.cli.options import write_json
from tokenfab.cost.tco import hourly_cost, usd_per_mtok
from tokenfab.energy import EnergyMeasurement
from tokenfab.errors import ConfigError
from tokenfab.load.runner import PointRun
from tokenfab.report.console import make_console, print_summary
from tokenfab.schemas.config import BenchConfig
from tokenfab.schemas.summary import PointSummary, RunSummary, Target
from tokenfab.session.pricing import summarize_repeats
from tokenfab.store import RunDetail, Store, default_db_url


@click.command("cost")
@click.option("--run", "run_id", default=None, help="price this stored run (id or prefix)")
@click.option("--tok-s", type=float, default=None, help="hypothetical output tokens per second")
@click.option("--hourly-usd", type=float, default=None, help="serving cost per hour (assumed)")
@click.option("--tokens-per-day", type=float, default=None,
              help="with --tok-s: your daily output tokens, to price a day and a year")
@tco_options
@click.option("--blend-ratio", type=float, default=3.0, show_default=True)
@click.option("--bootstrap", "bootstrap_samples", type=int, default=1000, show_default=True)
@click.option("--json", "json_path", default=None, help="write JSON here ('-' for stdout)")
@click.option("--db", default=None, help="SQLAlchemy URL of the results database")
def cost_cmd(run_id: str | None, tok_s: float | None, json_path: str | None, db: str | None,
             blend_ratio: float, bootstrap_samples: int, hourly_usd: float | None,
             tokens_per_day: float | None, **flags: Any) -> None:
    """$/hour decomposed into hardware, energy and overhead, and $/1M tokens."""
    if (run_id is None) == (tok_s is None):
        raise ConfigError("give --run RUN_ID to price a stored run, or --tok-s N for a "
                          "hypothetical throughput")
    profile = build_profile(hourly_usd=hourly_usd, **flags)
    if profile is None:
        raise ConfigError("no price given: add --hourly-usd, --profile or --hardware")
    if tok_s is not None:
        if tok_s <= 0:
            raise ConfigError(f"--tok-s must be > 0 (got {tok_s:g})")
        h = hourly_cost(profile)
        util = profile.utilization
        breakdown = {k: usd_per_mtok(v, tok_s, util)
                     for k, v in h.breakdown_usd_per_hour.items()}
        per_mtok = usd_per_mtok(h.usd_per_hour, tok_s, util) or 0.0
        out: dict[str, Any] = {
            "profile": profile.model_dump(mode="json"),
            "tok_s": tok_s,
            "usd_per_hour": h.usd_per_hour,
            "usd_per_mtok_output": per_mtok,
            "breakdown": breakdown,
            "breakdown_usd_per_hour": h.breakdown_usd_per_hour,
            "components_usd_per_hour": h.components_usd_per_hour,
            "utilization": util,
            "provenance": {**h.provenance, "tok_s": "assumed"},
        }
        if tokens_per_day is not None:
            if tokens_per_day <= 0:
                raise ConfigError(f"--tokens-per-day must be > 0 (got {tokens_per_day:g})")
            # usd_per_day = tokens_per_day / 1e6 × usd_per_mtok_output
            out["tokens_per_day"] = tokens_per_day
            out["usd_per_day"] = tokens_per_day / 1e6 * per_mtok
            out["usd_per_year"] = out["usd_per_day"] * 365
        if json_path:
            text = json.dumps(out, indent=2)
            if json_path == "-":
                sys.stdout.write(text + "\n")
                return
            with open(json_path, "w") as f:
                f.write(text + "\n")
        console = make_console()
        b = {k: v or 0.0 for k, v in breakdown.items()}
        console.print(f"[bold]{profile.name}[/]: ${h.usd_per_hour:,.4f}/hour = hardware "
                      f"${h.breakdown_usd_per_hour['hardware']:,.4f} + energy "
                      f"${h.breakdown_usd_per_hour['energy']:,.4f} + overhead "
                      f"${h.breakdown_usd_per_hour['overhead']:,.4f} (assumed inputs)",
                      highlight=False)
        console.print(f"at {tok_s:g} tok/s and {util:.0%} utilization: "
                      f"[bold]${per_mtok:,.4f} per 1M output tokens[/] "
                      f"(hardware ${b['hardware']:,.4f}, energy ${b['energy']:,.4f}, "
                      f"overhead ${b['overhead']:,.4f})", highlight=False)
        if tokens_per_day is not None:
            console.print(f"{tokens_per_day:,.0f} output tokens/day cost "
                          f"${out['usd_per_day']:,.2f}/day = ${out['usd_per_year']:,.2f}/year",
                          highlight=False)
        return
    assert run_id is not None
    with Store(db or default_db_url()) as store:
        detail = store.get_run_detail(run_id)
        summary = reprice(store, detail, profile.model_dump(), blend_ratio, bootstrap_samples)
    print_summary(summary, make_console(stderr=json_path == "-"))
    write_json(summary, json_path)


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
