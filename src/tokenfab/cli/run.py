"""``tokenfab run``: start the embedded engine, benchmark it, stop it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tokenfab.cli.options import build_config, load_options, write_json
from tokenfab.engines.embedded import DEFAULT_MODEL, EMBEDDED, EmbeddedModel, embedded_model
from tokenfab.engines.llamacpp import EngineSettings, LlamaServer
from tokenfab.host.cpu import local_cpu
from tokenfab.report.console import ConsoleProgress, make_console, print_summary
from tokenfab.report.html import write_run_report
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.local import SpeedOfLight, speed_of_light
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.summary import RunSummary
from tokenfab.session.bench import run_bench
from tokenfab.session.loop import run_async
from tokenfab.store import Store, default_db_url

DEFAULT_CONCURRENCY = "1,2,4,8"
DEFAULT_REQUESTS = 16  # per point: 4 points finish in ~90 s on 2 cores
DEFAULT_WARMUP = 2
DEFAULT_INPUT_TOKENS = "128"  # prefill runs ~300 tok/s on 2 cores: keeps `run` under 3 min


def _upper(spec: LengthSpec) -> int:
    """A length no request of this distribution exceeds (for sizing the context)."""
    if spec.kind == "fixed":
        return int(spec.mean)
    if spec.kind == "uniform":
        return int(spec.high or spec.mean)
    return int(min(spec.max_tokens, spec.mean + 4 * spec.std))


@click.command("run")
@click.option("--engine-arg", "engine_args", multiple=True,
              help="pass settings to llama-server, e.g. --engine-arg='--threads 2'")
@click.option("--slots", type=int, default=None,
              help="parallel slots (-np); default: the highest concurrency")
@click.option("--report", "report_path", default="tokenfab-report.html", show_default=True,
              help="write the HTML report here ('' to skip)")
@click.option("--model", "model_key", default=DEFAULT_MODEL, show_default=True,
              help=f"embedded model to serve: {', '.join(EMBEDDED)}")
@click.option("--model-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="serve this GGUF (a variant of --model) instead of the shipped file")
@load_options(default_concurrency=DEFAULT_CONCURRENCY, default_requests=None,
              default_ignore_eos=True, default_input=None, default_energy="auto")
def run_cmd(engine_args: tuple[str, ...], slots: int | None, model_key: str,
            model_file: str | None, report_path: str, json_path: str | None, db: str | None,
            **kw: Any) -> None:
    """Start llama.cpp with an embedded model (SmolLM2-135M by default), benchmark it at each
    load point, stop it."""
    model = embedded_model(model_key)
    if kw["input_tokens"] is None:
        kw["input_tokens"] = DEFAULT_INPUT_TOKENS
    if kw["requests"] is None and kw["duration_s"] is None:
        kw["requests"] = DEFAULT_REQUESTS
    # Validate every flag before paying for an engine start.
    pre = build_config(url="http://127.0.0.1:1", model="embedded", api="chat",
                       default_warmup=DEFAULT_WARMUP, **kw)
    if slots is not None and slots < 1:
        raise click.BadParameter(f"--slots must be >= 1 (got {slots})")
    top = int(max(pre.values)) if pre.mode == "concurrency" else 8
    settings = EngineSettings.for_model(
        model, Path(model_file) if model_file else None,
        parallel_slots=slots or max(1, top),
        ctx_per_slot=min(16384, _upper(pre.input_tokens) + _upper(pre.output_tokens) + 128),
        extra_args=EngineSettings.parse_engine_args(list(engine_args)),
    )
    console = make_console(stderr=True)
    quiet = json_path == "-"
    db_url = db or default_db_url()
    store = Store(db_url)
    what = model_file or f"{model.display} {model.shipped_type}"
    console.print(f"tokenfab run: starting llama-server with {what}…", highlight=False)
    try:
        with LlamaServer(settings) as server:
            console.print(f"  engine ready at {server.url} (llama.cpp {server.version}, "
                          f"{settings.parallel_slots} slots)", highlight=False)
            cfg = pre.model_copy(update={"url": server.url, "model": settings.alias})
            engine = {"kind": "llama.cpp llama-server", "version": server.version,
                      "argv": server.argv[1:]}
            progress = ConsoleProgress(console, enabled=None if not quiet else False)
            try:
                result = run_async(run_bench(cfg, store, kind="run", progress=progress,
                                             engine_info=engine))
            finally:
                progress.close()
    finally:
        store.close()
    summary = result.summary
    sol = None if model_file else _speed_of_light(summary, model)
    if sol is not None:
        summary.speed_of_light = sol.model_dump()
    print_summary(summary, make_console(stderr=quiet))
    if sol is not None:
        make_console(stderr=quiet).print(
            f"speed of light: decode at 1 stream {sol.measured_decode_tok_s:.1f} tok/s (measured)"
            f" = {sol.fraction:.0%} of the {sol.limit_tok_s:.0f} tok/s memory-bandwidth "
            f"roofline ({sol.bandwidth_gb_s:.1f} GB/s measured ÷ {sol.bytes_per_token / 1e6:.1f}"
            " MB read per token, modelled)", highlight=False)
    write_json(summary, json_path)
    if report_path:
        with Store(db_url) as rstore:
            path = write_run_report(rstore, summary.run_id, Path(report_path))
        make_console(stderr=quiet).print(f"report: {path.resolve()}", highlight=False)


def _speed_of_light(summary: RunSummary, model: EmbeddedModel) -> SpeedOfLight | None:
    """Measured 1-stream decode vs this CPU's memory roofline (shipped embedded files only)."""
    one = next((p for p in summary.points
                if p.load.mode == "concurrency" and p.load.value == 1), None)
    tpot = one.latency_ms.get("tpot") if one is not None else None
    if one is None or tpot is None or one.requests.completed == 0:
        return None
    spec = load_model(model.roofline)
    n = one.requests.completed
    ctx = one.tokens.input / n + one.tokens.output / n / 2
    return speed_of_light(tpot.p50, float(model.gguf().stat().st_size),
                          spec.kv_bytes_per_token(kv_dtype_bytes=2), ctx,
                          local_cpu().mem_read_gb_s * 1e9)
