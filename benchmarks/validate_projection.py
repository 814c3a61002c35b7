"""Projection error against published, measured serving points — cross-validated.

Corpus: the shared validation set (../shared/validation/published_points.csv) plus the points
bundled in tokenfab (``tokenfab.roofline.points.load_points``). Each row with hardware and a
model in our catalogs and a published output throughput per GPU, measured at a concurrency or offline (open-loop rows at a fixed
request rate are left out: ``tokenfab project`` projects closed-loop concurrency), is
projected as a user would:
same hardware, tensor parallelism, weight format (as published: fp8, MXFP4, NVFP4...),
input/output lengths, concurrency and serving engine. Offline max-throughput rows publish no
batch size: they are projected at the largest concurrency whose KV fits (capped at 2048).
Inputs the sources do not publish are assumed and listed in ASSUMED_ISL.

The accuracy figure is out of sample: the efficiency multipliers (``tokenfab.roofline.fit``)
are refitted with each source held out (leave-one-source-out) and with each hardware held out
(leave-one-hardware-out), and only the held-out points are scored. Reported: median |error| of
output tok/s per GPU and of TPOT (TPOT definitions differ by source: see the CSV README), by
source, hardware and regime; the projectable share; the coverage of the p10–p90 bands (each
held-out point against quantiles of the other folds' residuals of its regime). In-sample and
untrained (default-factor) errors are printed for comparison only.

    .venv/bin/python benchmarks/validate_projection.py [--csv PATH ...] [--write-fit]
        [--json OUT]

``--write-fit`` refits on every point and writes src/tokenfab/roofline/data/efficiency.json
(parameters, bands, the point ids, date and CV error), which ``tokenfab project`` uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tokenfab.cost.catalog import find_accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.fit import (
    HeldOut,
    Sample,
    base_efficiency,
    cross_validate,
    fit,
    quantile_bands,
    stack_of,
    trace_point,
)
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.points import PublishedPoint, load_points, shared_points_path
from tokenfab.roofline.project import plan_replica, regime_of
from tokenfab.schemas.config import LengthSpec

HERE = Path(__file__).resolve().parent
FIT_PATH = HERE.parent / "src" / "tokenfab" / "roofline" / "data" / "efficiency.json"
# Input lengths the sources do not publish (assumed, documented in docs/PERFORMANCE.md):
ASSUMED_ISL = {"ML.ENERGY": 256, "MLPerf": 600}
HARDWARE = [("GB200", "GB200"), ("B200", "B200"), ("H200", "H200"), ("H100", "H100"),
            ("MI355X", "MI355X"), ("MI325X", "MI325X"), ("MI300X", "MI300X"),
            ("A100", "A100"), ("L40S", "L40S")]
MODELS = [("llama-2-70b", "llama-2-70b"), ("llama-3.1-8b", "llama-3.1-8b"),
          ("llama-3.1-70b", "llama-3.1-70b"), ("llama-3.1-405b", "llama-3.1-405b"),
          ("llama-3.3-70b", "llama-3.3-70b"), ("mixtral-8x7b", "mixtral-8x7b"),
          ("qwen3-235b-a22b", "qwen3-235b-a22b"), ("qwen3-30b-a3b", "qwen3-30b-a3b"),
          ("deepseek-r1", "deepseek-r1"), ("deepseek-v3", "deepseek-v3"),
          ("gpt-oss-120b", "gpt-oss-120b"), ("gpt-oss-20b", "gpt-oss-20b")]


def hardware_key(text: str) -> str | None:
    return next((key for needle, key in HARDWARE if needle in text), None)


def model_key(hf_id: str) -> str:
    """The catalog name in the id where the table knows one, else the id itself (which
    ``load_model`` resolves or refuses)."""
    h = hf_id.lower()
    return next((key for needle, key in MODELS if needle in h), hf_id)


def weights_of(text: str) -> str:
    """The weight format as the source publishes it."""
    t = text.lower()
    for fmt in ("mxfp4", "nvfp4"):
        if fmt in t:
            return fmt
    if "fp4" in t:
        return "nvfp4"
    if "awq" in t or "int4" in t:
        return "int4-awq"
    return "fp8" if "fp8" in t else "bf16"


def engine_of(text: str) -> str:
    e = text.lower()
    return "trtllm" if "tensorrt" in e else "sglang" if "sglang" in e else "vllm"


def sample_of(p: PublishedPoint) -> Sample | str | None:
    """A fit sample, a reason it cannot be projected (str), or None when the row has no
    output throughput per GPU or names no catalog hardware (not a projection question)."""
    hw = hardware_key(p.hardware)
    if hw is None or p.output_tps_per_gpu is None:
        return None
    if "fixed request rate" in p.scenario:  # open loop at a set QPS: not a concurrency point
        return None
    try:
        spec = load_model(model_key(p.model_hf_id))
    except ConfigError as exc:
        return f"model: {exc}"
    acc = find_accelerator(hw)
    # one replica spans tp x ep GPUs as published (DEP: attention data-parallel, experts
    # parallel over ep); unpublished: the smallest tensor-parallel fit in the system
    span = max(p.tp or 1, p.ep or 1) if (p.tp or p.ep) else None
    isl = p.input_len_tokens
    src = next((k for k in ASSUMED_ISL if k in p.source_family), None)
    if isl is None:
        if src is None:
            return "no input length published"
        isl = ASSUMED_ISL[src]
    osl = p.output_len_tokens or 256.0
    offline = p.concurrency_or_batch is None or "offline" in p.scenario.lower()
    engine = engine_of(p.engine)
    isl_spec, osl_spec = LengthSpec(mean=isl), LengthSpec(mean=osl)
    base = base_efficiency(acc.family, engine)
    try:
        plan = plan_replica(spec, acc, precision="bf16", weights=weights_of(p.precision),
                            gpus=span or p.gpu_count, tp=span, isl=isl_spec, osl=osl_spec,
                            engine=engine, efficiency=base)
        tp = plan.tp
        replicas_in_row = max(1, p.gpu_count // tp)
        conc_total = (2048 * replicas_in_row if offline
                      else int(p.concurrency_or_batch or 1))
        streams = max(1, conc_total // replicas_in_row)
        trace = trace_point(plan.replica, streams, isl_spec, osl_spec,
                            kv_budget_tokens=plan.kv_tokens,
                            n_requests=max(2 * streams, 32))
    except ConfigError as exc:
        return str(exc)
    return Sample(point_id=p.point_id, source=p.source_family.split(" (")[0][:24],
                  hardware=hw, stack=stack_of(acc.family, engine), family=acc.family,
                  regime=regime_of(plan.replica, streams, isl, osl), trace=trace,
                  replica=plan.replica, gpus_per_replica=tp,
                  measured_tok_s_per_gpu=p.output_tps_per_gpu, measured_tpot_ms=p.tpot_itl_ms)


CV_NFEV = 15  # function evaluations per cross-validation refit (the full fit: 40)


def by_source(s: Sample) -> str:
    return s.source


def by_hardware(s: Sample) -> str:
    return s.hardware


def pct(log_ratio: float) -> float:
    """|modelled / measured − 1| in %."""
    return abs(math.exp(log_ratio) - 1) * 100


def medians(held: Sequence[HeldOut]) -> tuple[float, float | None, int]:
    t = [pct(h.log_tput) for h in held]
    p = [pct(h.log_tpot) for h in held if h.log_tpot is not None]
    return (statistics.median(t), statistics.median(p) if p else None, len(t))


def coverage(held: Sequence[HeldOut]) -> tuple[float, float]:
    """Share of held-out points inside p10–p90 of the *other* folds' residuals of their
    regime (tok/s/GPU, TPOT)."""
    hits_t, hits_p, n_p = 0, 0, 0
    for h in held:
        bands = quantile_bands(x for x in held if x.fold != h.fold)
        b = bands.get(h.sample.regime) or bands["*"]
        hits_t += b["tput"][0] <= -h.log_tput <= b["tput"][1]
        if h.log_tpot is not None:
            n_p += 1
            hits_p += b["tpot"][0] <= -h.log_tpot <= b["tpot"][1]
    return hits_t / len(held), hits_p / max(n_p, 1)


def breakdown(title: str, held: Sequence[HeldOut], key: Callable[[HeldOut], str]) -> None:
    print(f"\n{title}\n| group | n | tok/s/GPU median abs err | TPOT median abs err |")
    print("|---|---|---|---|")
    for g in sorted({key(h) for h in held}):
        t, p, n = medians([h for h in held if key(h) == g])
        print(f"| {g} | {n} | {t:.0f}% | {f'{p:.0f}%' if p is not None else '-'} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", action="append", default=None, help="point CSVs [shared set]")
    ap.add_argument("--write-fit", action="store_true", help=f"write {FIT_PATH.name}")
    ap.add_argument("--json", default=None, help="per-point CV residuals as JSON")
    args = ap.parse_args()
    shared = shared_points_path()
    paths = [Path(c) for c in args.csv] if args.csv else ([shared] if shared else [])
    t0 = time.perf_counter()
    points = {p.point_id: p for p in [*load_points(paths), *load_points()]}
    built = {pid: sample_of(p) for pid, p in points.items()}
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    samples = [s for s in built.values() if isinstance(s, Sample)]
    refused = {pid: r for pid, r in built.items() if isinstance(r, str)}
    asked = len(samples) + len(refused)
    print(f"{len(points)} published points; {asked} ask a projection question (catalog "
          f"hardware, output tok/s per GPU); projectable {len(samples)}/{asked} "
          f"({len(samples) / asked:.0%})")
    for pid, why in sorted(refused.items()):
        print(f"  not projectable {pid}: {why[:110]}")
    zero = [0.0] * 7
    untrained = [HeldOut(s, "-", *(lambda r: (r[0], r[1] if len(r) > 1 else None))(
        s.log_residuals(zero))) for s in samples]
    with ProcessPoolExecutor(2) as pool:  # the two cross-validations side by side
        jobs = [pool.submit(cross_validate, samples, k, max_nfev=CV_NFEV)
                for k in (by_source, by_hardware)]
        full = fit(samples)
        loso, loho = (j.result() for j in jobs)
    insample = [HeldOut(s, "-", *(lambda r: (r[0], r[1] if len(r) > 1 else None))(
        s.log_residuals(full.theta(s.stack, s.family)))) for s in samples]
    print("\n| figure | tok/s/GPU median abs err | TPOT median abs err | band coverage "
          "(tok/s, TPOT) |\n|---|---|---|---|")
    for name, held, cov in (("leave-one-source-out (CV)", loso, True),
                            ("leave-one-hardware-out (CV)", loho, True),
                            ("in-sample fit (not an accuracy figure)", insample, False),
                            ("untrained defaults", untrained, False)):
        t, p, n = medians(held)
        c = coverage(held) if cov else None
        print(f"| {name} | {t:.1f}% | {f'{p:.1f}%' if p is not None else '-'} | "
              f"{f'{c[0]:.0%}, {c[1]:.0%}' if c else '-'} |")
    for title, key in (("LOSO by source", lambda h: h.sample.source),
                       ("LOSO by regime", lambda h: h.sample.regime)):
        breakdown(title, loso, key)
    def slice_of(h: HeldOut) -> str:
        p = points[h.sample.point_id]
        conc, isl = p.concurrency_or_batch or 0, p.input_len_tokens or 0
        four_bit = any(f in p.precision.lower() for f in ("fp4", "int4", "awq"))
        if h.sample.stack.startswith("amd") and 0 < conc <= 16:
            return "AMD at concurrency <= 16"
        if "moe" in h.sample.regime and four_bit:
            return "MoE with 4-bit weights"
        if isl >= 7000 and 16 <= conc <= 64:
            return "8k prompts at 16-64 streams"
        return "other"

    breakdown("LOSO on the issue's known misses", loso, slice_of)
    breakdown("LOHO by hardware", loho, lambda h: h.sample.hardware)
    breakdown("LOHO by stack", loho, lambda h: h.sample.stack)
    if args.write_fit:
        t_s, p_s, _ = medians(loso)
        t_h, p_h, _ = medians(loho)
        doc: dict[str, Any] = {
            "schema": "tokenfab.efficiency/1", "provenance": "modelled",
            "fitted_on": sorted(s.point_id for s in samples),
            "fitted_at": dt.date.today().isoformat(),
            "command": "python benchmarks/validate_projection.py --write-fit",
            "cv_median_abs_err_pct": {
                "leave_one_source_out": {"tok_s_per_gpu": round(t_s, 1),
                                         "tpot": round(p_s or 0.0, 1)},
                "leave_one_hardware_out": {"tok_s_per_gpu": round(t_h, 1),
                                           "tpot": round(p_h or 0.0, 1)}},
            "band_from": "p10-p90 of leave-one-source-out and leave-one-hardware-out "
                         "residuals ln(measured/modelled), by regime",
            "parameters": full.to_json(), "bands": quantile_bands([*loso, *loho]),
        }
        FIT_PATH.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"\nwrote {FIT_PATH}")
    if args.json:
        Path(args.json).write_text(json.dumps([
            {"id": h.sample.point_id, "fold": h.fold, "source": h.sample.source,
             "hardware": h.sample.hardware, "regime": h.sample.regime,
             "tput_err_pct": (math.exp(h.log_tput) - 1) * 100,
             "tpot_err_pct": (math.exp(h.log_tpot) - 1) * 100 if h.log_tpot is not None
             else None} for h in [*loso, *loho]], indent=1))


if __name__ == "__main__":
    main()
