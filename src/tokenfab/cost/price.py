"""Price a measured load point: TCO per hour + measured throughput + attribution + CIs. Pure.

See ``tokenfab.cost.tco`` for usd_per_hour and ``tokenfab.cost.attribution`` for the split.

usd_per_mtok_output_all_in = usd_per_hour / (output_tok_s × 3600 × utilization) × 1e6
usd_per_mtok_total         = usd_per_hour / (total_tok_s × 3600 × utilization) × 1e6
usd_per_mtok_goodput       = cost_usd / output tokens of requests that met the SLO × 1e6
breakdown[c]               = breakdown_usd_per_hour[c] / (output_tok_s × 3600 × utilization) × 1e6
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tokenfab.cost.attribution import PhaseTimes, attribute, blended, point_cost_usd
from tokenfab.cost.tco import HourlyCost, usd_per_mtok
from tokenfab.metrics.bootstrap import Arr, Group, bootstrap_ci, effective
from tokenfab.schemas.summary import CostSummary, PointSummary

RANK = {"measured": 0, "modelled": 1, "assumed": 2}


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
    breakdown = {}
    for name, v in hourly.breakdown_usd_per_hour.items():
        b = usd_per_mtok(v, t.output_tok_s, util)
        if b is not None:
            breakdown[name] = b
    prov = dict(hourly.provenance)
    overall = _weakest(*prov.values())

    def price_fn(s: dict[str, Arr]) -> dict[str, Arr]:
        with np.errstate(divide="ignore", invalid="ignore"):
            c = usd_h * s["window_s"] / 3600.0 / util
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
        breakdown=breakdown,
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
        breakdown={k: v2 for k, v in hourly.breakdown_usd_per_hour.items()
                   if (v2 := usd_per_mtok(v, output_tok_s, util)) is not None},
        breakdown_usd_per_hour=dict(hourly.breakdown_usd_per_hour),
        provenance={"usd_per_hour": "assumed", "throughput": "modelled", **hourly.provenance},
        band={"usd_per_mtok_output_all_in": [low_usd, high_usd]} if low_usd and high_usd else {},
        band_kind=band_kind if low_usd and high_usd else None,
    )
