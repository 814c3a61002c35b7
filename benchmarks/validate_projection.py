"""Projection error against published, measured serving points (../shared/validation).

Each row of published_points.csv with hardware and a model in our catalogs and a published
output throughput per GPU is projected with default efficiency factors (no per-point fitting):
same hardware, GPUs, tensor parallelism, precision, input/output lengths and concurrency.
Offline max-throughput rows publish no batch size: they are projected at the largest
concurrency whose KV fits (capped at 2048 per replica). Inputs the sources do not publish are
assumed and listed in ASSUMED_ISL. Prints one row per point and the median absolute % error
for throughput per GPU and for TPOT (TPOT definitions differ by source: see the CSV README).

    .venv/bin/python benchmarks/validate_projection.py [--csv PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

from tokenfab.cost.catalog import find_accelerator
from tokenfab.errors import ConfigError
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.project import project_point
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.types import Precision

HERE = Path(__file__).resolve().parent
DEFAULT_CSV = HERE.parent.parent / "shared" / "validation" / "published_points.csv"
# Input lengths the sources do not publish (assumed, documented in docs/PERFORMANCE.md):
ASSUMED_ISL = {"ML.ENERGY": 256, "MLPerf": 600}
HARDWARE = [("B200", "B200"), ("H200", "H200"), ("H100", "H100"), ("MI355X", "MI355X"),
            ("MI325X", "MI325X"), ("MI300X", "MI300X"), ("GB200", "GB200"), ("A100", "A100"),
            ("L40S", "L40S")]


def hardware_key(text: str) -> str | None:
    for needle, key in HARDWARE:
        if needle in text:
            return key
    return None


def model_key(hf_id: str) -> str | None:
    h = hf_id.lower()
    table = [("llama-2-70b", "llama-2-70b"), ("llama-3.1-8b", "llama-3.1-8b"),
             ("llama-3.1-70b", "llama-3.1-70b"), ("llama-3.1-405b", "llama-3.1-405b"),
             ("llama-3.3-70b", "llama-3.3-70b"), ("mixtral-8x7b", "mixtral-8x7b"),
             ("qwen3-235b-a22b", "qwen3-235b-a22b"), ("qwen3-30b-a3b", "qwen3-30b-a3b"),
             ("deepseek-r1", "deepseek-r1"), ("deepseek-v3", "deepseek-v3"),
             ("gpt-oss-120b", "gpt-oss-120b"), ("gpt-oss-20b", "gpt-oss-20b")]
    for needle, key in table:
        if needle in h:
            return key
    return None


def precision_of(text: str) -> Precision:
    t = text.lower()
    if "fp4" in t:
        return "fp4"
    if "fp8" in t:
        return "fp8"
    return "bf16"


def num(v: str) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def project_row(r: dict[str, str]) -> dict[str, Any] | None:
    hw, mk = hardware_key(r["hardware"]), model_key(r["model_hf_id"])
    measured = num(r["output_tps_per_gpu"])
    if hw is None or mk is None or measured is None:
        return None
    try:
        spec = load_model(mk)
    except ConfigError:
        return None
    acc = find_accelerator(hw)
    gpus = int(num(r["gpu_count"]) or 1)
    tp = int(num(r["tp"]) or 1)
    replicas_in_row = max(1, gpus // tp)
    isl = num(r["input_len_tokens"])
    src = next((k for k in ASSUMED_ISL if k in r["source_family"]), None)
    assumed = []
    if isl is None:
        if src is None:
            return None
        isl = ASSUMED_ISL[src]
        assumed.append(f"isl={isl}")
    osl = num(r["output_len_tokens"]) or 256.0
    prec = precision_of(r["precision"])
    compute: Precision = prec
    dev_peaks = {"fp4": acc.dense_fp4_tflops, "fp8": acc.dense_fp8_tflops}
    if prec in dev_peaks and not dev_peaks[prec]:
        compute = "fp8" if acc.dense_fp8_tflops else "bf16"  # weight-only quantization
    conc = num(r["concurrency_or_batch"])
    offline = conc is None or "offline" in r["scenario"].lower()
    try:
        # offline rows saturate: the KV budget and the max batch bound the concurrency
        conc_total = 2048 * replicas_in_row if offline else int(conc or 1)
        eng = r["engine"].lower()
        engine = ("trtllm" if "tensorrt" in eng else "sglang" if "sglang" in eng else "vllm")
        proj = project_point(spec, acc, precision=prec, compute_precision=compute, engine=engine,
                             gpus=tp, tp=tp, concurrency=max(1, conc_total // replicas_in_row),
                             isl=LengthSpec(mean=isl), osl=LengthSpec(mean=osl),
                             n_requests=None, seed=0)
    except ConfigError as exc:
        return {"id": r["point_id"], "skip": str(exc)}
    tpot_pub = num(r["tpot_itl_ms"])
    tpot = proj.point.latency_ms.get("tpot")
    return {
        "id": r["point_id"], "source": r["source_family"].split(" (")[0][:24], "hardware": hw,
        "model": mk, "precision": prec, "tp": tp, "concurrency": conc_total,
        "isl": isl, "osl": osl, "assumed": ",".join(assumed),
        "measured_tok_s_per_gpu": measured, "modelled_tok_s_per_gpu": proj.output_tok_s_per_gpu,
        "tput_err_pct": (proj.output_tok_s_per_gpu - measured) / measured * 100,
        "measured_tpot_ms": tpot_pub, "modelled_tpot_ms": tpot.p50 if tpot else None,
        "tpot_err_pct": ((tpot.p50 - tpot_pub) / tpot_pub * 100
                         if tpot is not None and tpot_pub else None),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default=str(DEFAULT_CSV))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    with open(args.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    results = [x for r in rows if (x := project_row(r)) is not None]
    done = [x for x in results if "skip" not in x]
    print("| id | source | hardware | model | prec | tp | conc | isl/osl | measured tok/s/GPU "
          "| modelled | err | TPOT meas ms | modelled | err |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in done:
        te = f"{x['tpot_err_pct']:+.0f}%" if x["tpot_err_pct"] is not None else "-"
        mt = f"{x['modelled_tpot_ms']:.1f}" if x["modelled_tpot_ms"] else "-"
        print(f"| {x['id']} | {x['source']} | {x['hardware']} | {x['model']} | {x['precision']} "
              f"| {x['tp']} | {x['concurrency']} | {x['isl']:.0f}/{x['osl']:.0f}"
              f"{'*' if x['assumed'] else ''} | {x['measured_tok_s_per_gpu']:,.0f} | "
              f"{x['modelled_tok_s_per_gpu']:,.0f} | {x['tput_err_pct']:+.0f}% | "
              f"{x['measured_tpot_ms'] or '-'} | {mt} | {te} |")
    for x in results:
        if "skip" in x:
            print(f"skipped {x['id']}: {x['skip']}", file=sys.stderr)
    t = [abs(x["tput_err_pct"]) for x in done]
    p = [abs(x["tpot_err_pct"]) for x in done if x["tpot_err_pct"] is not None]
    print(f"\n{len(done)} points projected of {len(rows)} published ({len(rows) - len(done)} "
          "without a catalog model/hardware or a published output throughput per GPU)")
    if t:
        print(f"median |error| throughput per GPU: {statistics.median(t):.1f}%  (n={len(t)})")
    if p:
        print(f"median |error| TPOT: {statistics.median(p):.1f}%  (n={len(p)})")
    if args.json:
        Path(args.json).write_text(json.dumps(done, indent=2))


if __name__ == "__main__":
    main()
