"""Measure each variant with llama.cpp's own tools (the I/O edge of ``quant``).

Per variant (all ``measured`` unless said):
- decode and prefill tok/s: ``llama-bench -p P -n 0`` then ``-p 0 -n G`` (``-r R -t T -o json``),
  ``avg_ts`` of each test; the decode run is wrapped in the modelled CPU energy meter
  (``avg_power_w``, provenance ``modelled``; system-wide utilization, so other load on the
  machine inflates it);
- resident memory: VmRSS of a ``llama-server`` (1 slot, 512 ctx) after one short request;
- perplexity and KL divergence on the shipped public-domain corpus with
  ``llama-perplexity -c CTX --chunks N``: the F16 variant writes the base logits once
  (``--kl-divergence-base``), each variant is then scored against them (``--kl-divergence``).
  The F16 file is a re-encoding of the shipped file, i.e. the best reference available here.
  One model per call: KL divergence only compares files that share a vocabulary.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, Field

from tokenfab.energy import probe_meter
from tokenfab.engines.build import cache_root, find_tool
from tokenfab.engines.embedded import embedded_model
from tokenfab.engines.lifecycle import EngineSettings, serving
from tokenfab.errors import EngineError
from tokenfab.quant.models import REFERENCE_TYPE, Measurement, Variant
from tokenfab.quant.parse import (
    BenchSpeeds,
    parse_bench_json,
    parse_kld,
    parse_ppl,
    parse_vm_rss_bytes,
)
from tokenfab.quant.variants import make_variants
from tokenfab.workload.corpus import corpus_text

TOOL_TIMEOUT_S = 600
Progress = Callable[[str], None]


MIN_KLD_TOKENS = 100  # llama-perplexity prints no KL statistics over fewer scored tokens


def scored_tokens(ctx: int, chunks: int) -> int:
    """Tokens llama-perplexity scores: the second half of each chunk minus one,
    ``chunks × (ctx // 2 - 1)``."""
    return chunks * (ctx // 2 - 1)


class PplSettings(BaseModel):
    """What a llama-perplexity run needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threads: int = Field(default=2, ge=1, description="llama.cpp threads (-t)")
    ctx: int = Field(default=128, ge=16, description="perplexity context per chunk (-c)")
    chunks: int = Field(default=8, ge=1, le=100, description="perplexity chunks (--chunks)")


class MeasureSettings(PplSettings):
    """How hard to measure; defaults keep six variants within a few minutes on 2 cores."""

    bench_prompt_tokens: int = Field(default=128, ge=1, description="llama-bench -p")
    bench_gen_tokens: int = Field(default=32, ge=1, description="llama-bench -n")
    bench_reps: int = Field(default=2, ge=1, description="llama-bench -r")
    rss: bool = Field(default=True, description="start llama-server to read VmRSS")
    idle_w: float = Field(gt=0, description="assumed CPU idle power, W")
    busy_w: float = Field(gt=0, description="assumed CPU busy power, W")


class Reference(BaseModel):
    """The KL reference run (F16 re-encoding of the shipped file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quant_type: str
    ppl: float
    ppl_err: float


def _tool(name: str) -> Path:
    path = find_tool(name)
    if path is None:
        raise EngineError(f"{name} is not built yet; run `make setup` "
                          "(or `python -m tokenfab.engines.build`)")
    return path


def _log_path(name: str) -> Path:
    d = cache_root() / "quant" / "logs"
    d.mkdir(parents=True, exist_ok=True)
    return d / name


def run_tool(cmd: list[str], log_name: str) -> tuple[str, str]:
    """Run a llama.cpp tool -> (stdout, stderr), both kept in a log; failure -> one line."""
    log = _log_path(log_name)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        log.write_text("$ " + " ".join(cmd) + f"\ntimed out after {TOOL_TIMEOUT_S}s\n")
        raise EngineError(f"{Path(cmd[0]).name} timed out after {TOOL_TIMEOUT_S}s; "
                          f"see {log}") from None
    log.write_text("$ " + " ".join(cmd) + "\n" + proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    if proc.returncode != 0:
        raise EngineError(f"{Path(cmd[0]).name} exited with {proc.returncode}; see {log}")
    return proc.stdout, proc.stderr


def bench(variant: Variant, s: MeasureSettings) -> tuple[BenchSpeeds, float | None, float]:
    """(speeds, modelled avg CPU power over the decode run in W, decode run seconds)."""
    tool = str(_tool("llama-bench"))
    common = ["-m", variant.path, "-r", str(s.bench_reps), "-t", str(s.threads), "-o", "json"]
    pp_out, _ = run_tool([tool, *common, "-p", str(s.bench_prompt_tokens), "-n", "0"],
                      f"{variant.model}-{variant.quant_type}-bench-pp.log")
    meter = probe_meter("modelled", idle_w=s.idle_w, busy_w=s.busy_w)
    assert meter is not None
    try:
        window = meter.begin()
        tg_out, _ = run_tool([tool, *common, "-p", "0", "-n", str(s.bench_gen_tokens)],
                             f"{variant.model}-{variant.quant_type}-bench-tg.log")
        energy = meter.end(window)
    finally:
        meter.close()
    pp, tg = parse_bench_json(pp_out), parse_bench_json(tg_out)
    speeds = BenchSpeeds(prefill_tok_per_s=pp.prefill_tok_per_s,
                         decode_tok_per_s=tg.decode_tok_per_s)
    power = energy.avg_power_w if energy.valid else None
    return speeds, power, energy.duration_s


def resident_bytes(variant: Variant, s: MeasureSettings) -> int | None:
    """VmRSS of llama-server serving this file after one 8-token completion."""
    settings = EngineSettings.for_model(embedded_model(variant.model), Path(variant.path),
                                        parallel_slots=1, ctx_per_slot=512, threads=s.threads)
    with serving(settings) as served:
        with httpx.Client(timeout=60.0) as client:
            client.post(f"{served.url}/v1/completions",
                        json={"prompt": "The quick brown fox", "max_tokens": 8})
        proc = served.server.proc
        if proc is None:
            return None
        try:
            return parse_vm_rss_bytes(Path(f"/proc/{proc.pid}/status").read_text())
        except OSError:
            return None


def _ppl_cmd(path: str, corpus: Path, s: PplSettings) -> list[str]:
    return [str(_tool("llama-perplexity")), "-m", path, "-f", str(corpus), "-c", str(s.ctx),
            "--chunks", str(s.chunks), "-t", str(s.threads)]


def reference_logits(ref: Variant, corpus: Path, logits: Path,
                     s: PplSettings) -> Reference:
    """Write the base logits of the reference file; its perplexity comes for free."""
    cmd = [*_ppl_cmd(ref.path, corpus, s), "--kl-divergence-base", str(logits)]
    out = "\n".join(run_tool(cmd, f"{ref.model}-reference-ppl.log"))
    ppl, err = parse_ppl(out)
    return Reference(quant_type=ref.quant_type, ppl=ppl, ppl_err=err)


def ppl_kld(variant: Variant, corpus: Path, logits: Path,
            s: PplSettings) -> tuple[float, float, float]:
    """(perplexity, ± error, mean KL divergence vs the base logits)."""
    cmd = [*_ppl_cmd(variant.path, corpus, s), "--kl-divergence-base", str(logits),
           "--kl-divergence"]
    out = "\n".join(run_tool(cmd, f"{variant.model}-{variant.quant_type}-kld.log"))
    ppl, err = parse_ppl(out)
    return ppl, err, parse_kld(out)


def measure_variants(variants: list[Variant], s: MeasureSettings,
                     progress: Progress | None = None) -> tuple[Reference, list[Measurement]]:
    """Measure every variant of one model; its F16 reference is made (cached) when not listed."""
    say = progress or (lambda _msg: None)
    models = {v.model for v in variants}
    if len(models) != 1:
        raise ValueError(f"measure_variants takes variants of one model, got {sorted(models)}")
    model = embedded_model(models.pop())
    ref = next((v for v in variants if v.quant_type == REFERENCE_TYPE), None)
    if ref is None:
        ref = make_variants([REFERENCE_TYPE], model=model)[0]
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="tokenfab-quant-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text(corpus_text(), encoding="utf-8")
        logits = Path(tmp) / "base.logits"
        say(f"{model.key}: reference logits ({ref.quant_type}, {s.chunks} chunks × {s.ctx} "
            "tokens)")
        reference = reference_logits(ref, corpus, logits, s)
        for v in variants:
            say(f"{model.key} {v.quant_type}: llama-bench")
            speeds, power_w, decode_s = bench(v, s)
            rss: int | None = None
            if s.rss:
                say(f"{model.key} {v.quant_type}: resident memory (llama-server)")
                rss = resident_bytes(v, s)
            say(f"{model.key} {v.quant_type}: perplexity + KL divergence")
            ppl, err, kld = ppl_kld(v, corpus, logits, s)
            results.append(Measurement(
                variant=v, decode_tok_per_s=speeds.decode_tok_per_s,
                prefill_tok_per_s=speeds.prefill_tok_per_s, rss_bytes=rss, ppl=ppl,
                ppl_err=err, kld=kld, avg_power_w=power_w, decode_s=decode_s))
    return reference, results
