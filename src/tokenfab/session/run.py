"""``tokenfab run``: start the embedded engine, benchmark it, stop it, and compare the measured
1-stream decode speed with this CPU's memory-bandwidth roofline (its speed of light).

``run(cfg)`` is the library entry point. Everything that can be checked is checked before the
engine starts (the model, the engine arguments, the database); the engine's whole lifetime is
:func:`tokenfab.engines.lifecycle.serving`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tokenfab.engines.embedded import DEFAULT_MODEL, EMBEDDED, EmbeddedModel, embedded_model
from tokenfab.engines.lifecycle import EngineSettings, serving
from tokenfab.host.cpu import local_cpu
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.local import SpeedOfLight, speed_of_light
from tokenfab.schemas.config import BenchConfig, LengthSpec
from tokenfab.schemas.run import MAX_SLOTS, RunConfig, RunResult
from tokenfab.schemas.summary import RunSummary
from tokenfab.session.bench import Progress, run_bench
from tokenfab.session.loop import run_async
from tokenfab.store import Store

MODEL_CHOICES: tuple[str, ...] = tuple(EMBEDDED)  # what --model accepts
# `tokenfab run`'s default sweep (`make run`): 4 points finish in ~90 s on 2 cores.
DEFAULT_CONCURRENCY: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
DEFAULT_REQUESTS = 16  # measured requests per point
DEFAULT_WARMUP = 2
DEFAULT_INPUT_TOKENS = 128  # prefill runs ~300 tok/s on 2 cores: keeps `run` under 3 min
DEFAULT_HOURLY_USD = 0.10  # what `make run` assumes this CPU machine costs per hour
ENGINE_URL = "http://127.0.0.1:1"  # placeholder: the run replaces it with the engine's
MAX_CTX_PER_SLOT = 16_384
CTX_HEADROOM_TOKENS = 128  # chat template and special tokens around the prompt
RATE_MODE_SLOTS = 8


def default_run_config(db: str | None = None) -> RunConfig:
    """``tokenfab run --hourly-usd 0.10`` with every other flag at its default (``make run``)."""
    load = BenchConfig(url=ENGINE_URL, model="embedded", api="chat", mode="concurrency",
                       values=DEFAULT_CONCURRENCY, requests_per_point=DEFAULT_REQUESTS,
                       warmup_requests=DEFAULT_WARMUP,
                       input_tokens=LengthSpec(mean=DEFAULT_INPUT_TOKENS),
                       hourly_usd=DEFAULT_HOURLY_USD, energy="auto")
    return RunConfig(load=load, db=db)


def upper_tokens(spec: LengthSpec) -> int:
    """A length no request of this distribution exceeds (for sizing the context): the fixed
    length, the uniform ``high``, or min(max_tokens, mean + 4 std) for a normal."""
    if spec.kind == "fixed":
        return int(spec.mean)
    if spec.kind == "uniform":
        return int(spec.high or spec.mean)
    return int(min(spec.max_tokens, spec.mean + 4 * spec.std))


def engine_settings(cfg: RunConfig, model: EmbeddedModel) -> EngineSettings:
    """Slots = ``--slots`` or the highest concurrency (capped at ``MAX_SLOTS``); context per
    slot = longest input + longest output + headroom (capped at ``MAX_CTX_PER_SLOT``)."""
    load = cfg.load
    top = int(max(load.values)) if load.mode == "concurrency" else RATE_MODE_SLOTS
    ctx = upper_tokens(load.input_tokens) + upper_tokens(load.output_tokens) + CTX_HEADROOM_TOKENS
    return EngineSettings.for_model(
        model, Path(cfg.model_file) if cfg.model_file else None,
        parallel_slots=cfg.slots or min(MAX_SLOTS, max(1, top)),
        ctx_per_slot=min(MAX_CTX_PER_SLOT, ctx),
        extra_args=EngineSettings.parse_engine_args(list(cfg.engine_args)),
    )


def run(cfg: RunConfig, *, progress: Progress | None = None,
        say: Callable[[str], None] | None = None) -> RunResult:
    """Serve the embedded model, benchmark it at every load point of ``cfg.load``, stop it.

    ``say`` receives one-line status messages (engine starting/ready); ``progress`` the load
    points. The run is stored in ``cfg.db`` like any bench run (kind ``run``)."""
    tell = say or (lambda _text: None)
    model = embedded_model(cfg.model)
    settings = engine_settings(cfg, model)
    served_what = cfg.model_file or f"{model.display} {model.shipped_type}"
    with Store(cfg.db) as store:  # a bad or read-only --db fails before the engine starts
        tell(f"tokenfab run: starting llama-server with {served_what}…")
        with serving(settings) as served:
            tell(f"  engine ready at {served.url} (llama.cpp {served.version}, "
                 f"{served.parallel_slots} slots)")
            load = cfg.load.model_copy(update={"url": served.url, "model": served.alias})
            engine = served.engine_info()
            bench = run_async(run_bench(load, store, kind="run", progress=progress,
                                        engine_info=engine))
    summary = bench.summary
    sol = None if cfg.model_file else speed_of_light_of(summary, model)
    if sol is not None:
        summary.speed_of_light = sol.model_dump()
    return RunResult(run_id=bench.run_id, status=bench.status, summary=summary,
                     served=served_what, engine=engine, slots=settings.parallel_slots,
                     warnings=bench.warnings)


def speed_of_light_of(summary: RunSummary, model: EmbeddedModel) -> SpeedOfLight | None:
    """Measured 1-stream decode vs this CPU's memory roofline (shipped embedded files only).

    Context at a decode step ~ mean input + half the mean output (tokens)."""
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


__all__ = ["DEFAULT_MODEL", "MODEL_CHOICES", "RunConfig", "RunResult", "engine_settings", "run",
           "speed_of_light_of", "upper_tokens"]
