"""The methodology section: formulas, TCO inputs, provenance of every figure, environment and
the command line that reproduces each run (rebuilt from its stored config). Pure."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from tokenfab.report.data import RunView
from tokenfab.report.html_fmt import (
    badge,
    dig,
    fmt_num,
    fmt_usd,
    num,
    per_gpu_everywhere,
    table_html,
    usd_out_band,
)
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.cost import TcoProfile

METRICS: tuple[tuple[str, str], ...] = (
    ("TTFT", "chunk_ns[0] − sent_ns"),
    ("TPOT", "(end_ns − chunk_ns[0]) / (output_tokens − 1), requests with ≥ 2 output tokens"),
    ("ITL", "chunk_ns[k] − chunk_ns[k−1] per chunk (a chunk may hold several tokens)"),
    ("E2E", "end_ns − sent_ns"),
    ("duration", "last measured end_ns − first measured sent_ns of the point"),
    ("output / input tok/s", "token sums of completed measured requests ÷ duration"),
    ("requests/s", "completed ÷ duration"),
    ("per-user tok/s (interactivity)", "median over requests of 1000 / TPOT_ms"),
    ("goodput fraction", "requests meeting every SLO bound ÷ (completed + failed)"),
    ("$/1M output tokens, all-in", "usd_per_hour / (output_tok_s × 3600 × utilization) × 1e6"),
    ("hardware / energy / overhead", "each term's $/hour ÷ (output_tok_s × 3600 × utilization) "
     "× 1e6; they add up to the all-in price"),
    ("energy $/hour", "power_w / 1000 × PUE × usd_per_kwh (measured or modelled power replaces "
     "the assumed one)"),
    ("$/1M in, $/1M out", "cost_usd × share / tokens × 1e6, share = measured prefill (or decode) "
     "time ÷ busy time; in × p_in + out × p_out = cost_usd"),
    ("blended $/1M", "(ratio × p_in + p_out) / (ratio + 1) at the run's input:output ratio"),
    ("J per output token", "joules of the point's window ÷ output tokens"),
    ("tokens per MWh", "tokens ÷ joules × 3.6e9 (output tokens, or input + output)"),
    ("95% CI", "bootstrap over requests (1000 resamples by default), Little's-law ratio "
     "estimator for throughput"),
)

RUN_DEFAULTS = {"ignore_eos": True, "energy": "auto"}
BENCH_DEFAULTS = {"ignore_eos": False, "energy": "off"}
TCO_FLAGS = (("pue", "--pue"), ("usd_per_kwh", "--usd-per-kwh"),
             ("overhead_usd_per_hour", "--overhead-usd-per-hour"),
             ("utilization", "--utilization"))


def _e(s: object) -> str:
    return escape(str(s), quote=True)


def _g(v: Any) -> str:
    return f"{float(v):g}"


def tco_toml(tco: Mapping[str, Any]) -> str:
    """A ``[tco]`` TOML block for ``--profile`` (None fields left out)."""
    lines = ["[tco]"]
    for k in TcoProfile.model_fields:
        v = tco.get(k)
        if v is None:
            continue
        if isinstance(v, bool):
            lines.append(f"{k} = {'true' if v else 'false'}")
        elif isinstance(v, int | float):
            lines.append(f"{k} = {v!r}")
        else:
            lines.append(f"{k} = {json.dumps(str(v))}")
    return "\n".join(lines)


def _cost_args(cfg: Mapping[str, Any]) -> tuple[list[str], str | None]:
    tco = cfg.get("tco")
    if isinstance(tco, Mapping) and tco:
        if tco.get("name") == "hourly" and tco.get("rental_usd_per_hour") is not None:
            args = ["--hourly-usd", _g(tco["rental_usd_per_hour"])]
            base = TcoProfile(rental_usd_per_hour=1.0)
            for key, flag in TCO_FLAGS:
                if tco.get(key) is not None and tco[key] != getattr(base, key):
                    args += [flag, _g(tco[key])]
            if tco.get("overhead_fraction"):
                args += ["--overhead-pct", _g(float(tco["overhead_fraction"]) * 100)]
            if tco.get("energy_included"):
                args.append("--energy-included")
            if (tco.get("accelerators") or 1) != 1:
                args += ["--gpus", str(tco["accelerators"])]
            return args, None
        return ["--profile", "tco.toml"], tco_toml(tco)
    if cfg.get("hourly_usd") is not None:
        return ["--hourly-usd", _g(cfg["hourly_usd"])], None
    return [], None


def reproduce_command(view: RunView) -> tuple[str, str | None] | None:
    """``tokenfab bench|run …`` rebuilt from the stored config, and the TCO profile TOML it
    needs (or None). None for projections and runs without a config."""
    cfg = view.config
    if view.kind == "modelled" or not cfg:
        return None
    kind = "run" if view.detail is not None and view.detail.kind == "run" else "bench"
    defaults = RUN_DEFAULTS if kind == "run" else BENCH_DEFAULTS
    args = ["tokenfab", kind]
    if kind == "bench":
        args += ["--url", str(cfg.get("url")), "--model", str(cfg.get("model"))]
        if cfg.get("api", "chat") != "chat":
            args += ["--api", str(cfg["api"])]
    values = ",".join(_g(v) for v in cfg.get("values") or [])
    if cfg.get("mode") == "rate":
        args += ["--rate", values]
        if cfg.get("arrival", "poisson") != "poisson":
            args += ["--arrival", str(cfg["arrival"])]
        if cfg.get("gamma_shape", 1.0) != 1.0:
            args += ["--gamma-shape", _g(cfg["gamma_shape"])]
    else:
        args += ["--concurrency", values]
    if cfg.get("requests_per_point") is not None:
        args += ["--requests", str(cfg["requests_per_point"])]
    if cfg.get("duration_s") is not None:
        args += ["--duration", _g(cfg["duration_s"])]
    args += ["--warmup", str(cfg.get("warmup_requests", 0))]
    if cfg.get("dataset"):
        args += ["--dataset", str(cfg["dataset"])]
    else:
        for key, flag in (("input_tokens", "--input-tokens"), ("output_tokens", "--output-tokens")):
            spec = cfg.get(key)
            if isinstance(spec, Mapping):
                args += [flag, LengthSpec.model_validate(spec).describe()]
    if cfg.get("ignore_eos", defaults["ignore_eos"]) != defaults["ignore_eos"]:
        args.append("--ignore-eos" if cfg["ignore_eos"] else "--no-ignore-eos")
    slo = cfg.get("slo")
    if isinstance(slo, Mapping):
        parts = [f"{k}={_g(v)}" for k, v in slo.items() if v is not None]
        if parts:
            args += ["--slo", ",".join(parts)]
    cost_args, toml = _cost_args(cfg)
    args += cost_args
    if cfg.get("energy", defaults["energy"]) != defaults["energy"]:
        args += ["--energy", str(cfg["energy"])]
    for key, flag, default in (("repeats", "--repeats", 1), ("blend_ratio", "--blend-ratio", 3.0),
                               ("bootstrap_samples", "--bootstrap", 1000),
                               ("timeout_s", "--timeout", 120.0), ("seed", "--seed", 0)):
        if cfg.get(key) is not None and cfg[key] != default:
            args += [flag, _g(cfg[key]) if isinstance(cfg[key], float) else str(cfg[key])]
    if cfg.get("label"):
        args += ["--label", str(cfg["label"])]
    return " ".join(shlex.quote(a) for a in args), toml


TOKEN_SOURCES = {
    "usage": "token counts from server usage",
    "tokenizer": "token counts from the model's tokenizer (server /tokenize): the server "
                 "reported no usage",
    "word_estimate": "input token counts estimated from prompt words: the server reported no "
                     "usage and has no tokenizer endpoint",
    "chunk_count": "output token counts are streamed chunks (one token each, an estimate): the "
                   "server reported no usage and has no tokenizer endpoint",
    "client": "token counts estimated by the client (tokenizer, word or chunk count): the "
              "server reported no usage",
    "mixed": "token counts from server usage where reported, else estimated by the client",
    "none": "no token counts (no request completed)",
}


def token_counts(view: RunView) -> str:
    """Where the view's token counts came from, per the points' ``tokens.token_source``."""
    found = {str(s) for p in view.points if isinstance(s := dig(p, "tokens", "token_source"), str)}
    found.discard("none")
    if not found:
        return "token counts: source not recorded"
    if len(found) > 1:
        found = {"mixed"}
    src = found.pop()
    return TOKEN_SOURCES.get(src, f"token counts: {src}")


def _provs(view: RunView, *keys: str) -> set[str]:
    return {str(v) for p in view.points if isinstance(v := dig(p, *keys), str)}


def provenance_rows(view: RunView, per_gpu: bool) -> list[list[str]]:
    """(figure, provenance, basis) for every number the report shows for ``view``."""
    measured = view.kind == "measured"
    base = "measured" if measured else "modelled"
    clock = ("client perf_counter_ns timestamps" if measured
             else "roofline model" + (" calibrated on run " + str(dig(view.source, "calibration",
                                                                       "run_id"))
                                      if dig(view.source, "calibration", "run_id") else ""))
    rows = [["throughput (out/in tok/s, req/s)", base,
             f"{clock}; {token_counts(view)}" if measured else clock],
            ["latency (TTFT, TPOT, ITL, E2E) and per-user tok/s", base, clock]]
    if per_gpu:
        rows.append(["GPU count (per-GPU throughput)", "measured" if measured else "assumed",
                     "GPUs in the environment manifest" if measured
                     else "the projection's --gpus"])
    if any(dig(p, "cost") for p in view.points):
        for key, what in (("usd_per_hour", "$/hour"), ("hardware", "hardware $"),
                          ("energy", "energy $"), ("overhead", "overhead $"),
                          ("attribution", "input/output split of $")):
            for prov in sorted(_provs(view, "cost", "provenance", key)):
                basis = {"usd_per_hour": "TCO inputs (flags, profile or catalog)",
                         "hardware": "rental price, or amortized capex + facility (TCO inputs)",
                         "energy": "power × PUE × $/kWh; power from the energy meter when one "
                                   "ran, else the profile's power_w",
                         "overhead": "fixed $/hour + fraction of hardware and energy (TCO "
                                     "inputs)",
                         "attribution": "measured prefill/decode time shares"}[key]
                rows.append([what, prov, basis])
        rows.append(["$ per 1M tokens", "assumed ÷ " + base,
                     "assumed $/hour ÷ " + base + " throughput"])
        if any(dig(p, "cost", "ci95") for p in view.points):
            rows.append(["95% CIs of $", "measured", "bootstrap resampling of requests"])
        kinds = sorted({b.kind for p in view.points if (b := usd_out_band(p)) is not None})
        if kinds:
            rows.append(["ranges of $ (not sampling intervals)", "modelled", "; ".join(kinds)])
    for prov in sorted(_provs(view, "energy", "provenance")):
        sources = sorted({str(dig(p, "energy", "source")) for p in view.points
                          if dig(p, "energy", "provenance") == prov})
        rows.append(["energy (J, J/token, tokens/MWh, W)", prov, ", ".join(sources)])
    if any(num(p, "energy", "j_per_output_token") is not None
           and dig(p, "energy", "provenance") not in ("measured", "modelled", "assumed")
           for p in view.points):
        rows.append(["energy (J, J/token, tokens/MWh, W)", "unknown",
                     "the file does not say whether a meter measured it or a model estimated "
                     "it"])
    if any(num(p, "tokens_per_s_per_mw") is not None for p in view.points):
        rows.append(["energy (J/token, tokens/MWh)", "modelled", "projection tok/s per MW"])
    if measured:
        rows.append(["errors by class", "measured", "client-side classification per request"])
    return [[_e(a), badge(b.split(" ")[0]) + (_e(b[len(b.split(" ")[0]):]) if " " in b else ""),
             _e(c)] for a, b, c in rows]


CAPEX_ONLY = ("capex_usd", "amortization_years", "cost_of_capital", "residual_fraction")


def tco_rows(view: RunView) -> list[list[str]]:
    """(input, value, meaning) of the TCO profile behind a run's prices."""
    cfg = view.config
    tco = cfg.get("tco") if isinstance(cfg.get("tco"), Mapping) else None
    rows: list[list[str]] = []
    if tco:
        owned = tco.get("capex_usd") is not None
        for k, field in TcoProfile.model_fields.items():
            v = tco.get(k)
            if v is None or (k in CAPEX_ONLY and not owned):
                continue
            shown = f"{v:g}" if isinstance(v, float) else str(v).lower() if isinstance(
                v, bool) else str(v)
            rows.append([f"<code>{_e(k)}</code>", _e(shown), _e(field.description or "")])
    elif cfg.get("hourly_usd") is not None:
        rows.append(["<code>hourly_usd</code>", _e(fmt_usd(float(cfg["hourly_usd"]))),
                     "serving cost per hour"])
    else:
        hourly = sorted({round(v, 6) for p in view.points
                         if (v := num(p, "cost", "usd_per_hour")) is not None})
        if hourly:
            rows.append(["<code>usd_per_hour</code>", _e(", ".join(fmt_usd(h) for h in hourly)),
                         "catalog rental price per system-hour"])
    if rows and cfg.get("blend_ratio") is not None:
        rows.append(["<code>blend_ratio</code>", _e(f"{float(cfg['blend_ratio']):g}:1"),
                     "input:output tokens for the blended price"])
    return rows


def methodology_html(views: Sequence[RunView], command: str | None) -> str:
    per_gpu = per_gpu_everywhere(views)
    parts = ['<section id="method"><h2>Methodology</h2>',
             '<p class="lede">How every number above was produced, and where it came from: '
             + badge("measured") + " from a timestamp or counter, " + badge("modelled")
             + " from a model or estimate, " + badge("assumed") + " a price or spec someone "
             "supplied.</p>", "<h3>Formulas</h3>",
             table_html(["metric", "formula"],
                        [[_e(a), f"<code>{_e(b)}</code>"] for a, b in METRICS], cls="wrap")]
    parts.append("<h3>Provenance of every figure</h3>")
    for v in views:
        parts.append(f"<h4>{_e(v.label)}</h4>")
        parts.append(table_html(["figure", "provenance", "basis"], provenance_rows(v, per_gpu),
                                cls="wrap"))
    parts.append("<h3>TCO inputs</h3>")
    for v in views:
        rows = tco_rows(v)
        parts.append(f"<h4>{_e(v.label)} {badge('assumed') if rows else ''}</h4>")
        parts.append(table_html(["input", "value", "meaning"], rows, align="lrl", cls="kv")
                     if rows
                     else '<p class="muted">no cost inputs: run with --hourly-usd, --hardware '
                          "or --profile to price tokens</p>")
    parts.append("<h3>Reproduce</h3>")
    if command:
        parts.append(f'<p>Command given:</p><pre class="cmd"><code>{_e(command)}</code></pre>')
    for v in views:
        rebuilt = reproduce_command(v)
        parts.append(f"<h4>{_e(v.label)}</h4>")
        if rebuilt is None:
            parts.append('<p class="muted">' + ("a projection file does not store its command "
                         "line; see the projection's inputs below" if v.kind == "modelled"
                                                else "no stored config to rebuild a command from")
                         + "</p>")
            continue
        cmd, toml = rebuilt
        parts.append(f'<pre class="cmd"><code>{_e(cmd)}</code></pre>')
        if toml:
            parts.append(f"<p>with <code>tco.toml</code>:</p><pre><code>{_e(toml)}</code></pre>")
    refs = " ".join(shlex.quote(v.ref) for v in views)
    parts.append(f'<p class="muted">This report: <code>tokenfab report {_e(refs)}</code></p>')
    parts.append("<h3>Environment</h3>")
    for v in views:
        env: Any = v.environment or {}
        if v.kind == "modelled":
            env = {k: v.source[k] for k in ("target", "calibration", "provenance",
                                            "max_concurrency_meeting_slo") if k in v.source}
        parts.append(f"<details{' open' if len(views) == 1 else ''}><summary>{_e(v.label)} — "
                     f"<code>{_e(v.run_id)}</code></summary><pre><code>"
                     f"{_e(json.dumps(env, indent=2, sort_keys=True, default=str))}"
                     "</code></pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def environment_line(view: RunView) -> str:
    """One line: CPU, GPUs, memory, engine, OS, tokenfab version (escaped)."""
    env = view.environment
    if view.kind == "modelled":
        hws = sorted({str(p.get("hardware")) for p in view.points if p.get("hardware")})
        return _e(f"modelled on {', '.join(hws) or 'unknown hardware'} (roofline projection)")
    bits = []
    cpu = env.get("cpu")
    if isinstance(cpu, Mapping) and cpu.get("model"):
        bits.append(f"{cpu.get('model')} ×{cpu.get('logical_cores', '?')}")
    gpus = env.get("gpus")
    if isinstance(gpus, list) and gpus:
        names = sorted({str(g.get("name", "GPU")) if isinstance(g, Mapping) else str(g)
                        for g in gpus})
        bits.append(f"{len(gpus)}× {', '.join(names)}")
    if env.get("memory_gib") is not None:
        bits.append(f"{fmt_num(float(env['memory_gib']))} GiB RAM")
    eng = env.get("engine")
    if isinstance(eng, Mapping) and eng.get("kind"):
        bits.append(f"{eng.get('kind')} {eng.get('version', '')}".strip())
    if env.get("os"):
        bits.append(str(env["os"]))
    if env.get("tokenfab_version"):
        bits.append(f"tokenfab {env['tokenfab_version']}")
    return _e(" · ".join(bits) or "environment not recorded")
