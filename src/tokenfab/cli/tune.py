"""``tokenfab tune``: search engine settings for the cheapest config meeting SLO and quality.
Parses flags into a :class:`TuneConfig`, calls :func:`tokenfab.session.tune.tune`, prints."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tokenfab.cli.flags import validated
from tokenfab.cli.options import parse_slo
from tokenfab.errors import ConfigError, EngineError
from tokenfab.outputs import check_writable, write_output
from tokenfab.quant.variants import parse_types
from tokenfab.report.console import make_console
from tokenfab.report.fmt import num, usd
from tokenfab.schemas.evaluate import PROMPT_STYLES, PromptStyle
from tokenfab.schemas.tune import SHIPPED, Space, TuneConfig, TuneResult
from tokenfab.session.tune import tune

SPACE_FLAGS = {"ctx_per_slot": "--ctx-sizes", "lookup_n_max": "--lookup"}
TUNE_FLAGS = {"state_path": "--state", "db_url": "--db", "tasks": "--tasks"}

@click.command("tune")
@click.option("--trials", type=int, default=6, show_default=True, help="trial budget")
@click.option("--slo", default="tpot_ms=60", show_default=True,
              help="latency SLO a config must meet for 90% of requests")
@click.option("--quality-floor", type=float, default=0.2, show_default=True,
              help="minimum task accuracy (0-1)")
@click.option("--max-kld", type=float, default=0.1, show_default=True,
              help="largest KL divergence from the model's F16 re-encoding a precision may "
                   "have, nats/token (measured once per precision); 'inf' turns the guard off")
@click.option("--tasks", "tasks_spec", default="arithmetic,extraction", show_default=True)
@click.option("--eval-limit", type=int, default=10, show_default=True)
@click.option("--eval-style", type=click.Choice(PROMPT_STYLES), default="chat", show_default=True,
              help="prompt style of each trial's eval (fewshot suits pre-trained base models)")
@click.option("--concurrency", type=int, default=4, show_default=True, help="bench streams")
@click.option("--requests", type=int, default=12, show_default=True, help="bench requests")
@click.option("--hourly-usd", type=float, default=0.10, show_default=True)
@click.option("--models", "models_spec", default="smollm2-135m", show_default=True,
              help="embedded models to choose between (smollm2-135m, gemma3-270m)")
@click.option("--precisions", default="shipped,Q4_0,Q8_0", show_default=True,
              help="'shipped' = each model's own file; others are re-quantized from it")
@click.option("--slots", default="8,1,2,4", show_default=True, help="parallel slots (-np)")
@click.option("--threads", "threads_spec", default="2,1", show_default=True)
@click.option("--ctx-sizes", default="512,1024", show_default=True,
              help="context per slot, tokens")
@click.option("--lookup", "lookup_spec", default="0,4,8", show_default=True,
              help="prompt-lookup draft lengths (0 = speculative decoding off)")
@click.option("--state", "state_path", default="tokenfab-tune.jsonl", show_default=True,
              help="trials so far; a killed tune resumes from here")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "json_path", default=None, help="write JSON here ('-' for stdout)")
@click.option("--db", default=None, help="SQLAlchemy URL for the trials' bench runs")
def tune_cmd(trials: int, slo: str, quality_floor: float, max_kld: float, tasks_spec: str,
             eval_limit: int,
             eval_style: PromptStyle,
             concurrency: int, requests: int, hourly_usd: float, models_spec: str,
             precisions: str, slots: str, threads_spec: str, ctx_sizes: str, lookup_spec: str,
             state_path: str, seed: int, json_path: str | None, db: str | None) -> None:
    """Cheapest engine configuration (model, precision, slots, threads, context, prompt-lookup
    length) meeting a latency SLO and a quality floor, from real bench + eval trials;
    resumable. The first value of each axis is the default configuration."""
    space = validated(Space, SPACE_FLAGS, models=_models(models_spec),
                      precisions=_precisions(precisions), slots=_ints(slots, "--slots", 1),
                      threads=_ints(threads_spec, "--threads", 1),
                      ctx_per_slot=_ints(ctx_sizes, "--ctx-sizes", 64),
                      lookup_n_max=_ints(lookup_spec, "--lookup", 0))
    config = validated(TuneConfig, TUNE_FLAGS, trials=trials, slo=parse_slo(slo),
                       quality_floor=quality_floor, max_kld=max_kld, tasks=tasks_spec,
                       eval_limit=eval_limit, eval_style=eval_style, concurrency=concurrency,
                       requests=requests, hourly_usd=hourly_usd, space=space,
                       state_path=Path(state_path), seed=seed, db_url=db)
    check_writable(json_path, "--json")
    err = make_console(stderr=True)
    result = tune(config, progress=lambda m: err.print(f"tune: {m}", highlight=False))
    print_tune(result, make_console(stderr=json_path == "-"))
    if json_path:
        write_output(json.dumps(result.to_json_dict(), indent=2) + "\n", json_path, "--json")
    if result.all_failed:
        raise EngineError(f"all {len(result.trials)} trials failed, nothing was measured; "
                          f"the first: {result.trials[0].error}")


def print_tune(result: TuneResult, console: Console) -> None:
    """The trials table, then the best configuration (or the closest one) in words."""
    done = result.trials
    front = set(result.pareto)
    table = Table(title="tokenfab tune (llama.cpp CPU)", header_style="bold cyan")
    for col in ("config", "out tok/s", "TPOT p50 ms", "$/1M out", "accuracy", "KL", "SLO",
                "quality ok", "pareto"):
        table.add_column(col, justify="left" if col == "config" else "right")
    for t in done:
        table.add_row(t.config.key(), num(t.output_tok_s), num(t.tpot_ms_p50),
                      usd(t.usd_per_mtok_output), f"{t.quality:.0%}",
                      "-" if t.kld is None else f"{t.kld:.3f}",
                      "yes" if t.meets_slo else "no", "yes" if t.meets_quality else "no",
                      "●" if t.config.key() in front else (t.error or ""))
    console.print(table)
    best = result.best
    default = next((t for t in done if t.config.key() == result.default), None)
    if best is not None:
        msg = f"best: {best.config.key()} at {usd(best.usd_per_mtok_output)} per 1M output tokens"
        if default is not None and best.config == default.config:
            msg += (f" — the default configuration is already the cheapest of the {len(done)} "
                    "tried that meets the SLO and the quality floor; raise --trials to search more")
        elif default is not None and not (default.meets_slo and default.meets_quality):
            misses = [w for w, ok in (("the SLO", default.meets_slo),
                                      ("the quality floor/KL guard", default.meets_quality))
                      if not ok]
            msg += (f"; the default {default.config.key()} misses {' and '.join(misses)} "
                    f"(accuracy {default.quality:.0%}, {usd(default.usd_per_mtok_output)})")
        elif default is not None and default.usd_per_mtok_output and best.usd_per_mtok_output:
            saving = 1 - best.usd_per_mtok_output / default.usd_per_mtok_output
            word = "cheaper" if saving >= 0 else "dearer"
            msg += (f" ({abs(saving):.0%} {word} than the default {default.config.key()} at "
                    f"{usd(default.usd_per_mtok_output)}; quality {best.quality:.0%} vs "
                    f"{default.quality:.0%})")
        console.print(msg, highlight=False)
    else:
        near = result.closest
        console.print("no configuration met both the SLO and the quality floor"
                      + (f"; closest: {near.config.key()} (quality {near.quality:.0%}, "
                         f"SLO {'met' if near.meets_slo else 'missed'})" if near else ""),
                      highlight=False)


def _models(spec: str) -> tuple[str, ...]:
    """``"smollm2-135m, Gemma3-270m"`` -> keys in order, without repeats (checked by tune)."""
    out = tuple(dict.fromkeys(m.strip().lower() for m in spec.split(",") if m.strip()))
    if not out:
        raise ConfigError("--models is empty; choose from smollm2-135m, gemma3-270m")
    return out


def _ints(spec: str, flag: str, minimum: int) -> tuple[int, ...]:
    """``"8,1,2"`` -> (8, 1, 2); non-integers, values below ``minimum`` or empty -> one line."""
    out: list[int] = []
    for raw in spec.split(","):
        if not raw.strip():
            continue
        try:
            v = int(raw)
        except ValueError:
            raise ConfigError(f"{flag} {raw.strip()!r}: not an integer; give a comma list "
                              "like 1,2,4") from None
        if v < minimum:
            raise ConfigError(f"{flag} {v}: must be >= {minimum}")
        if v not in out:
            out.append(v)
    if not out:
        raise ConfigError(f"{flag} is empty; give a comma list like 1,2,4")
    return tuple(out)


def _precisions(spec: str) -> tuple[str, ...]:
    """``shipped`` stays symbolic (each model's own file); the rest are checked type names."""
    out = tuple(SHIPPED if p.strip().lower() == SHIPPED else parse_types([p], "--precisions")[0]
                for p in spec.split(",") if p.strip())
    if not out:
        raise ConfigError("--precisions is empty; e.g. shipped,Q4_0,Q8_0")
    return tuple(dict.fromkeys(out))
