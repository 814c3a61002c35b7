"""One real trial (start llama-server with the configuration, bench it, eval it) and the
resumable state file of ``tokenfab tune``.

The state file holds one :class:`Trial` as JSON per line, appended as each trial ends. A
tune killed mid-write leaves a torn last line: it is dropped (the file is rewritten without
it before the next trial is appended). Any other line that is not a trial is an error naming
the file and the line, since resuming from a file that is not ours would mix searches.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from tokenfab.engines.embedded import embedded_model
from tokenfab.engines.lifecycle import EngineSettings, serving
from tokenfab.errors import ConfigError, TokenfabError, format_validation
from tokenfab.quality import Task, evaluate
from tokenfab.quant.variants import make_variants
from tokenfab.schemas.config import BenchConfig, LengthSpec
from tokenfab.schemas.tune import SHIPPED, Trial, TrialConfig, TuneConfig
from tokenfab.session.bench import run_bench
from tokenfab.session.loop import run_async
from tokenfab.store import Store
from tokenfab.tune.kl_guard import KlGuard

SLO_FRACTION = 0.9  # a trial meets the SLO when this share of its requests does


def load_state(path: Path) -> tuple[list[Trial], bool]:
    """(trials already done, whether a torn last line was dropped); a missing file -> none.

    A line that is not a trial anywhere but at the end -> one-line ConfigError."""
    if not path.exists():
        return [], False
    if path.is_dir():
        raise ConfigError(f"--state {path}: is a directory; give a file path")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ConfigError(f"--state {path}: not a tokenfab tune state file (not UTF-8 text); "
                          "give another --state path or delete it") from None
    out: list[Trial] = []
    torn = False
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(Trial.model_validate_json(line))
        except ValueError:
            if n == len(lines):
                torn = True
                continue
            raise ConfigError(f"--state {path} line {n}: not a tune trial; give another "
                              "--state path or delete the file to start over") from None
    return out, torn


def rewrite_state(path: Path, trials: list[Trial]) -> None:
    """The state without its torn line, written whole (used once, when resuming)."""
    path.write_text("".join(t.model_dump_json() + "\n" for t in trials), encoding="utf-8")


def append_state(path: Path, trial: Trial) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(trial.model_dump_json() + "\n")
        f.flush()


def resolved_precision(cfg: TrialConfig) -> str:
    """The precision a trial runs at: ``shipped`` -> the model's shipped type."""
    return embedded_model(cfg.model).shipped_type if cfg.precision == SHIPPED else cfg.precision


def failed_trial(cfg: TrialConfig, error: str) -> Trial:
    return Trial(config=cfg, usd_per_mtok_output=None, output_tok_s=0.0, tpot_ms_p50=None,
                 quality=0.0, meets_slo=False, meets_quality=False, error=error)


class RealTrials:
    """The trial runner ``tokenfab tune`` uses: each call serves, benches and evals one
    configuration on the embedded llama.cpp engine. Tests inject a fake in its place."""

    def __init__(self, config: TuneConfig, store: Store, tasks: list[Task],
                 guard: KlGuard | None) -> None:
        self.config = config
        self.store = store
        self.tasks = tasks
        self.guard = guard

    def __call__(self, cfg: TrialConfig) -> Trial:
        c = self.config
        extra = ["--threads", str(cfg.threads)]
        if cfg.lookup_n_max:
            extra += ["--spec-type", "ngram-simple", "--spec-draft-n-max", str(cfg.lookup_n_max)]
        try:
            model = embedded_model(cfg.model)
            precision = resolved_precision(cfg)
            variant = make_variants([precision], model=model)[0]
            kld = self.guard.kld(model, precision) if self.guard is not None else None
            settings = EngineSettings.for_model(model, Path(variant.path),
                                                parallel_slots=cfg.parallel_slots,
                                                ctx_per_slot=cfg.ctx_per_slot,
                                                extra_args=extra)
            with serving(settings) as served:
                bench = BenchConfig(url=served.url, model=served.alias,
                                    values=(float(c.concurrency),),
                                    requests_per_point=c.requests, warmup_requests=1,
                                    input_tokens=LengthSpec(mean=96),
                                    output_tokens=LengthSpec(mean=48), ignore_eos=True,
                                    slo=c.slo, hourly_usd=c.hourly_usd, bootstrap_samples=0,
                                    label=f"tune {cfg.key()}")
                res = run_async(run_bench(bench, self.store, kind="tune",
                                          engine_info=served.engine_info()))
                point = res.summary.points[0]
                ev = run_async(evaluate(served.url, served.alias, self.tasks,
                                        concurrency=min(4, len(self.tasks)), timeout_s=120,
                                        style=c.eval_style))
        except TokenfabError as exc:
            return failed_trial(cfg, str(exc))
        except ValidationError as exc:
            return failed_trial(cfg, format_validation(exc))
        tpot = point.latency_ms.get("tpot")
        quality = ev.overall.accuracy
        met = point.goodput.fraction if point.goodput else 0.0
        return Trial(config=cfg,
                     usd_per_mtok_output=point.cost.usd_per_mtok_output_all_in
                     if point.cost else None,
                     output_tok_s=point.throughput.output_tok_s,
                     tpot_ms_p50=tpot.p50 if tpot else None, quality=quality,
                     meets_slo=met >= SLO_FRACTION, kld=kld,
                     meets_quality=quality >= c.quality_floor
                     and (kld is None or kld <= c.max_kld),
                     run_id=res.run_id)
