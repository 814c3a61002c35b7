"""Run one trial for real: start llama-server with the configuration, bench it, eval it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tokenfab.engines.embedded import embedded_model
from tokenfab.engines.llamacpp import EngineSettings, LlamaServer
from tokenfab.errors import TokenfabError
from tokenfab.quality import evaluate, load_tasks
from tokenfab.quality.fewshot import PromptStyle
from tokenfab.quant.variants import make_variants
from tokenfab.schemas.config import BenchConfig, LengthSpec, Slo
from tokenfab.session.bench import run_bench
from tokenfab.session.loop import run_async
from tokenfab.store import Store
from tokenfab.tune.kl_guard import KlGuard
from tokenfab.tune.search import SHIPPED, Trial, TrialConfig


def load_state(path: Path) -> list[Trial]:
    """Trials already done (one JSON object per line); a torn last line is ignored."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(Trial.model_validate_json(line))
        except ValueError:
            continue
    return out


def append_state(path: Path, trial: Trial) -> None:
    with path.open("a") as f:
        f.write(trial.model_dump_json() + "\n")
        f.flush()


def resolved_precision(cfg: TrialConfig) -> str:
    """The precision a trial runs at: ``shipped`` -> the model's shipped type."""
    return embedded_model(cfg.model).shipped_type if cfg.precision == SHIPPED else cfg.precision


def run_trial(cfg: TrialConfig, *, store: Store, slo: Slo, quality_floor: float,
              tasks_spec: str, eval_limit: int, concurrency: int, requests: int,
              hourly_usd: float, note: Callable[[str], None] | None = None,
              eval_style: PromptStyle = "chat", guard: KlGuard | None = None,
              max_kld: float = float("inf")) -> Trial:
    extra = ["--threads", str(cfg.threads)]
    if cfg.lookup_n_max:
        extra += ["--spec-type", "ngram-simple", "--spec-draft-n-max", str(cfg.lookup_n_max)]
    try:
        model = embedded_model(cfg.model)
        precision = resolved_precision(cfg)
        variant = make_variants([precision], model=model)[0]
        kld = guard.kld(model, precision) if guard is not None else None
        settings = EngineSettings.for_model(model, Path(variant.path),
                                            parallel_slots=cfg.parallel_slots,
                                            ctx_per_slot=cfg.ctx_per_slot, extra_args=extra)
        with LlamaServer(settings) as srv:
            bench = BenchConfig(url=srv.url, model=settings.alias, values=(float(concurrency),),
                                requests_per_point=requests, warmup_requests=1,
                                input_tokens=LengthSpec(mean=96),
                                output_tokens=LengthSpec(mean=48), ignore_eos=True, slo=slo,
                                hourly_usd=hourly_usd, bootstrap_samples=0,
                                label=f"tune {cfg.key()}")
            res = run_async(run_bench(bench, store, kind="tune"))
            point = res.summary.points[0]
            tasks = load_tasks(tasks_spec).limited(eval_limit).tasks
            ev = run_async(evaluate(srv.url, settings.alias, tasks, concurrency=min(4, len(tasks)),
                                    timeout_s=120, style=eval_style))
    except TokenfabError as exc:
        return Trial(config=cfg, usd_per_mtok_output=None, output_tok_s=0.0, tpot_ms_p50=None,
                     quality=0.0, meets_slo=False, meets_quality=False, error=str(exc))
    tpot = point.latency_ms.get("tpot")
    quality = ev.overall.accuracy
    cost = point.cost.usd_per_mtok_output_all_in if point.cost else None
    met = point.goodput.fraction if point.goodput else 0.0
    trial = Trial(config=cfg, usd_per_mtok_output=cost,
                  output_tok_s=point.throughput.output_tok_s,
                  tpot_ms_p50=tpot.p50 if tpot else None, quality=quality,
                  meets_slo=met >= 0.9, kld=kld,
                  meets_quality=quality >= quality_floor and (kld is None or kld <= max_kld),
                  run_id=res.run_id)
    if note is not None:
        note(json.dumps({"trial": cfg.key(), "usd_per_mtok_output": cost, "quality": quality,
                         "meets_slo": trial.meets_slo}))
    return trial
