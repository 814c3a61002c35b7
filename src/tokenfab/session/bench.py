"""One benchmark run end to end: probe -> workload -> load points -> store -> summary.

The only module that wires the stages together: ``bench(cfg)`` is the library entry point of
``tokenfab bench`` (``run_bench`` the same inside a running event loop, with a store given).

How a run ends, in the store and in :class:`BenchResult`:

- every point ran to its bound -> ``complete``;
- the server refused ``MAX_CONNECT_FAILURES`` connections in a row -> nothing more is sent, the
  completed records and a summary of them are kept, status ``server_lost``;
- Ctrl-C / SIGTERM -> ``interrupted``; any other error after the run was stored -> ``failed``.
  Everything that can fail before the first request (flags, the energy meter, the target
  probe, the workload) is checked before the run is stored, so such a failure leaves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections.abc import Callable
from time import perf_counter_ns
from typing import Any, Protocol

import httpx
import numpy as np

from tokenfab.cost.cpu_power import assumed_cpu_power_w
from tokenfab.energy import EnergyMeasurement, EnergyMeter, probe_meter
from tokenfab.errors import ConfigError, StoreError, Terminated
from tokenfab.host.cpu import local_cpu
from tokenfab.load.client import RequestSpec, make_payload, make_spec
from tokenfab.load.runner import MAX_CONNECT_FAILURES, LiveStats, PointPlan, PointRun, run_point
from tokenfab.load.wire import ConnectionPool, Endpoint
from tokenfab.schemas.bench import BenchResult, RunStatus
from tokenfab.schemas.config import BenchConfig
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import PointSummary, RunSummary, Target
from tokenfab.schemas.types import Provenance
from tokenfab.session.environment import environment_manifest
from tokenfab.session.loop import run_async
from tokenfab.session.pricing import summarize_repeats
from tokenfab.session.probe import TargetInfo, probe_target
from tokenfab.store import RecordWriter, Store
from tokenfab.workload import (
    DatasetRequest,
    HttpLlamaTokenizer,
    PromptFactory,
    WordTokenizer,
    arrival_offsets_s,
    load_dataset,
    sample_lengths,
)

# For duration-only points, prompts are generated for this many seconds at the offered load
# (then cycled) — enough that the prefix cache never sees a repeat in a normal run.
DURATION_PROMPT_FACTOR = 4.0
MAX_PROMPTS_PER_POINT = 20_000


class Progress(Protocol):
    def point_started(self, index: int, mode: str, value: float, stats: LiveStats) -> None: ...
    def point_finished(self, index: int, summary: PointSummary) -> None: ...
    def note(self, text: str) -> None: ...


class NullProgress:
    def point_started(self, index: int, mode: str, value: float, stats: LiveStats) -> None:
        return None

    def point_finished(self, index: int, summary: PointSummary) -> None:
        return None

    def note(self, text: str) -> None:
        return None


def _point_count(cfg: BenchConfig, value: float) -> int:
    if cfg.requests_per_point is not None:
        return cfg.requests_per_point
    assert cfg.duration_s is not None
    per_s = value if cfg.mode == "rate" else value * 2.0
    return int(min(MAX_PROMPTS_PER_POINT, max(16, math.ceil(per_s * cfg.duration_s *
                                                         DURATION_PROMPT_FACTOR))))


async def _build_specs(cfg: BenchConfig, endpoint: Endpoint, info: TargetInfo, n: int,
                       rng: np.random.Generator, factory: PromptFactory | None,
                       dataset: list[DatasetRequest] | None) -> list[RequestSpec]:
    outs = sample_lengths(cfg.output_tokens, n, rng)
    specs: list[RequestSpec] = []
    if dataset is not None:
        for i in range(n):
            d = dataset[i % len(dataset)]
            max_tok = d.max_tokens or int(outs[i])
            msgs = [{"role": r, "content": c} for r, c in d.messages] if d.messages else None
            api = "chat" if msgs is not None else "completions"
            path, body = make_payload(api=api, model=cfg.model, text=d.prompt or "",
                                      max_tokens=max_tok, ignore_eos=cfg.ignore_eos,
                                      messages=msgs)
            specs.append(make_spec(endpoint, path, body, cfg.api_key, None, max_tok))
        return specs
    assert factory is not None
    ins = sample_lengths(cfg.input_tokens, n, rng)
    prompts = await factory.prompts([int(x) for x in ins], rng)
    for p, o in zip(prompts, outs, strict=True):
        path, body = make_payload(api=cfg.api, model=cfg.model, text=p.text, max_tokens=int(o),
                                  ignore_eos=cfg.ignore_eos)
        specs.append(make_spec(endpoint, path, body, cfg.api_key, p.input_tokens_target, int(o)))
    return specs


def _cycler(specs: list[RequestSpec]) -> Callable[[int], RequestSpec]:
    """Request ``i`` uses spec ``i mod n`` (duration-bound points may outrun the prompts)."""
    return lambda i: specs[i % len(specs)]


async def _cross_check(records: list[RequestRecord], info: TargetInfo,
                       client: httpx.AsyncClient) -> None:
    """Client-side output token count with the model's own tokenizer (llama.cpp /tokenize)."""
    if not info.has_tokenize:
        return
    tok = HttpLlamaTokenizer(info.url, client)
    gate = asyncio.Semaphore(8)

    async def one(r: RequestRecord) -> None:
        if not r.ok or r.output_text is None:
            return
        async with gate:
            try:
                r.client_output_tokens = len(await tok.tokenize(r.output_text))
            except Exception:  # noqa: BLE001 - a failed cross-check must not fail the run
                r.client_output_tokens = None

    await asyncio.gather(*(one(r) for r in records))


def bench(cfg: BenchConfig, *, db: str | None = None, progress: Progress | None = None,
          say: Callable[[str], None] | None = None) -> BenchResult:
    """``tokenfab bench``: benchmark ``cfg.url``, store every request in ``db`` (default: the
    tokenfab database), return the summary and how the run ended. ``say`` gets one status
    line once the target and workload are checked (until then, a failure is its only line)."""
    with Store(db) as store:
        return run_async(run_bench(cfg, store, kind="bench", progress=progress, say=say))


async def run_bench(cfg: BenchConfig, store: Store, *, kind: str = "bench",
                    progress: Progress | None = None,
                    engine_info: dict[str, Any] | None = None,
                    on_run_id: Callable[[str], None] | None = None,
                    say: Callable[[str], None] | None = None) -> BenchResult:
    """Benchmark ``cfg.url`` at every load point; records are committed as requests end."""
    progress = progress or NullProgress()
    endpoint = Endpoint.parse(cfg.url)
    dataset = _dataset(cfg, progress)  # a bad file fails before the server is contacted
    meter = make_meter(cfg, progress)  # an unusable meter fails here, before anything is stored
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
            info = await probe_target(cfg, endpoint, client)
            rng = np.random.default_rng(cfg.seed)
            factory = None if dataset is not None else await _prompt_factory(info, client)
            if say is not None:
                say(f"tokenfab {kind} → {cfg.url} ({cfg.model}), {cfg.mode} "
                    + ",".join(f"{v:g}" for v in cfg.values))
            for w in info.warnings:
                progress.note(w)
            started_unix_ns = time.time_ns()
            run_id = uuid.uuid4().hex[:12]
            env = environment_manifest(engine_info)
            env["target"] = {"url": cfg.url, "model": cfg.model, "server_models": info.models,
                             "tokenizer": ("server /tokenize" if info.has_tokenize
                                           else "word estimate")}
            store.create_run(run_id, kind=kind, label=cfg.label,
                             config=cfg.model_dump(mode="json", exclude={"api_key"}),
                             environment=env, target_url=cfg.url, model=cfg.model,
                             started_unix_ns=started_unix_ns,
                             clock_offset_ns=time.time_ns() - perf_counter_ns())
            if on_run_id:
                on_run_id(run_id)
            writer = RecordWriter(store, run_id)
            pool = ConnectionPool(endpoint)
            try:
                points, lost_at = await _run_points(cfg, endpoint, info, rng, factory, dataset,
                                                    pool, writer, store, run_id, progress,
                                                    meter, client)
                writer.close()
            except BaseException as exc:
                with contextlib.suppress(StoreError):
                    writer.close()
                _mark_unfinished(store, run_id, exc)
                raise
            finally:
                pool.close()
    finally:
        if meter is not None:
            meter.close()
    status: RunStatus = "complete" if lost_at is None else "server_lost"
    warnings = []
    if lost_at is not None:
        n_ok = sum(p.requests.completed for p in points)
        warnings.append(
            f"the server at {cfg.url} went away during load point {lost_at + 1}: "
            f"{MAX_CONNECT_FAILURES} connections in a row were refused, so tokenfab stopped "
            f"sending; the {n_ok} requests completed before that are kept in run {run_id}")
    env["token_counts"] = _count_provenance(points)
    result = RunSummary(run_id=run_id, target=Target(url=cfg.url, model=cfg.model),
                        points=points, label=cfg.label, started_unix_s=started_unix_ns / 1e9,
                        environment=env,
                        provenance={"latency_ms": "measured", "throughput": "measured",
                                    "tokens": _tokens_provenance(points)})
    store.finish_run(run_id, result.to_json_dict(), status=status, environment=env)
    return BenchResult(run_id=run_id, status=status, summary=result, warnings=warnings)


def _dataset(cfg: BenchConfig, progress: Progress) -> list[DatasetRequest] | None:
    """The dataset to replay (None: generate prompts); bad rows are noted and skipped."""
    if not cfg.dataset:
        return None
    loaded = load_dataset(cfg.dataset)
    for bad in loaded.bad_rows[:5]:
        progress.note(f"dataset line {bad.line_no} skipped: {bad.reason}")
    if len(loaded.bad_rows) > 5:
        progress.note(f"... {len(loaded.bad_rows) - 5} more bad dataset rows skipped")
    return loaded.requests


async def _prompt_factory(info: TargetInfo, client: httpx.AsyncClient) -> PromptFactory:
    """Prompts sized with the model's tokenizer when the server has one, else by words."""
    tokenizer = HttpLlamaTokenizer(info.url, client) if info.has_tokenize else WordTokenizer()
    return await PromptFactory.create(tokenizer)


async def _run_points(cfg: BenchConfig, endpoint: Endpoint, info: TargetInfo,
                      rng: np.random.Generator, factory: PromptFactory | None,
                      dataset: list[DatasetRequest] | None, pool: ConnectionPool,
                      writer: RecordWriter, store: Store, run_id: str, progress: Progress,
                      meter: EnergyMeter | None, client: httpx.AsyncClient
                      ) -> tuple[list[PointSummary], int | None]:
    """Every load point and repeat in order; stops after a point that lost the server.

    Returns the point summaries and the index of the point that lost the server (or None)."""
    points: list[PointSummary] = []
    idx = 0
    for value in cfg.values:
        repeat_runs: list[PointRun] = []
        energy: list[EnergyMeasurement | None] = []
        for rep in range(cfg.repeats):
            run, m = await _measure_point(cfg, idx, value, rep, endpoint, info, rng, factory,
                                          dataset, pool, writer, store, run_id, progress, meter,
                                          client)
            repeat_runs.append(run)
            energy.append(m)
            idx += 1
            if run.server_lost:
                break
        summary = summarize_repeats(repeat_runs, cfg, value, energy)
        points.append(summary)
        progress.point_finished(idx - 1, summary)
        if repeat_runs[-1].server_lost:
            return points, idx - 1
    return points, None


def _mark_unfinished(store: Store, run_id: str, exc: BaseException) -> None:
    """Ctrl-C/SIGTERM -> interrupted; any other error -> failed (never left ``running``)."""
    stopped = isinstance(exc, KeyboardInterrupt | asyncio.CancelledError | Terminated)
    with contextlib.suppress(StoreError):
        store.mark_run(run_id, "interrupted" if stopped else "failed")


def _count_provenance(points: list[PointSummary]) -> dict[str, Any]:
    """Where each point's token counts came from (``metrics.compute.token_source``)."""
    return {"sources": [p.tokens.token_source for p in points],
            "meaning": "usage: the server's usage report; tokenizer: the model's tokenizer via "
                       "/tokenize; word_estimate: prompt length estimated from its words; "
                       "chunk_count: one token per streamed chunk"}


def _tokens_provenance(points: list[PointSummary]) -> Provenance:
    """``measured`` when every count was reported or tokenized, ``modelled`` when estimated."""
    exact = all(p.tokens.token_source in ("usage", "tokenizer", "none") for p in points)
    return "measured" if exact else "modelled"


async def _measure_point(cfg: BenchConfig, idx: int, value: float, rep: int,
                         endpoint: Endpoint, info: TargetInfo, rng: np.random.Generator,
                         factory: PromptFactory | None, dataset: list[DatasetRequest] | None,
                         pool: ConnectionPool, writer: RecordWriter, store: Store, run_id: str,
                         progress: Progress, meter: EnergyMeter | None,
                         client: httpx.AsyncClient) -> tuple[PointRun, EnergyMeasurement | None]:
    """One repeat of one load point: prompts, load, energy window, storage, cross-check."""
    n = _point_count(cfg, value)
    specs = await _build_specs(cfg, endpoint, info, cfg.warmup_requests + n, rng, factory,
                               dataset)
    offsets = None
    if cfg.mode == "rate":
        offsets = arrival_offsets_s(cfg.arrival, value, len(specs), rng,
                                    gamma_shape=cfg.gamma_shape)
    plan = PointPlan(idx, cfg.mode, value, cfg.warmup_requests, cfg.requests_per_point,
                     cfg.duration_s, [float(x) for x in offsets] if offsets is not None else None)
    store.add_point(run_id, idx, cfg.mode, value)
    stats = LiveStats()
    progress.point_started(idx, cfg.mode, value, stats)
    window = meter.begin() if meter is not None else None
    run = await run_point(plan, pool, _cycler(specs), timeout_s=cfg.timeout_s,
                          on_record=writer.put, stats=stats)
    m = meter.end(window) if meter is not None and window is not None else None
    writer.flush()
    store.finish_point(run_id, idx, run.started_ns, run.ended_ns)
    if not run.server_lost:
        await _cross_check(run.records, info, client)
    counts = [(r.point_index, r.request_index, r.client_output_tokens)
              for r in run.records if r.client_output_tokens is not None]
    if counts:
        store.set_client_counts(run_id, counts)
    if m is not None and not m.valid:
        progress.note(f"energy unavailable for point {idx + 1}: {m.note}")
    return run, m


def make_meter(cfg: BenchConfig, progress: Progress) -> EnergyMeter | None:
    """The energy meter for the server's machine (only meaningful for a local server)."""
    if cfg.energy == "off":
        return None
    idle_w, busy_w = assumed_cpu_power_w(local_cpu())
    meter = probe_meter(cfg.energy, idle_w=idle_w, busy_w=busy_w)
    if meter is not None:
        progress.note(f"energy: {meter.name} ({meter.provenance})")
    return meter


def validate_values(raw: str, what: str) -> tuple[float, ...]:
    """``"1,2,4"`` -> (1.0, 2.0, 4.0); one-line ConfigError otherwise."""
    try:
        vals = tuple(float(x) for x in raw.split(",") if x.strip())
    except ValueError:
        raise ConfigError(f"{what} {raw!r} is not a comma-separated list of numbers; "
                          f"e.g. {what} 1,2,4,8") from None
    if not vals:
        raise ConfigError(f"{what} needs at least one value, e.g. {what} 1,2,4,8")
    for v in vals:
        if not math.isfinite(v) or v <= 0:
            raise ConfigError(f"{what} values must be > 0 (got {v:g}); e.g. {what} 1,2,4,8")
    return vals
