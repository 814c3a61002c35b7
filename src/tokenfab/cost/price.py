"""The pricing door: every $ per token tokenfab prints is computed here. Pure.

A measured load point (TCO per hour + measured throughput + attribution + CIs), a modelled
(projected) throughput, and a hypothetical throughput (``tokenfab cost --tok-s``) are all priced
by the one formula

usd_per_mtok(usd_per_hour, tok_s) = usd_per_hour / (tok_s × 3600 × utilization) × 1e6

so that, for a point,

usd_per_mtok_output_all_in = usd_per_mtok(usd_per_hour, output_tok_s)
usd_per_mtok_total         = usd_per_mtok(usd_per_hour, total_tok_s)
usd_per_mtok_goodput       = cost_usd / output tokens of requests that met the SLO × 1e6
breakdown_usd_per_mtok_output[c] = usd_per_mtok(breakdown_usd_per_hour[c], output_tok_s)

See ``tokenfab.cost.tco`` for usd_per_hour, ``tokenfab.cost.attribution`` for the input/output
split and ``tokenfab.cost.eval_price`` for an evaluation's cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tokenfab.cost.attribution import PhaseTimes, attribute, blended, point_cost_usd
from tokenfab.cost.tco import HourlyCost, hourly_cost
from tokenfab.metrics.bootstrap import Arr, Group, bootstrap_ci, effective
from tokenfab.schemas.cost import RatePrice, TcoProfile
from tokenfab.schemas.summary import CostSummary, PointSummary
from tokenfab.schemas.types import Provenance

RANK = {"measured": 0, "modelled": 1, "assumed": 2}
DAYS_PER_YEAR = 365
TOKENS_PER_MTOK = 1e6
S_PER_HOUR = 3600.0


def usd_per_mtok(usd_per_hour: float, tok_per_s: float, utilization: float = 1.0) -> float | None:
    """usd_per_hour / (tok_per_s × 3600 × utilization) × 1e6; None if nothing was produced."""
    if tok_per_s <= 0 or not math.isfinite(tok_per_s):
        return None
    return usd_per_hour / (tok_per_s * S_PER_HOUR * utilization) * TOKENS_PER_MTOK


def breakdown_usd_per_mtok(hourly: HourlyCost, tok_per_s: float) -> dict[str, float]:
    """Each hourly component (hardware, energy, overhead) as $ per 1M tokens at ``tok_per_s``;
    empty when nothing was produced. Sums to ``usd_per_mtok(hourly.usd_per_hour, tok_per_s)``."""
    return {k: v2 for k, v in hourly.breakdown_usd_per_hour.items()
            if (v2 := usd_per_mtok(v, tok_per_s, hourly.utilization)) is not None}


def _weakest(*provs: str) -> str:
    return max(provs, key=lambda p: RANK.get(p, 2))


def price_point(point: PointSummary, hourly: HourlyCost, share: PhaseTimes,
                groups: Sequence[Group], *, blend_ratio: float = 3.0,
                samples: int = 1000, seed: int = 0) -> CostSummary:
    util = hourly.utilization
    usd_h = hourly.usd_per_hour
    t = point.throughput
    tok = point.tokens
    cost = point_cost_usd(usd_h, point.duration_s, util)
    att = attribute(cost, share.share_input, tok.input, tok.output, tok.cached_input)
    good = None
    if point.goodput is not None:
        good_tokens = point.goodput.output_tok_s * point.duration_s
        good = cost / good_tokens * 1e6 if good_tokens > 0 else None
    blend = (blended(att.usd_per_mtok_input, att.usd_per_mtok_output, blend_ratio)
             if att.usd_per_mtok_input is not None and att.usd_per_mtok_output is not None
             else None)
    prov = dict(hourly.provenance)
    overall = _weakest(*prov.values())

    def price_fn(s: dict[str, Arr]) -> dict[str, Arr]:
        with np.errstate(divide="ignore", invalid="ignore"):
            c = usd_h * s["window_s"] / S_PER_HOUR / util  # point_cost_usd, per sample
            busy = s["prefill_s"] + s["decode_s"]
            sh = np.where(busy > 0, s["prefill_s"] / busy, 0.0)
            out, inp = effective(s, "out"), effective(s, "inp")
            p_in = c * sh / inp * 1e6
            p_out = c * (1.0 - sh) / out * 1e6
            res = {"usd_per_mtok_output_all_in": c / out * 1e6,
                   "usd_per_mtok_total": c / (out + inp) * 1e6,
                   "usd_per_mtok_input": p_in, "usd_per_mtok_output": p_out,
                   "usd_per_mtok_blended": (blend_ratio * p_in + p_out) / (blend_ratio + 1)}
            if point.goodput is not None:
                res["usd_per_mtok_goodput"] = c / effective(s, "good_out") * 1e6
        return res

    ci = bootstrap_ci(groups, samples=samples, seed=seed, price_fn=price_fn) if samples else {}
    return CostSummary(
        usd_per_hour=usd_h,
        usd_per_mtok_output=att.usd_per_mtok_output,
        usd_per_mtok_input=att.usd_per_mtok_input,
        usd_per_mtok_total=usd_per_mtok(usd_h, t.total_tok_s, util),
        usd_per_mtok_output_all_in=usd_per_mtok(usd_h, t.output_tok_s, util),
        usd_per_mtok_goodput=good,
        usd_per_mtok_blended=blend,
        blend_ratio=blend_ratio,
        usd_per_mtok_input_uncached=att.usd_per_mtok_input_uncached,
        usd_per_mtok_input_cached=att.usd_per_mtok_input_cached,
        cost_usd=cost,
        utilization=util,
        attribution={"method": "time_share", "source": share.source,
                     "share_input": att.share_input, "prefill_s": share.prefill_s,
                     "decode_s": share.decode_s},
        breakdown_usd_per_mtok_output=breakdown_usd_per_mtok(hourly, t.output_tok_s),
        breakdown_usd_per_hour=dict(hourly.breakdown_usd_per_hour),
        provenance={"usd_per_hour": overall, **prov,
                    "throughput": "measured", "attribution": "measured"},
        ci95={k: v for k, v in ci.items() if k.startswith("usd")},
    )


def price_modelled(hourly: HourlyCost, *, output_tok_s: float, total_tok_s: float,
                   output_tok_s_range: tuple[float, float],
                   band_kind: str = "modelled throughput range") -> CostSummary:
    """Price a modelled (projected) throughput under an hourly cost. Pure.

    usd_per_mtok_output = usd_per_hour / (output_tok_s × 3600 × utilization) × 1e6, and the same
    for total tokens; the output price's range comes from the throughput range (high tok/s ->
    low $), labelled modelled: it is a model band, not a sampling interval.
    """
    util = hourly.utilization
    usd_h = hourly.usd_per_hour
    lo_tok_s, hi_tok_s = output_tok_s_range
    low_usd = usd_per_mtok(usd_h, hi_tok_s, util)
    high_usd = usd_per_mtok(usd_h, lo_tok_s, util)
    return CostSummary(
        usd_per_hour=usd_h,
        usd_per_mtok_output=usd_per_mtok(usd_h, output_tok_s, util),
        usd_per_mtok_total=usd_per_mtok(usd_h, total_tok_s, util),
        usd_per_mtok_output_all_in=usd_per_mtok(usd_h, output_tok_s, util),
        breakdown_usd_per_mtok_output=breakdown_usd_per_mtok(hourly, output_tok_s),
        breakdown_usd_per_hour=dict(hourly.breakdown_usd_per_hour),
        provenance={"usd_per_hour": "assumed", "throughput": "modelled", **hourly.provenance},
        band={"usd_per_mtok_output_all_in": [low_usd, high_usd]} if low_usd and high_usd else {},
        band_kind=band_kind if low_usd and high_usd else None,
    )


def price_measured(point: PointSummary, profile: TcoProfile, share: PhaseTimes,
                   groups: Sequence[Group], *, avg_power_w: float | None = None,
                   power_provenance: Provenance = "assumed", blend_ratio: float = 3.0,
                   samples: int = 1000, seed: int = 0) -> CostSummary:
    """:func:`price_point` under ``profile``, whose energy term uses the point's average power
    (measured or modelled, ``power_provenance``) when one is given, else the profile's."""
    hourly = (hourly_cost(profile) if avg_power_w is None
              else hourly_cost(profile, power_w=avg_power_w, power_provenance=power_provenance))
    return price_point(point, hourly, share, groups, blend_ratio=blend_ratio, samples=samples,
                       seed=seed)


def price_throughput(profile: TcoProfile, output_tok_s: float,
                     output_tokens_per_day: float | None = None) -> RatePrice:
    """A hypothetical output throughput priced under ``profile``; formulas in :class:`RatePrice`.

    usd_per_day = output_tokens_per_day / 1e6 × usd_per_mtok_output; usd_per_year = 365 days.
    """
    h = hourly_cost(profile)
    per_mtok = usd_per_mtok(h.usd_per_hour, output_tok_s, h.utilization)
    if per_mtok is None:
        raise ValueError(f"output_tok_s must be a finite number > 0 (got {output_tok_s!r})")
    if output_tokens_per_day is not None and not (
            math.isfinite(output_tokens_per_day) and output_tokens_per_day > 0):
        raise ValueError("output_tokens_per_day must be a finite number > 0 "
                         f"(got {output_tokens_per_day!r})")
    usd_per_day = (None if output_tokens_per_day is None
                   else output_tokens_per_day / TOKENS_PER_MTOK * per_mtok)
    return RatePrice(
        profile=profile,
        output_tok_s=output_tok_s,
        usd_per_hour=h.usd_per_hour,
        usd_per_mtok_output=per_mtok,
        breakdown_usd_per_mtok_output=breakdown_usd_per_mtok(h, output_tok_s),
        breakdown_usd_per_hour=dict(h.breakdown_usd_per_hour),
        components_usd_per_hour=dict(h.components_usd_per_hour),
        utilization=h.utilization,
        provenance={**h.provenance, "output_tok_s": "assumed"},
        output_tokens_per_day=output_tokens_per_day,
        usd_per_day=usd_per_day,
        usd_per_year=None if usd_per_day is None else usd_per_day * DAYS_PER_YEAR,
    )
