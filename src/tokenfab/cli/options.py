"""Options shared by ``bench`` and ``run``, and their conversion to a ``BenchConfig``."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from tokenfab.cli.cost_options import build_profile, tco_options
from tokenfab.errors import ConfigError
from tokenfab.outputs import write_output
from tokenfab.schemas.config import (
    MAX_CONCURRENCY,
    MAX_DURATION_S,
    MAX_REQUESTS,
    MAX_TIMEOUT_S,
    BenchConfig,
    Slo,
)
from tokenfab.schemas.summary import RunSummary
from tokenfab.session.bench import validate_values
from tokenfab.workload import parse_length, parse_shape

F = TypeVar("F", bound=Callable[..., Any])


def load_options(default_concurrency: str | None, default_requests: int | None,
                 default_ignore_eos: bool, default_input: str | None = "256",
                 default_energy: str = "off") -> Callable[[F], F]:
    def deco(f: F) -> F:
        opts = [
            click.option("--concurrency", "concurrency", default=default_concurrency,
                         help="closed-loop streams per load point, e.g. 1,2,4,8"),
            click.option("--rate", "rate", default=None,
                         help="open-loop arrival rates in req/s, e.g. 2,4,8"),
            click.option("--arrival", type=click.Choice(["poisson", "gamma", "constant"]),
                         default="poisson", show_default=True, help="arrival process for --rate"),
            click.option("--gamma-shape", type=float, default=1.0, show_default=True,
                         help="gamma shape k (burstier below 1)"),
            click.option("--requests", "requests", type=int, default=default_requests,
                         help="measured requests per load point"),
            click.option("--duration", "duration_s", type=float, default=None,
                         help="max seconds per load point"),
            click.option("--warmup", type=int, default=None,
                         help="warm-up requests per point, not measured"),
            click.option("--input-tokens", default=default_input,
                         help="input length: 256, N(256,64) or U(128,512) "
                              f"[default: {default_input or 128}]"),
            click.option("--output-tokens", default="128", show_default=True,
                         help="output length: 128, N(128,16) or U(64,256)"),
            click.option("--shape", default=None,
                         help="input/output together, e.g. N(256,64)/(128,16)"),
            click.option("--dataset", type=click.Path(dir_okay=False), default=None,
                         help="replay a JSONL file (OpenAI messages or ShareGPT)"),
            click.option("--ignore-eos/--no-ignore-eos", default=default_ignore_eos,
                         show_default=True, help="pin output lengths (ignore_eos, min_tokens)"),
            click.option("--slo", default=None, help="goodput SLO, e.g. ttft_ms=500,tpot_ms=50"),
            click.option("--hourly-usd", type=float, default=None,
                         help="what the serving hardware costs per hour (assumed)"),
            click.option("--energy", type=click.Choice(["auto", "nvml", "rapl", "amd",
                                                        "modelled", "off"]),
                         default=default_energy, show_default=True,
                         help="energy meter for the server's machine (local servers only)"),
            click.option("--repeats", type=int, default=1, show_default=True,
                         help="run each load point N times (CIs across repeats)"),
            click.option("--blend-ratio", type=float, default=3.0, show_default=True,
                         help="input:output tokens for the blended price"),
            click.option("--bootstrap", "bootstrap_samples", type=int, default=1000,
                         show_default=True, help="bootstrap samples for 95% CIs (0: off)"),
            click.option("--timeout", "timeout_s", type=float, default=120.0, show_default=True,
                         help="per-request timeout in seconds"),
            click.option("--seed", type=int, default=0, show_default=True),
            click.option("--label", default=None, help="a name for this run"),
            click.option("--json", "json_path", default=None,
                         help="write the summary JSON here ('-' for stdout)"),
            click.option("--db", default=None, help="SQLAlchemy URL of the results database"),
        ]
        for o in reversed(opts):
            f = o(f)
        return tco_options(f)
    return deco


def parse_slo(text: str | None) -> Slo | None:
    if not text:
        return None
    fields: dict[str, float] = {}
    for part in text.split(","):
        key, sep, val = part.partition("=")
        key = key.strip()
        if not sep or key not in ("ttft_ms", "tpot_ms", "e2e_ms"):
            raise ConfigError(f"--slo {text!r}: use keys ttft_ms, tpot_ms, e2e_ms, "
                              "e.g. --slo ttft_ms=500,tpot_ms=50")
        try:
            fields[key] = float(val)
        except ValueError:
            raise ConfigError(f"--slo {key}={val!r} is not a number of milliseconds") from None
        if not math.isfinite(fields[key]) or fields[key] <= 0:
            raise ConfigError(f"--slo {key} must be a number > 0 ms (got {val})")
    return Slo(**fields)


def check_number(value: float | None, flag: str, *, minimum: float, exclusive: bool = False,
                 maximum: float | None = None, unit: str = "") -> None:
    """A finite number in [minimum, maximum] (``exclusive``: above minimum), else one line."""
    if value is None:
        return
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    low_ok = value > minimum if exclusive else value >= minimum
    rule = f"{'>' if exclusive else '>='} {minimum:g}"
    if maximum is not None:
        rule += f" and <= {maximum:g}"
    if not math.isfinite(value) or not low_ok or (maximum is not None and value > maximum):
        raise ConfigError(f"{flag} must be a number {rule}{unit} (got {shown})")


def build_config(*, url: str, model: str, api: str, concurrency: str | None, rate: str | None,
                 arrival: str, gamma_shape: float, requests: int | None,
                 duration_s: float | None, warmup: int | None, input_tokens: str,
                 output_tokens: str, shape: str | None, dataset: str | None, ignore_eos: bool,
                 slo: str | None, hourly_usd: float | None, timeout_s: float, seed: int,
                 label: str | None, energy: str = "off", repeats: int = 1,
                 blend_ratio: float = 3.0, bootstrap_samples: int = 1000,
                 api_key: str | None = None, default_warmup: int = 0,
                 **tco_flags: Any) -> BenchConfig:
    """Every load flag checked (one line naming the flag), then the validated BenchConfig."""
    if concurrency and rate:
        raise ConfigError("use either --concurrency or --rate, not both")
    if rate:
        mode, values = "rate", validate_values(rate, "--rate")
    else:
        mode, values = "concurrency", validate_values(concurrency or "1", "--concurrency")
        for v in values:
            if v != int(v):
                raise ConfigError(f"--concurrency values must be whole numbers (got {v:g})")
            check_number(v, "--concurrency", minimum=1, maximum=MAX_CONCURRENCY, unit=" streams")
    check_number(requests, "--requests", minimum=1, maximum=MAX_REQUESTS)
    check_number(duration_s, "--duration", minimum=0, exclusive=True, maximum=MAX_DURATION_S,
                 unit=" seconds")
    if requests is None and duration_s is None:
        requests = 32
    check_number(warmup, "--warmup", minimum=0, maximum=MAX_REQUESTS)
    check_number(timeout_s, "--timeout", minimum=0, exclusive=True, maximum=MAX_TIMEOUT_S,
                 unit=" seconds")
    if hourly_usd is not None and (hourly_usd < 0 or not math.isfinite(hourly_usd)):
        raise ConfigError(f"--hourly-usd must be a non-negative number (got {hourly_usd})")
    check_number(gamma_shape, "--gamma-shape", minimum=0, exclusive=True, maximum=1000)
    if shape:
        ins, outs = parse_shape(shape)
    else:
        ins = parse_length(input_tokens, what="--input-tokens")
        outs = parse_length(output_tokens, what="--output-tokens")
    check_number(repeats, "--repeats", minimum=1, maximum=100)
    check_number(bootstrap_samples, "--bootstrap", minimum=0, maximum=100_000)
    check_number(blend_ratio, "--blend-ratio", minimum=0, maximum=1e6)
    check_number(seed, "--seed", minimum=0, maximum=2**63 - 1)
    tco = build_profile(hourly_usd=hourly_usd, **tco_flags)
    if dataset is not None and not Path(dataset).is_file():
        raise ConfigError(f"--dataset {dataset}: no such file; pass a JSONL file")
    return BenchConfig(
        url=url, model=model, api=api,
        mode=mode,
        values=values, arrival=arrival,
        gamma_shape=gamma_shape, requests_per_point=requests, duration_s=duration_s,
        warmup_requests=default_warmup if warmup is None else warmup,
        input_tokens=ins, output_tokens=outs, dataset=dataset, ignore_eos=ignore_eos,
        slo=parse_slo(slo), hourly_usd=hourly_usd, timeout_s=timeout_s, seed=seed,
        api_key=api_key, label=label, tco=tco, energy=energy, repeats=repeats,
        blend_ratio=blend_ratio, bootstrap_samples=bootstrap_samples,
    )


def write_json(summary: RunSummary, path: str | None) -> None:
    if not path:
        return
    write_output(json.dumps(summary.to_json_dict(), indent=2) + "\n", path, "--json")


def finish(status: str, warnings: list[str]) -> None:
    """The end of ``bench``/``run``: a run that did not complete prints each warning as one
    ``tokenfab: warning:`` line and exits 3, so scripts and CI gates notice."""
    if status == "complete":
        return
    for text in warnings or [f"the run ended as {status}"]:
        click.echo(f"tokenfab: warning: {text}", err=True)
    sys.exit(3)
