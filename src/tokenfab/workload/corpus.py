"""Synthetic prompts of exact token lengths, cut from a shipped public-domain corpus.

Each prompt is a window of the corpus token stream at a random offset, so requests do not
share prefixes and a server's prefix cache cannot flatter the results.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

from tokenfab.errors import DatasetError
from tokenfab.workload.tokenizers import (
    DEFAULT_TOKENS_PER_WORD,
    HttpLlamaTokenizer,
    Tokenizer,
    WordTokenizer,
)

__all__ = [
    "DEFAULT_TOKENS_PER_WORD",
    "HttpLlamaTokenizer",
    "Prompt",
    "PromptFactory",
    "PromptPlan",
    "Tokenizer",
    "WordTokenizer",
    "corpus_text",
    "normalise_whitespace",
    "plan_prompts",
]

DEFAULT_DETOKENIZE_CONCURRENCY = 8


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace (newlines, tabs, spaces) to one space; strip the ends."""
    return " ".join(text.split())


def corpus_text() -> str:
    """The shipped corpus: every ``tokenfab/workload/data/*.txt`` in name order, whitespace
    normalised, joined by single spaces."""
    data = resources.files("tokenfab.workload").joinpath("data")
    files = sorted((f for f in data.iterdir() if f.name.endswith(".txt")), key=lambda f: f.name)
    texts = [normalise_whitespace(f.read_text(encoding="utf-8")) for f in files]
    text = " ".join(t for t in texts if t)
    if not text:
        raise DatasetError(
            "the prompt corpus tokenfab/workload/data/*.txt is missing or empty; reinstall tokenfab"
        )
    return text


@dataclass(frozen=True)
class Prompt:
    """One synthetic prompt.

    ``text`` is the detokenized corpus window of ``input_tokens_target`` tokens starting at
    token ``offset``. For the chat API it becomes the single user message; the chat template
    then adds a few tokens (role markers), so the server's reported ``usage.prompt_tokens`` is
    the true count. Re-tokenizing a window can also differ by a token at its edges. ``note``
    says when the length is an estimate or the corpus had to repeat.
    """

    text: str
    input_tokens_target: int
    offset: int
    note: str | None = None


@dataclass(frozen=True)
class PromptPlan:
    """Which corpus ids one prompt uses: ``ids`` (positions already resolved), its start
    ``offset`` and an optional ``note``."""

    ids: tuple[int, ...]
    input_tokens_target: int
    offset: int
    note: str | None


def _distinct_offsets(
    count: int, corpus_len: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """``count`` start offsets in [0, corpus_len): without replacement while count <= corpus_len,
    otherwise whole permutations back to back, so each offset is reused as rarely as possible."""
    if count <= corpus_len:
        return rng.choice(corpus_len, size=count, replace=False).astype(np.int64)
    rounds = math.ceil(count / corpus_len)
    return np.concatenate([rng.permutation(corpus_len) for _ in range(rounds)])[:count].astype(
        np.int64
    )


def _window(start: int, length: int, corpus_len: int) -> npt.NDArray[np.int64]:
    """Positions ``start, start+1, ..., start+length-1`` modulo ``corpus_len`` (wrap around)."""
    return (start + np.arange(length, dtype=np.int64)) % corpus_len


def plan_prompts(
    corpus_ids: Sequence[int],
    lengths_tokens: Sequence[int],
    rng: np.random.Generator,
    *,
    tokens_per_id: float = 1.0,
) -> list[PromptPlan]:
    """Choose each prompt's corpus window. Pure.

    A prompt of ``T`` tokens uses ``n = max(1, round(T / tokens_per_id))`` ids (``tokens_per_id``
    is 1 for a real tokenizer, e.g. 1.3 for the word fallback). Windows start at distinct random
    offsets and wrap past the end of the corpus. When ``n`` exceeds the corpus length ``L``, the
    prompt is ``ceil(n / L)`` passes over the corpus, each from a new random offset (no exact
    periodic repetition for n-gram lookahead to exploit), and its note says so.
    """
    ids = np.asarray(corpus_ids, dtype=np.int64)
    corpus_len = int(ids.size)
    if corpus_len == 0:
        raise DatasetError("the prompt corpus tokenized to zero tokens; check the tokenizer")
    if tokens_per_id <= 0 or not math.isfinite(tokens_per_id):
        raise ValueError(f"tokens_per_id must be positive (got {tokens_per_id:g})")
    for tokens in lengths_tokens:
        if int(tokens) != tokens or tokens < 1:
            raise ValueError(f"prompt lengths must be whole numbers of tokens >= 1 (got {tokens})")
    unit = "tokens" if tokens_per_id == 1.0 else "words"
    offsets = _distinct_offsets(len(lengths_tokens), corpus_len, rng)
    plans: list[PromptPlan] = []
    for tokens, offset in zip(lengths_tokens, offsets.tolist(), strict=True):
        n_ids = max(1, round(int(tokens) / tokens_per_id))
        notes: list[str] = []
        if tokens_per_id != 1.0:
            notes.append(
                f"estimated length: {n_ids} words ~ {int(tokens)} tokens"
                f" at {tokens_per_id:g} tokens/word"
            )
        if n_ids <= corpus_len:
            positions = _window(offset, n_ids, corpus_len)
        else:
            passes = math.ceil(n_ids / corpus_len)
            starts = [offset]
            for _ in range(passes - 1):
                # a new start, different from the previous pass's (when the corpus allows)
                step = int(rng.integers(1, corpus_len)) if corpus_len > 1 else 0
                starts.append((starts[-1] + step) % corpus_len)
            chunks = [
                _window(start, min(corpus_len, n_ids - k * corpus_len), corpus_len)
                for k, start in enumerate(starts)
            ]
            positions = np.concatenate(chunks)
            notes.append(
                f"{n_ids} {unit} exceed the {corpus_len}-{unit[:-1]} corpus;"
                f" it repeats over {passes} passes,"
                " each from a different offset"
            )
        plans.append(
            PromptPlan(
                ids=tuple(ids[positions].tolist()),
                input_tokens_target=int(tokens),
                offset=int(offset),
                note="; ".join(notes) or None,
            )
        )
    return plans


class PromptFactory:
    """Builds prompts of exact token lengths from the corpus token stream.

    ``factory = await PromptFactory.create(tokenizer)`` tokenizes the corpus once;
    ``await factory.prompts([256, 512], rng)`` returns one :class:`Prompt` per length, each a
    window at a distinct random offset, detokenized ``max_concurrency`` at a time.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        corpus_ids: Sequence[int],
        *,
        tokens_per_id: float = 1.0,
        max_concurrency: int = DEFAULT_DETOKENIZE_CONCURRENCY,
    ) -> None:
        if not corpus_ids:
            raise DatasetError("the prompt corpus tokenized to zero tokens; check the tokenizer")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1 (got {max_concurrency})")
        self._tokenizer = tokenizer
        self._corpus_ids = tuple(int(i) for i in corpus_ids)
        self.tokens_per_id = tokens_per_id
        self.max_concurrency = max_concurrency

    @classmethod
    async def create(
        cls,
        tokenizer: Tokenizer,
        *,
        text: str | None = None,
        tokens_per_id: float | None = None,
        max_concurrency: int = DEFAULT_DETOKENIZE_CONCURRENCY,
    ) -> PromptFactory:
        """Tokenize ``text`` (default: the shipped corpus) once with ``tokenizer``.

        ``tokens_per_id`` defaults to ``tokenizer.tokens_per_word`` for a :class:`WordTokenizer`
        and to 1 otherwise.
        """
        source = corpus_text() if text is None else normalise_whitespace(text)
        if tokens_per_id is None:
            tokens_per_id = (
                tokenizer.tokens_per_word if isinstance(tokenizer, WordTokenizer) else 1.0
            )
        ids = await tokenizer.tokenize(source)
        return cls(tokenizer, ids, tokens_per_id=tokens_per_id, max_concurrency=max_concurrency)

    @property
    def corpus_ids(self) -> tuple[int, ...]:
        """The corpus token stream prompts are cut from."""
        return self._corpus_ids

    async def prompts(
        self, lengths_tokens: Sequence[int], rng: np.random.Generator
    ) -> list[Prompt]:
        """One prompt per requested length, in order; offsets are distinct across the batch."""
        plans = plan_prompts(
            self._corpus_ids, lengths_tokens, rng, tokens_per_id=self.tokens_per_id
        )
        gate = asyncio.Semaphore(self.max_concurrency)

        async def render(plan: PromptPlan) -> Prompt:
            async with gate:
                text = await self._tokenizer.detokenize(plan.ids)
            return Prompt(
                text=text,
                input_tokens_target=plan.input_tokens_target,
                offset=plan.offset,
                note=plan.note,
            )

        return list(await asyncio.gather(*(render(p) for p in plans)))
