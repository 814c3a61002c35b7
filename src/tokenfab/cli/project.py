"""``tokenfab project``: modelled throughput, latency and $ on hardware you don't own."""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

import click
from rich.table import Table

from tokenfab.cli.options import parse_slo
from tokenfab.errors import ConfigError
from tokenfab.metrics.compute import meets_slo  # noqa: F401  (re-exported for docs)
from tokenfab.report.console import make_console
from tokenfab.roofline.calibrate import calibration_from_run
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.project import (
    Projection,
    price_projection,
    project_point,
    resolve_hardware,
)
from tokenfab.roofline.step import BYTES_PER_PARAM
from tokenfab.schemas.config import LengthSpec
from tokenfab.session.bench import validate_values
from tokenfab.store import Store, default_db_url
from tokenfab.workload import parse_length


def pareto(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points not dominated in (per-user tok/s, output tok/s per GPU): both higher is better."""
    front = []
    for p in points:
        u, t = p["_user"], p["_gpu"]
        if not any((q["_user"] >= u and q["_gpu"] >= t) and (q["_user"] > u or q["_gpu"] > t)
                   for q in points):
            front.append(p)
    return sorted(front, key=lambda p: p["_user"])


@click.command("project")
@click.option("--model", "model_ref", required=True,
              help="HF id, short name (llama-3.1-70b) or path to a config.json")
@click.option("--hardware", required=True, help="comma-separated, e.g. H100,H200,B200,MI300X")
@click.option("--precision", type=click.Choice(sorted(BYTES_PER_PARAM)), default="bf16",
              show_default=True)
@click.option("--gpus", type=int, default=1, show_default=True, help="accelerators per system")
@click.option("--tp", type=int, default=None, help="tensor parallel size (default: smallest fit)")
@click.option("--isl", default="1024", show_default=True, help="input tokens: 1024 or N(1024,128)")
@click.option("--osl", default="1024", show_default=True, help="output tokens")
@click.option("--concurrency", default="1,4,16,64,256", show_default=True)
@click.option("--slo", default=None,
              help="e.g. tpot_ms=50,ttft_ms=2000: max concurrency meeting it")
@click.option("--tier", default=None, help="catalog rental tier for $/1M tokens")
@click.option("--engine", type=click.Choice(["vllm", "sglang", "trtllm", "llama.cpp"]),
              default=None, help="serving engine overheads [vllm; llama.cpp for local]")
@click.option("--calibrate", "calibrate_run", default=None,
              help="stored run id: fit efficiency factors from it (same hardware family)")
@click.option("--calibrate-precision", default=None,
              help="weight precision of the calibration run [bf16 on GPUs, int4 local]")
@click.option("--db", default=None, help="database holding --calibrate's run")
@click.option("--json", "json_path", default=None, help="write JSON ('-' for stdout)")
def project_cmd(model_ref: str, hardware: str, precision: str, gpus: int, tp: int | None,
                isl: str, osl: str, concurrency: str, slo: str | None, tier: str | None,
                engine: str | None, calibrate_run: str | None,
                calibrate_precision: str | None, db: str | None,
                json_path: str | None) -> None:
    """Project the throughput-vs-interactivity curve and its price (every figure modelled)."""
    if gpus < 1:
        raise ConfigError(f"--gpus must be >= 1 (got {gpus})")
    if tp is not None and (tp < 1 or tp > gpus):
        raise ConfigError(f"--tp {tp} must be between 1 and --gpus {gpus}")
    engine_arg = engine
    spec = load_model(model_ref)
    accs = resolve_hardware(hardware.split(","))
    in_len = parse_length(isl, what="--isl")
    out_len = parse_length(osl, what="--osl")
    levels = [int(v) for v in validate_values(concurrency, "--concurrency")]
    slo_obj = parse_slo(slo)
    calib = None
    if calibrate_run:
        with Store(db or default_db_url()) as store:
            calib = calibration_from_run(store, calibrate_run, precision=calibrate_precision)
    rows: list[dict[str, Any]] = []
    best: dict[str, int | None] = {}
    for acc in accs:
        eff = calib.efficiency if calib is not None and calib.family == acc.family else None
        engine = engine_arg or ("llama.cpp" if acc.family == "cpu" else "vllm")
        best[acc.name] = None
        for c in levels:
            unc = 0.2
            if eff is not None and calib is not None:
                unc = max(calib.rms_log_residual or 0.05, 0.05)
            proj = project_point(spec, acc, precision=precision, gpus=gpus, tp=tp,
                                 concurrency=c, isl=in_len, osl=out_len, efficiency=eff,
                                 uncertainty=unc, engine=engine,
                                 max_batch=max(levels) if acc.family == "cpu" else 2048)
            rows.append(_row(proj, acc, tier, c))
            if slo_obj is not None and _meets(proj, slo_obj):
                best[acc.name] = c
    front = pareto(rows)
    for r in rows:
        r["pareto"] = r in front
    out = {"schema": "tokenfab.run/2", "run_id": "projection-" + uuid.uuid4().hex[:8],
           "target": {"url": "modelled://tokenfab.roofline", "model": spec.name},
           "kind": "projection", "provenance": {"*": "modelled"},
           "calibration": calib.describe() if calib is not None else None,
           "points": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
           "max_concurrency_meeting_slo": best if slo_obj is not None else None}
    if json_path:
        text = json.dumps(out, indent=2, default=float)
        if json_path == "-":
            sys.stdout.write(text + "\n")
        else:
            with open(json_path, "w") as f:
                f.write(text + "\n")
    if json_path != "-":
        _print(rows, spec.name, precision, gpus, best if slo_obj else None, calib)


def _meets(proj: Projection, slo: Any) -> bool:
    lat = proj.point.latency_ms
    tpot, ttft, e2e = lat.get("tpot"), lat.get("ttft"), lat.get("e2e")
    return ((slo.tpot_ms is None or (tpot is not None and tpot.p50 <= slo.tpot_ms)) and
            (slo.ttft_ms is None or (ttft is not None and ttft.p50 <= slo.ttft_ms)) and
            (slo.e2e_ms is None or (e2e is not None and e2e.p50 <= slo.e2e_ms)))


def _row(proj: Projection, acc: Any, tier: str | None, c: int) -> dict[str, Any]:
    p = proj.point.model_dump(mode="json")
    p["load"] = {"mode": "concurrency", "value": float(c)}
    p["hardware"], p["precision"], p["gpus"] = proj.hardware, proj.precision, proj.gpus
    p["tp"], p["replicas"] = proj.tp, proj.replicas
    p["throughput"]["output_tok_s"] = proj.output_tok_s_per_gpu * proj.gpus
    p["throughput"]["output_tok_s_per_gpu"] = proj.output_tok_s_per_gpu
    p["throughput"]["output_tok_s_per_gpu_range"] = list(proj.output_tok_s_per_gpu_range)
    p["latency_ms"]["tpot_p50_range"] = list(proj.tpot_ms_range)
    kw = acc.all_in_kw_per_accelerator or acc.tdp_w / 1000
    p["tokens_per_s_per_mw"] = proj.output_tok_s_per_gpu / kw * 1000.0
    cost = price_projection(proj, acc, tier)
    p["cost"] = cost.model_dump(mode="json") if cost is not None else None
    p["provenance"] = "modelled"
    p["_gpu"] = proj.output_tok_s_per_gpu
    p["_user"] = p["throughput"].get("per_user_output_tok_s_p50") or 0.0
    return p


def _print(rows: list[dict[str, Any]], model: str, precision: str, gpus: int,
           best: dict[str, int | None] | None, calib: Any) -> None:
    console = make_console()
    table = Table(title=f"{model} {precision} on {gpus} GPU(s) — modelled", title_style="bold",
                  header_style="bold cyan")
    for col in ("hardware", "conc", "tp×rep", "tok/s/GPU (range)", "tok/s/user", "TPOT p50 ms",
                "TTFT p50 ms", "$/1M out", "tok/s per MW", "pareto"):
        table.add_column(col, justify="left" if col == "hardware" else "right")
    for r in rows:
        lo, hi = r["throughput"]["output_tok_s_per_gpu_range"]
        tpot = (r["latency_ms"].get("tpot") or {}).get("p50")
        ttft = (r["latency_ms"].get("ttft") or {}).get("p50")
        cost = (r["cost"] or {}).get("usd_per_mtok_output")
        table.add_row(r["hardware"], f"{r['load']['value']:g}", f"{r['tp']}×{r['replicas']}",
                      f"{r['_gpu']:,.0f} ({lo:,.0f}–{hi:,.0f})", f"{r['_user']:,.1f}",
                      f"{tpot:,.1f}" if tpot else "-", f"{ttft:,.0f}" if ttft else "-",
                      f"${cost:,.3f}" if cost else "-", f"{r['tokens_per_s_per_mw']:,.0f}",
                      "●" if r["pareto"] else "")
    console.print(table)
    if best is not None:
        console.print("max concurrency meeting the SLO: " + ", ".join(
            f"{k} {v if v is not None else 'none'}" for k, v in best.items()), highlight=False)
    note = ("efficiency calibrated from run " + calib.run_id) if calib else \
        "efficiency factors: per-family defaults (assumed)"
    console.print(f"all figures modelled; ranges vary efficiency ±20%; {note}; $ at catalog "
                  "rental prices (assumed)", style="dim", highlight=False)


__all__ = ["LengthSpec", "project_cmd"]
