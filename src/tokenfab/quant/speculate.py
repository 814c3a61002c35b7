"""Speculative-decoding economics on the embedded engine. Measurement + pure arithmetic.

For each configuration (none; prompt lookup = llama.cpp ``--spec-type ngram-simple``; a draft
model = a lower-precision variant of the same GGUF, which shares its tokenizer exactly) and each
workload (``copy``: repeat a given passage, where lookup should help; ``free``: open-ended
writing, where it should not), requests are sent one at a time (temperature 0) and the
server's own timings are read:

    decode_tok_s   = Σ predicted_n / Σ predicted_ms × 1000          (measured, server timings)
    acceptance     = Σ draft_n_accepted / Σ draft_n                   (measured)
    speedup        = decode_tok_s / decode_tok_s(none, same workload)
    usd_per_mtok   = usd_per_hour / (decode_tok_s × 3600) × 1e6       (assumed price)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from tokenfab.cost.price import usd_per_mtok
from tokenfab.engines.embedded import EmbeddedModel, embedded_model
from tokenfab.engines.lifecycle import EngineSettings, serving
from tokenfab.errors import EngineError
from tokenfab.schemas.speculate import CTX_TOKENS, SpecRow
from tokenfab.workload.corpus import corpus_text

WORKLOADS = ("copy", "free")
FREE_PROMPTS = (
    "Write a short story about a lighthouse keeper who finds a message in a bottle.",
    "Describe a busy market on a rainy morning.",
    "Explain to a child why the sky changes colour at sunset.",
    "Write a letter from a traveller to a friend back home.",
)
WorkloadStats = tuple[int, float, int, int]  # (requests, decode tok/s, drafted, accepted)


@dataclass(frozen=True)
class SpecConfig:
    """One way of serving: a name and the llama-server arguments that select it."""

    name: str
    args: tuple[str, ...]


def copy_prompts(n: int, words: int = 60) -> list[str]:
    """Passages of the shipped public-domain corpus to repeat verbatim."""
    text = corpus_text().split()
    step = max(1, (len(text) - words) // max(n, 1))
    return [f"Repeat the following passage exactly, word for word:\n\n"
            f"{' '.join(text[i * step:i * step + words])}" for i in range(n)]


def prompts_for(workload: str, n: int) -> list[str]:
    if workload == "copy":
        return copy_prompts(n)
    return [FREE_PROMPTS[i % len(FREE_PROMPTS)] for i in range(n)]


def measure_workloads(client: httpx.Client, url: str, workloads: tuple[str, ...], n: int,
                      max_tokens: int, config: str = "") -> dict[str, WorkloadStats]:
    """Per workload, ``n`` requests one at a time: (requests, decode tok/s, draft_n,
    draft_n_accepted) from the server's timings. A 4xx/5xx or a dead server -> one line."""
    out: dict[str, WorkloadStats] = {}
    for wl in workloads:
        pred_n = 0
        pred_ms = 0.0
        drafted = accepted = 0
        for prompt in prompts_for(wl, n):
            try:
                r = client.post(f"{url}/v1/chat/completions",
                                json={"messages": [{"role": "user", "content": prompt}],
                                      "max_tokens": max_tokens, "temperature": 0, "seed": 0})
                r.raise_for_status()
                body = r.json()
            except httpx.HTTPStatusError as exc:
                code = exc.response.status_code
                fix = ("lower --max-tokens (prompt + reply must fit the "
                       f"{CTX_TOKENS}-token context) or --draft-max"
                       if code < 500 else "see the llama-server log; try another --draft")
                raise EngineError(f"llama-server answered HTTP {code} to a {wl} request "
                                  f"({config or 'speculate'}): "
                                  f"{exc.response.text[:120].strip()!r}; {fix}") from None
            except httpx.HTTPError as exc:
                raise EngineError(f"llama-server stopped answering during the {wl} workload "
                                  f"({config or 'speculate'}: {type(exc).__name__}); "
                                  "see the llama-server log") from None
            except ValueError:
                raise EngineError(f"llama-server sent a reply that is not JSON during the {wl} "
                                  "workload; see the llama-server log") from None
            t = body.get("timings", {}) if isinstance(body, dict) else {}
            pred_n += int(t.get("predicted_n", 0))
            pred_ms += float(t.get("predicted_ms", 0.0))
            drafted += int(t.get("draft_n", 0))
            accepted += int(t.get("draft_n_accepted", 0))
        out[wl] = (n, pred_n / pred_ms * 1000 if pred_ms > 0 else 0.0, drafted, accepted)
    return out


def measure_config(cfg: SpecConfig, workloads: tuple[str, ...], n: int, max_tokens: int,
                   model_path: Path | None, model: EmbeddedModel | None = None
                   ) -> dict[str, WorkloadStats]:
    """Serve the model with ``cfg``'s arguments (one slot) and measure every workload."""
    settings = EngineSettings.for_model(model or embedded_model(None), model_path,
                                        parallel_slots=1, ctx_per_slot=CTX_TOKENS,
                                        extra_args=list(cfg.args))
    with serving(settings) as served, httpx.Client(timeout=120) as client:
        return measure_workloads(client, served.url, workloads, n, max_tokens, cfg.name)


def rows_of(results: dict[str, dict[str, WorkloadStats]],
            usd_per_hour: float) -> list[SpecRow]:
    """Pure: speed-up against the ``none`` configuration of the same workload."""
    rows = []
    for name, per_wl in results.items():
        for wl, (n, tok_s, drafted, acc) in per_wl.items():
            base = results.get("none", {}).get(wl)
            rows.append(SpecRow(
                config=name, workload=wl, requests=n, decode_tok_s=tok_s,
                acceptance=acc / drafted if drafted else None,
                speedup=tok_s / base[1] if base and base[1] > 0 else None,
                usd_per_mtok_output=usd_per_mtok(usd_per_hour, tok_s)))
    return rows


def run_speculation(configs: list[SpecConfig], *, n: int, max_tokens: int, usd_per_hour: float,
                    progress: Callable[[str], None] | None = None,
                    model: EmbeddedModel | None = None) -> list[SpecRow]:
    results: dict[str, dict[str, WorkloadStats]] = {}
    for cfg in configs:
        if progress is not None:
            progress(f"measuring {cfg.name}")
        results[cfg.name] = measure_config(cfg, WORKLOADS, n, max_tokens, None, model)
    return rows_of(results, usd_per_hour)
