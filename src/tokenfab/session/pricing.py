"""Turn a load point's runs (its repeats) and energy window into a priced PointSummary.

Every $ figure comes from the pricing door, :mod:`tokenfab.cost.price`."""

from __future__ import annotations

from collections.abc import Sequence

from tokenfab.cost.attribution import phase_times
from tokenfab.cost.price import price_measured
from tokenfab.cost.profile import hourly_profile
from tokenfab.energy import EnergyMeasurement, j_per_token, tok_s_per_kw, tokens_per_mwh
from tokenfab.load.runner import PointRun
from tokenfab.metrics.bootstrap import bootstrap_ci, group_of
from tokenfab.metrics.compute import summarize_point
from tokenfab.schemas.config import BenchConfig
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.summary import EnergySummary, PointSummary


def profile_of(cfg: BenchConfig) -> TcoProfile | None:
    """The run's TCO profile: an explicit one, or ``--hourly-usd`` as a rental price."""
    if cfg.tco is not None:
        return cfg.tco
    if cfg.hourly_usd is not None:
        return hourly_profile(cfg.hourly_usd)
    return None


def energy_summary(m: EnergyMeasurement | None, point: PointSummary) -> EnergySummary | None:
    """J/token, W, tok/s per kW and tokens per MWh from a measurement and the point's counts."""
    if m is None:
        return None
    if not m.valid or m.energy_j is None:
        return EnergySummary(joules=None, source=m.source, provenance=m.provenance, valid=False,
                             note=m.note or "energy unavailable for this point")
    out, total = point.tokens.output, point.tokens.output + point.tokens.input
    return EnergySummary(
        joules=m.energy_j,
        j_per_output_token=j_per_token(m.energy_j, out) if out else None,
        j_per_token=j_per_token(m.energy_j, total) if total else None,
        avg_power_w=m.avg_power_w,
        tok_s_per_kw=(tok_s_per_kw(point.throughput.total_tok_s, m.avg_power_w)
                      if m.avg_power_w else None),
        tokens_per_mwh=tokens_per_mwh(m.energy_j, total) if total else None,
        source=m.source, provenance=m.provenance, valid=True, note=m.note,
    )


def summarize_repeats(runs: Sequence[PointRun], cfg: BenchConfig, value: float,
                      energy: Sequence[EnergyMeasurement | None]) -> PointSummary:
    """One PointSummary over all repeats of a load value: records pooled, windows summed."""
    records = [r for run in runs for r in run.records]
    windows_s = [max((run.ended_ns - run.started_ns) / 1e9, 0.0) for run in runs]
    summary = summarize_point(records, mode=cfg.mode, value=value, slo=cfg.slo,
                              duration_s=sum(windows_s) if len(runs) > 1 else None)
    summary.repeats = len(runs)
    share = phase_times(records)
    server = share.source == "server_timings"
    groups = [group_of(run.records, w, cfg.slo, server_timings=server)
              for run, w in zip(runs, windows_s, strict=True)]
    valid = [m for m in energy if m is not None and m.valid and m.energy_j is not None]
    merged: EnergyMeasurement | None = None
    if valid and len(valid) == len(energy):
        joules = sum(m.energy_j or 0.0 for m in valid)
        dur = sum(m.duration_s for m in valid)
        merged = valid[0].model_copy(update={"energy_j": joules, "duration_s": dur,
                                             "avg_power_w": joules / dur if dur > 0 else None})
    elif energy and energy[0] is not None:
        merged = next((m for m in energy if m is not None and not m.valid), energy[0])
    summary.energy = energy_summary(merged, summary)
    if cfg.bootstrap_samples:
        summary.ci95 = bootstrap_ci(groups, samples=cfg.bootstrap_samples, seed=cfg.seed)
    profile = profile_of(cfg)
    if profile is not None:
        power = merged if merged is not None and merged.valid else None
        summary.cost = price_measured(
            summary, profile, share, groups,
            avg_power_w=None if power is None else power.avg_power_w,
            power_provenance="assumed" if power is None else power.provenance,
            blend_ratio=cfg.blend_ratio, samples=cfg.bootstrap_samples, seed=cfg.seed)
    return summary
