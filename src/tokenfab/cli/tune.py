"""``tokenfab tune``: search engine settings for the cheapest config meeting SLO and quality."""

from __future__ import annotations

import contextlib
import json
import math
import sys
from pathlib import Path

import click
from rich.table import Table

from tokenfab.cli.options import parse_slo
from tokenfab.engines.embedded import parse_models
from tokenfab.errors import ConfigError
from tokenfab.quality.fewshot import PROMPT_STYLES, PromptStyle
from tokenfab.quant.variants import parse_types
from tokenfab.report.console import make_console
from tokenfab.report.fmt import num, usd
from tokenfab.store import Store, default_db_url
from tokenfab.tune.kl_guard import KlGuard
from tokenfab.tune.runner import append_state, load_state, resolved_precision, run_trial
from tokenfab.tune.search import (
    SHIPPED,
    Space,
    best_trial,
    closest_trial,
    next_config,
    pareto_set,
)


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
    if trials < 1:
        raise ConfigError(f"--trials must be >= 1 (got {trials})")
    if not 0 <= quality_floor <= 1:
        raise ConfigError(f"--quality-floor must be within 0..1 (got {quality_floor:g})")
    if not max_kld > 0:
        raise ConfigError(f"--max-kld must be > 0 (got {max_kld:g}); 'inf' turns the guard off")
    slo_obj = parse_slo(slo)
    assert slo_obj is not None
    sp = Space(models=tuple(m.key for m in parse_models(models_spec)),
               precisions=_precisions(precisions), slots=_ints(slots, "--slots", 1),
               threads=_ints(threads_spec, "--threads", 1),
               ctx_per_slot=_ints(ctx_sizes, "--ctx-sizes", 64),
               lookup_n_max=_ints(lookup_spec, "--lookup", 0))
    state = Path(state_path)
    done = load_state(state)
    err = make_console(stderr=True)
    if done:
        err.print(f"tune: resuming, {len(done)} trial(s) already in {state}", highlight=False)
    known = {(t.config.model, resolved_precision(t.config)): t.kld
             for t in done if t.kld is not None}
    guard = KlGuard(known=known) if math.isfinite(max_kld) else None
    with Store(db or default_db_url()) as store, guard or contextlib.nullcontext():
        while len(done) < trials:
            cfg = next_config(sp, done, seed)
            if cfg is None:
                err.print(f"tune: all {len(done)} configurations of the space tried",
                          highlight=False)
                break
            i = len(done) + 1
            err.print(f"tune: trial {i}/{trials} {cfg.key()}", highlight=False)
            t = run_trial(cfg, store=store, slo=slo_obj, quality_floor=quality_floor,
                          tasks_spec=tasks_spec, eval_limit=eval_limit,
                          concurrency=concurrency, requests=requests, hourly_usd=hourly_usd,
                          eval_style=eval_style, guard=guard, max_kld=max_kld)
            append_state(state, t)
            done.append(t)
    best = best_trial(done)
    front = pareto_set(done)
    table = Table(title="tokenfab tune (llama.cpp CPU)", header_style="bold cyan")
    for col in ("config", "out tok/s", "TPOT p50 ms", "$/1M out", "accuracy", "KL", "SLO",
                "quality ok", "pareto"):
        table.add_column(col, justify="left" if col == "config" else "right")
    for t in done:
        table.add_row(t.config.key(), num(t.output_tok_s), num(t.tpot_ms_p50),
                      usd(t.usd_per_mtok_output), f"{t.quality:.0%}",
                      "-" if t.kld is None else f"{t.kld:.3f}",
                      "yes" if t.meets_slo else "no", "yes" if t.meets_quality else "no",
                      "●" if t in front else (t.error or ""))
    console = make_console(stderr=json_path == "-")
    console.print(table)
    default = next((t for t in done if t.config.key() == sp.default().key()), None)
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
        near = closest_trial(done)
        console.print("no configuration met both the SLO and the quality floor"
                      + (f"; closest: {near.config.key()} (quality {near.quality:.0%}, "
                         f"SLO {'met' if near.meets_slo else 'missed'})" if near else ""),
                      highlight=False)
    doc = {"schema": "tokenfab.tune/1", "slo": slo_obj.model_dump(),
           "quality_floor": quality_floor, "max_kld": max_kld if math.isfinite(max_kld) else None,
           "space": sp.model_dump(), "seed": seed,
           "eval": {"tasks": tasks_spec, "limit": eval_limit, "style": eval_style},
           "default": sp.default().key(),
           "trials": [{"config": t.config.model_dump(),
                       "usd_per_mtok_output": t.usd_per_mtok_output, "quality": t.quality,
                       "meets_slo": t.meets_slo, "meets_quality": t.meets_quality,
                       "kld": t.kld,
                       "output_tok_s": t.output_tok_s, "tpot_ms_p50": t.tpot_ms_p50,
                       "run_id": t.run_id, "error": t.error} for t in done],
           "best": best.model_dump(mode="json") if best else None,
           "pareto": [t.config.key() for t in front]}
    if json_path == "-":
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif json_path:
        Path(json_path).write_text(json.dumps(doc, indent=2) + "\n")


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
    items = [p.strip() for p in spec.split(",") if p.strip()]
    named = [p for p in items if p.lower() != SHIPPED]
    checked = iter(parse_types(named, "--precisions") if named else [])
    out = tuple(SHIPPED if p.lower() == SHIPPED else next(checked) for p in items)
    if not out:
        raise ConfigError("--precisions is empty; e.g. shipped,Q4_0,Q8_0")
    return tuple(dict.fromkeys(out))
