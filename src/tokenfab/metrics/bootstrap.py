"""Bootstrap confidence intervals for a load point's throughput and every $ figure. Pure.

A point is one or more groups (its repeats), each a set of measured requests and the group's
measured window. One bootstrap sample draws groups with replacement, then requests with
replacement inside each drawn group, and sums per-request quantities. Throughput uses the
ratio (Little's law) estimator, so request-latency variation shows in the interval even when
every request returns the same number of tokens:

    L             = Σ e2e_s / Σ window_s                (mean requests in flight; drawn groups)
    output_tok_s* = Σ output_tokens* / Σ e2e_s* × L     (= Σ output_tokens / Σ window_s at the
                                                          point estimate)

Dollar figures are recomputed from the same resampled sums (``price_fn``), so their intervals
carry the throughput and attribution uncertainty. The 95% interval is the 2.5th and 97.5th
percentiles of B samples (percentile method). Failed requests stay in the resampling pool with
zero tokens, so error-rate noise is part of the interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tokenfab.metrics.compute import output_tokens_of
from tokenfab.schemas.config import Slo
from tokenfab.schemas.records import RequestRecord

Arr = npt.NDArray[np.float64]
FIELDS = ("out", "inp", "cached", "prefill_s", "decode_s", "good_out", "e2e_s")


@dataclass(frozen=True)
class Group:
    """Per-request arrays of one repeat, and its measured window in seconds."""

    values: dict[str, Arr]
    window_s: float

    @property
    def n(self) -> int:
        return len(self.values["out"])


def group_of(records: Sequence[RequestRecord], window_s: float, slo: Slo | None = None,
             server_timings: bool = False) -> Group:
    """Arrays from measured records; failed requests contribute zeros."""
    from tokenfab.metrics.compute import meets_slo  # local: avoid a cycle at import time

    measured = [r for r in records if not r.warmup]
    vals: dict[str, list[float]] = {k: [] for k in FIELDS}
    for r in measured:
        ok = r.ok
        out = float(output_tokens_of(r)) if ok else 0.0
        vals["out"].append(out)
        vals["inp"].append(float(r.input_tokens or r.expected_input_tokens or 0) if ok else 0.0)
        vals["cached"].append(float(r.cached_tokens or 0) if ok else 0.0)
        if ok and server_timings:
            vals["prefill_s"].append((r.server_prompt_ms or 0.0) / 1e3)
            vals["decode_s"].append((r.server_predicted_ms or 0.0) / 1e3)
        elif ok and r.first_chunk_ns is not None:
            vals["prefill_s"].append((r.first_chunk_ns - r.sent_ns) / 1e9)
            vals["decode_s"].append((r.end_ns - r.first_chunk_ns) / 1e9)
        else:
            vals["prefill_s"].append(0.0)
            vals["decode_s"].append(0.0)
        vals["good_out"].append(out if (ok and slo is not None and meets_slo(r, slo)) else 0.0)
        vals["e2e_s"].append(max(r.end_ns - r.sent_ns, 0) / 1e9)
    return Group({k: np.asarray(v, dtype=np.float64) for k, v in vals.items()}, window_s)


def resample_sums(groups: Sequence[Group], samples: int, seed: int = 0) -> dict[str, Arr]:
    """Sums of every field (and ``window_s``) for each of ``samples`` bootstrap draws."""
    rng = np.random.default_rng(seed)
    sums = {k: np.zeros(samples) for k in (*FIELDS, "window_s", "e2e_total_s")}
    groups = [g for g in groups if g.n > 0]
    if not groups:
        return sums
    if len(groups) == 1:
        g = groups[0]
        idx = rng.integers(0, g.n, size=(samples, g.n))
        for k in FIELDS:
            sums[k] = g.values[k][idx].sum(axis=1)
        sums["window_s"] = np.full(samples, g.window_s)
        sums["e2e_total_s"] = np.full(samples, g.values["e2e_s"].sum())
        return sums
    for b in range(samples):
        for gi in rng.integers(0, len(groups), size=len(groups)):
            g = groups[int(gi)]
            idx = rng.integers(0, g.n, size=g.n)
            for k in FIELDS:
                sums[k][b] += g.values[k][idx].sum()
            sums["window_s"][b] += g.window_s
            sums["e2e_total_s"][b] += g.values["e2e_s"].sum()
    return sums


def effective(sums: dict[str, Arr], field: str) -> Arr:
    """Tokens the window would hold at the resampled rate: x* / Σe2e* × Σe2e (ratio estimator);
    the plain sum when no request time was recorded."""
    with np.errstate(divide="ignore", invalid="ignore"):
        e2e = sums["e2e_s"]
        return np.where(e2e > 0, sums[field] / e2e * sums["e2e_total_s"], sums[field])


def interval(values: Arr) -> list[float] | None:
    """[2.5th, 97.5th] percentile of the finite values; None if fewer than 2."""
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return None
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return [float(lo), float(hi)]


def throughput_of(sums: dict[str, Arr]) -> dict[str, Arr]:
    """output/input/total tok/s of each bootstrap sample."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = sums["window_s"]
        out, inp = effective(sums, "out"), effective(sums, "inp")
        return {"output_tok_s": out / w, "input_tok_s": inp / w, "total_tok_s": (out + inp) / w}


def bootstrap_ci(groups: Sequence[Group], *, samples: int = 1000, seed: int = 0,
                 price_fn: Callable[[dict[str, Arr]], dict[str, Arr]] | None = None,
                 ) -> dict[str, list[float]]:
    """95% intervals for throughput and, with ``price_fn``, for each $ figure it returns."""
    sums = resample_sums(groups, samples, seed)
    stats = throughput_of(sums)
    if price_fn is not None:
        stats.update(price_fn(sums))
    out: dict[str, list[float]] = {}
    for name, values in stats.items():
        ci = interval(values)
        if ci is not None:
            out[name] = ci
    return out
