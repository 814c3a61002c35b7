"""The KL guard of ``tokenfab tune``: how far a precision moves the model's next-token
distribution, measured once per (model, precision) with llama-perplexity.

Twenty eval items cannot see quantization damage on a 135M–270M model (the quantize study
shows Q4_0 "scoring" as well as F16 at KL 0.7), so a trial also has to keep

    kld = mean KL(F16 re-encoding ‖ variant) over KL_CHUNKS × KL_CTX tokens of the shipped
          corpus  ≤  max_kld                                            (measured)

The F16 reference logits are written once per model per tune invocation into a temporary
folder; the KL values are kept in the trials' state, so a resumed tune only measures
precisions it has not seen.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import TracebackType

from tokenfab.engines.embedded import EmbeddedModel
from tokenfab.quant.measure import PplSettings, ppl_kld, reference_logits
from tokenfab.quant.models import REFERENCE_TYPE
from tokenfab.quant.variants import make_variants
from tokenfab.workload.corpus import corpus_text

KL_CHUNKS = 4
KL_CTX = 128


class KlGuard:
    """Context manager: ``guard.kld(model, precision)`` -> nats/token, memoised."""

    def __init__(self, threads: int = 2, known: dict[tuple[str, str], float] | None = None):
        self.settings = PplSettings(threads=threads, ctx=KL_CTX, chunks=KL_CHUNKS)
        self.known: dict[tuple[str, str], float] = dict(known or {})
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._logits: dict[str, Path] = {}

    def __enter__(self) -> KlGuard:
        self._tmp = tempfile.TemporaryDirectory(prefix="tokenfab-tune-kl-")
        (Path(self._tmp.name) / "corpus.txt").write_text(corpus_text(), encoding="utf-8")
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def kld(self, model: EmbeddedModel, precision: str) -> float:
        key = (model.key, precision)
        if key not in self.known:
            assert self._tmp is not None, "use KlGuard as a context manager"
            corpus = Path(self._tmp.name) / "corpus.txt"
            if model.key not in self._logits:
                logits = Path(self._tmp.name) / f"{model.key}.logits"
                ref = make_variants([REFERENCE_TYPE], model=model)[0]
                reference_logits(ref, corpus, logits, self.settings)
                self._logits[model.key] = logits
            variant = make_variants([precision], model=model)[0]
            self.known[key] = ppl_kld(variant, corpus, self._logits[model.key], self.settings)[2]
        return self.known[key]
