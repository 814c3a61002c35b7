"""The public surface of tokenfab.workload is exactly its __all__."""

from __future__ import annotations

import tokenfab.workload as workload

EXPECTED = {
    "DEFAULT_TOKENS_PER_WORD",
    "BadRow",
    "DatasetLoad",
    "DatasetRequest",
    "HttpLlamaTokenizer",
    "Prompt",
    "PromptFactory",
    "PromptPlan",
    "Tokenizer",
    "WordTokenizer",
    "arrival_offsets_s",
    "corpus_text",
    "interarrival_s",
    "load_dataset",
    "normalise_whitespace",
    "parse_length",
    "parse_row",
    "parse_shape",
    "plan_prompts",
    "sample_lengths",
}


def test_all_lists_the_public_api() -> None:
    assert set(workload.__all__) == EXPECTED
    assert len(workload.__all__) == len(EXPECTED)
    for name in workload.__all__:
        assert getattr(workload, name) is not None
