"""``tokenfab project``: parse flags, call ``session.project.project``, print or write JSON."""

from __future__ import annotations

import json
from typing import get_args

import click
from rich.table import Table

from tokenfab.cli.options import parse_slo
from tokenfab.errors import ConfigError
from tokenfab.outputs import check_writable, write_output
from tokenfab.report.console import make_console
from tokenfab.schemas.projection import (
    ComputePrecision,
    KvDtype,
    ProjectConfig,
    ProjectionResult,
    ServingEngine,
    WeightFormat,
)
from tokenfab.schemas.types import Precision
from tokenfab.session.project import project
from tokenfab.workload import parse_length

PRECISIONS = sorted(get_args(Precision))


@click.command("project")
@click.option("--model", "model_ref", required=True,
              help="HF id, short name (llama-3.1-70b) or path to a config.json")
@click.option("--hardware", required=True,
              help="comma-separated, e.g. H100,H200,B200,MI300X ('local': this machine)")
@click.option("--precision", type=click.Choice(PRECISIONS), default=None,
              help="shorthand for --weights (fp4 = MXFP4, int4 = AWQ) [bf16]")
@click.option("--weights", type=click.Choice(get_args(WeightFormat)), default=None,
              help="weight format: bytes moved [from --precision]")
@click.option("--compute", type=click.Choice(get_args(ComputePrecision)), default=None,
              help="matmul precision: peak FLOP/s [the weights' where the hardware has it, "
                   "else bf16]")
@click.option("--kv-dtype", type=click.Choice(get_args(KvDtype)), default=None,
              help="KV-cache element type [bf16 beside 16-bit weights, else fp8]")
@click.option("--gpus", type=int, default=1, show_default=True, help="accelerators per system")
@click.option("--tp", type=int, default=None, help="tensor parallel size (default: smallest fit)")
@click.option("--isl", default="1024", show_default=True, help="input tokens: 1024 or N(1024,128)")
@click.option("--osl", default="1024", show_default=True, help="output tokens")
@click.option("--concurrency", default="1,4,16,64,256", show_default=True,
              help="streams per point, comma-separated whole numbers")
@click.option("--slo", default=None,
              help="e.g. tpot_ms=50,ttft_ms=2000: max concurrency meeting it")
@click.option("--tier", default=None,
              help="catalog rental tier for $/1M tokens [cheapest on-demand]")
@click.option("--engine", type=click.Choice(get_args(ServingEngine)), default=None,
              help="serving engine overheads [vllm; llama.cpp for local]")
@click.option("--calibrate", "calibrate_run", default=None,
              help="stored run id: fit efficiency factors from it (same hardware family)")
@click.option("--calibrate-precision", type=click.Choice(PRECISIONS), default=None,
              help="weight precision of the calibration run [bf16 on GPUs, int4 local]")
@click.option("--db", default=None, help="database holding --calibrate's run")
@click.option("--json", "json_path", default=None, help="write JSON ('-' for stdout)")
def project_cmd(model_ref: str, hardware: str, precision: Precision | None,
                weights: WeightFormat | None, compute: ComputePrecision | None,
                kv_dtype: KvDtype | None, gpus: int,
                tp: int | None, isl: str, osl: str, concurrency: str, slo: str | None,
                tier: str | None, engine: ServingEngine | None, calibrate_run: str | None,
                calibrate_precision: Precision | None, db: str | None,
                json_path: str | None) -> None:
    """Project the throughput-vs-interactivity curve and its price (every figure modelled)."""
    slo_obj = parse_slo(slo)
    if slo is not None and slo_obj is None:
        raise ConfigError("--slo is empty; e.g. --slo tpot_ms=50,ttft_ms=2000")
    check_writable(json_path, "--json")
    axes = {k: v for k, v in (("precision", precision), ("weights", weights),
                              ("compute", compute), ("kv_dtype", kv_dtype)) if v is not None}
    cfg = ProjectConfig.model_validate({
        **axes, "model": model_ref, "hardware": hardware, "gpus": gpus,
        "tp": tp, "isl": parse_length(isl, what="--isl (input tokens: the context)"),
        "osl": parse_length(osl, what="--osl (output tokens)"),
        "concurrency": concurrency, "slo": slo_obj, "tier": tier, "engine": engine,
        "calibrate_run": calibrate_run, "calibrate_precision": calibrate_precision,
        "db_url": db,
    })
    result = project(cfg)
    if json_path:
        write_output(json.dumps(result.to_json_dict(), indent=2) + "\n", json_path, "--json")
    if json_path != "-":
        print_projection(result)


def print_projection(result: ProjectionResult) -> None:
    """The projection as a terminal table, with what its ranges and prices are."""
    cfg = result.config
    console = make_console()
    first = result.points[0] if result.points else None
    axes = (f"{first.weights} weights, {first.kv_dtype} KV; compute per hardware"
            if first is not None and first.weights else cfg.weight_format)
    table = Table(title=f"{result.target.model} ({axes}) on {cfg.gpus} GPU(s) — modelled",
                  title_style="bold", header_style="bold cyan")
    for col in ("hardware", "conc", "tp×rep", "tok/s/GPU (range)", "tok/s/user", "TPOT p50 ms",
                "TTFT p50 ms", "$/1M out", "tok/s per MW", "pareto"):
        table.add_column(col, justify="left" if col == "hardware" else "right")
    unpriced: list[str] = []
    for p in result.points:
        lo, hi = p.throughput.output_tok_s_per_gpu_range
        tpot, ttft = p.latency_ms.get("tpot"), p.latency_ms.get("ttft")
        usd = p.cost.usd_per_mtok_output if p.cost is not None else None
        if p.cost is None and p.hardware not in unpriced:
            unpriced.append(p.hardware)
        hw = f"{p.hardware} ({p.compute})" if p.compute else p.hardware
        table.add_row(hw, f"{p.load.value:g}", f"{p.tp}×{p.replicas}",
                      f"{p.throughput.output_tok_s_per_gpu:,.0f} ({lo:,.0f}–{hi:,.0f})",
                      f"{p.throughput.per_user_output_tok_s_p50 or 0.0:,.1f}",
                      f"{tpot.p50:,.1f}" if tpot else "-", f"{ttft.p50:,.0f}" if ttft else "-",
                      f"${usd:,.3f}" if usd else "-", f"{p.tokens_per_s_per_mw:,.0f}",
                      "●" if p.pareto else "")
    console.print(table)
    best = result.max_concurrency_meeting_slo
    if best is not None:
        console.print("max concurrency meeting the SLO (p50): " + ", ".join(
            f"{k} {v if v is not None else 'none'}" for k, v in best.items()), highlight=False)
    tier = cfg.tier or "cheapest on-demand"
    priced = f"$ at catalog rental prices, {tier} (assumed)"
    if unpriced:
        priced += f"; no catalog price for {', '.join(unpriced)}"
    console.print(f"all figures modelled; ranges: {result.band_kind}; efficiency: "
                  f"{result.efficiency_source}; {priced}", style="dim", highlight=False)


__all__ = ["print_projection", "project_cmd"]
