"""``tokenfab speculate`` as one library call: does speculative decoding make tokens cheaper
on the embedded engine? Measurement and formulas in :mod:`tokenfab.quant.speculate`.

Configurations: ``none`` (plain decoding), ``prompt-lookup`` (llama.cpp ``ngram-simple``) and,
unless ``draft`` is empty, ``draft-<TYPE>`` (a lower-precision variant of the same GGUF as the
draft model, which shares its tokenizer exactly).
"""

from __future__ import annotations

from collections.abc import Callable

from tokenfab.engines.embedded import embedded_model
from tokenfab.errors import ConfigError
from tokenfab.quant.speculate import SpecConfig, run_speculation
from tokenfab.quant.variants import make_variants, parse_types
from tokenfab.schemas.speculate import SpeculateConfig, SpeculateResult

Progress = Callable[[str], None]


def speculate(config: SpeculateConfig, *, progress: Progress | None = None) -> SpeculateResult:
    """Every input is checked (model, draft type) before the first engine starts."""
    model = embedded_model(config.model)
    drafts = parse_types(config.draft, "--draft") if config.draft.strip() else []
    if len(drafts) > 1:
        raise ConfigError(f"--draft {config.draft}: give one precision (e.g. Q2_K), or '' "
                          "to skip the draft model")
    draft = drafts[0] if drafts else None
    n_max = str(config.draft_max)
    configs = [SpecConfig("none", ("--spec-type", "none")),
               SpecConfig("prompt-lookup", ("--spec-type", "ngram-simple",
                                            "--spec-draft-n-max", n_max))]
    if draft is not None:
        path = make_variants([draft], model=model)[0].path
        configs.append(SpecConfig(f"draft-{draft}", ("--spec-type", "draft-simple",
                                                     "--spec-draft-model", str(path),
                                                     "--spec-draft-n-max", n_max)))
    rows = run_speculation(configs, n=config.requests, max_tokens=config.max_tokens,
                           usd_per_hour=config.hourly_usd, progress=progress, model=model)
    return SpeculateResult(model=model.key, usd_per_hour=config.hourly_usd, rows=rows,
                           model_display=f"{model.display} {model.shipped_type}")


__all__ = ["Progress", "speculate"]
