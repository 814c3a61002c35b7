"""Synthetic prompts: exact lengths, distinct offsets, wrap-around and repetition."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from tokenfab.errors import DatasetError
from tokenfab.workload import (
    PromptFactory,
    WordTokenizer,
    corpus_text,
    normalise_whitespace,
    plan_prompts,
)


class FakeTokenizer:
    """Whitespace tokenizer with a fixed vocabulary ``w0 w1 ...`` -> ids 0, 1, ...;
    counts concurrent detokenize calls."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.tokenize_calls = 0
        self.detokenize_calls = 0

    async def tokenize(self, text: str) -> list[int]:
        self.tokenize_calls += 1
        return [int(word[1:]) for word in text.split()]

    async def detokenize(self, ids: Sequence[int]) -> str:
        self.detokenize_calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1
        return " ".join(f"w{i}" for i in ids)


def corpus(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a  b", "a b"),
        ("  a\n\nb\tc \r\n", "a b c"),
        ("", ""),
        ("one", "one"),
    ],
)
def test_normalise_whitespace(raw: str, expected: str) -> None:
    assert normalise_whitespace(raw) == expected


def test_shipped_corpus_loads_with_normalised_whitespace() -> None:
    text = corpus_text()
    assert "We hold these truths to be self-evident" in text
    assert "We the People of the United States" in text
    assert "\n" not in text and "  " not in text
    assert len(text.split()) > 8_000


async def test_prompts_have_exact_lengths_and_distinct_offsets() -> None:
    tokenizer = FakeTokenizer()
    factory = await PromptFactory.create(tokenizer, text=corpus(1_000))
    lengths = [1, 7, 64, 999, 1_000] * 20
    prompts = await factory.prompts(lengths, np.random.default_rng(0))

    assert tokenizer.tokenize_calls == 1
    assert [p.input_tokens_target for p in prompts] == lengths
    assert len({p.offset for p in prompts}) == len(prompts)
    for prompt in prompts:
        ids = await tokenizer.tokenize(prompt.text)
        assert len(ids) == prompt.input_tokens_target
        assert ids == [(prompt.offset + j) % 1_000 for j in range(len(ids))]
        assert prompt.note is None


def test_windows_wrap_around_the_end_of_the_corpus() -> None:
    # five prompts over a five-token corpus use every offset once
    plans = plan_prompts([10, 11, 12, 13, 14], [4] * 5, np.random.default_rng(0))
    by_offset = {p.offset: p.ids for p in plans}
    assert by_offset == {
        0: (10, 11, 12, 13),
        1: (11, 12, 13, 14),
        2: (12, 13, 14, 10),
        3: (13, 14, 10, 11),
        4: (14, 10, 11, 12),
    }


def test_more_prompts_than_offsets_reuse_each_offset_evenly() -> None:
    plans = plan_prompts(list(range(5)), [2] * 12, np.random.default_rng(1))
    counts = Counter(p.offset for p in plans)
    assert set(counts) == {0, 1, 2, 3, 4}
    # 12 = two full permutations of 5 offsets + 2 more
    assert sorted(counts.values()) == [2, 2, 2, 3, 3]


def test_prompt_longer_than_corpus_repeats_it_from_different_offsets() -> None:
    corpus_ids = [10, 11, 12, 13, 14]
    (plan,) = plan_prompts(corpus_ids, [12], np.random.default_rng(2))
    assert len(plan.ids) == 12
    passes = [plan.ids[0:5], plan.ids[5:10], plan.ids[10:12]]
    starts = [p[0] - 10 for p in passes]
    assert starts[0] == plan.offset
    assert starts[0] != starts[1] and starts[1] != starts[2]
    for start, chunk in zip(starts, passes, strict=True):
        assert list(chunk) == [10 + (start + j) % 5 for j in range(len(chunk))]
    assert plan.note is not None
    assert "12 tokens exceed the 5-token corpus" in plan.note
    assert "3 passes" in plan.note


async def test_detokenize_calls_run_concurrently_but_bounded() -> None:
    tokenizer = FakeTokenizer()
    factory = await PromptFactory.create(tokenizer, text=corpus(500), max_concurrency=8)
    await factory.prompts([16] * 100, np.random.default_rng(3))
    assert tokenizer.detokenize_calls == 100
    assert 1 < tokenizer.max_in_flight <= 8


async def test_same_seed_gives_same_prompts() -> None:
    factory = await PromptFactory.create(FakeTokenizer(), text=corpus(300))
    a = await factory.prompts([20, 30, 40], np.random.default_rng(5))
    b = await factory.prompts([20, 30, 40], np.random.default_rng(5))
    c = await factory.prompts([20, 30, 40], np.random.default_rng(6))
    assert a == b
    assert a != c


async def test_word_tokenizer_fallback_estimates_words_from_tokens() -> None:
    factory = await PromptFactory.create(WordTokenizer())
    (prompt,) = await factory.prompts([130], np.random.default_rng(0))
    assert factory.tokens_per_id == 1.3
    assert len(prompt.text.split()) == 100  # 130 tokens / 1.3 tokens per word
    assert prompt.note is not None and "estimated" in prompt.note
    assert prompt.input_tokens_target == 130


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_bad_lengths_are_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="whole numbers of tokens"):
        plan_prompts([1, 2, 3], [bad], np.random.default_rng(0))  # type: ignore[list-item]


async def test_empty_corpus_is_a_dataset_error() -> None:
    with pytest.raises(DatasetError, match="zero tokens"):
        await PromptFactory.create(FakeTokenizer(), text="   ")
