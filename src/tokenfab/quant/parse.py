"""Pure parsers for llama.cpp tool output (llama-bench JSON, llama-perplexity text)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from tokenfab.errors import EngineError

_FINAL_PPL = re.compile(r"Final estimate: PPL = ([0-9.eE+-]+|nan|inf) \+/- ([0-9.eE+-]+|nan|inf)")
_MEAN_PPL_Q = re.compile(r"Mean PPL\(Q\)\s*:\s*([0-9.eE+-]+|nan|inf)\s*±\s*([0-9.eE+-]+|nan|inf)")
_MEAN_KLD = re.compile(r"Mean\s+KLD:\s*([0-9.eE+-]+|nan|inf)")


@dataclass(frozen=True)
class BenchSpeeds:
    """tokens/s from one llama-bench run; None where that test was not run."""

    prefill_tok_per_s: float | None
    decode_tok_per_s: float | None


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise EngineError(f"llama.cpp reported a non-finite {what} ({value}); "
                          "the model output is broken, try more --chunks or another type")
    return value


def parse_bench_json(text: str) -> BenchSpeeds:
    """``llama-bench -o json``: pp test (n_prompt>0, n_gen=0) and tg test (n_gen>0) ``avg_ts``.

    avg_ts = mean over repetitions of tokens / seconds (llama-bench computes it).
    """
    try:
        tests = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EngineError(f"llama-bench printed no JSON ({exc.msg}); run it by hand "
                          "to see why") from None
    if not isinstance(tests, list):
        raise EngineError("llama-bench JSON is not a list of tests; is the build too old?")
    prefill: float | None = None
    decode: float | None = None
    for t in tests:
        if not isinstance(t, dict) or "avg_ts" not in t:
            continue
        ts = _finite(float(t["avg_ts"]), "tok/s")
        if int(t.get("n_gen", 0)) > 0 and int(t.get("n_prompt", 0)) == 0:
            decode = ts
        elif int(t.get("n_prompt", 0)) > 0 and int(t.get("n_gen", 0)) == 0:
            prefill = ts
    return BenchSpeeds(prefill_tok_per_s=prefill, decode_tok_per_s=decode)


def parse_ppl(text: str) -> tuple[float, float]:
    """(PPL, ± error) from ``Final estimate: PPL = X +/- Y`` or, in KL mode, ``Mean PPL(Q)``."""
    m = _FINAL_PPL.search(text) or _MEAN_PPL_Q.search(text)
    if m is None:
        raise EngineError("llama-perplexity printed no perplexity estimate; is the corpus "
                          "shorter than 2 × ctx tokens?")
    return _finite(float(m.group(1)), "perplexity"), float(m.group(2))


def parse_kld(text: str) -> float:
    """Mean KL divergence (nats per token) from ``Mean    KLD:   X ± Y``."""
    m = _MEAN_KLD.search(text)
    if m is None:
        raise EngineError("llama-perplexity printed no 'Mean KLD'; was the base logits file "
                          "written with the same -c and --chunks?")
    return _finite(float(m.group(1)), "KL divergence")


def parse_vm_rss_bytes(status: str) -> int | None:
    """``VmRSS:  12345 kB`` of /proc/PID/status in bytes (kB = 1024 bytes)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            parts = line.split()
            try:
                return int(parts[1]) * 1024
            except (IndexError, ValueError):
                return None
    return None
