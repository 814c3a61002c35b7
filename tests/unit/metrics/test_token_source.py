"""Which source a point's token counts came from: the label a reader trusts the figures by."""

from __future__ import annotations

import pytest

from tokenfab.metrics.compute import summarize_point, token_source
from tokenfab.schemas.records import RequestRecord


def rec(i: int, *, usage: bool = False, client: int | None = None,
        expected_in: int | None = 100, chunks: int = 5) -> RequestRecord:
    return RequestRecord(point_index=0, request_index=i, sent_ns=0, end_ns=10_000_000 + i,
                         first_chunk_ns=1_000_000, chunk_ns=[1_000_000 * (k + 1)
                                                             for k in range(chunks)],
                         input_tokens=100 if usage else None,
                         output_tokens=7 if usage else None, client_output_tokens=client,
                         expected_input_tokens=expected_in)


@pytest.mark.parametrize(("records", "expected"), [
    ([], "none"),
    ([rec(0, usage=True), rec(1, usage=True)], "usage"),
    # no usage, but the server tokenizes: prompts sized and outputs counted with its tokenizer
    ([rec(0, client=6), rec(1, client=7)], "tokenizer"),
    # no usage, no /tokenize: outputs are chunk counts (and inputs word estimates)
    ([rec(0), rec(1)], "chunk_count"),
    # one request without usage is enough to make the point's counts inexact
    ([rec(0, usage=True), rec(1, client=6)], "tokenizer"),
    ([rec(0, usage=True), rec(1)], "chunk_count"),
])
def test_least_exact_source_wins(records: list[RequestRecord], expected: str) -> None:
    assert token_source(records) == expected


def test_word_estimate_when_only_the_input_is_estimated() -> None:
    # output usage reported but no prompt usage: the input is the word-estimated prompt size
    r = rec(0, usage=True)
    r.input_tokens = None
    assert token_source([r]) == "word_estimate"
    r.client_output_tokens = 7  # the server tokenizes: prompts were sized with its tokenizer
    assert token_source([r]) == "tokenizer"


def test_point_summary_carries_the_source_and_counts_chunks() -> None:
    p = summarize_point([rec(0), rec(1)], mode="concurrency", value=1)
    assert p.tokens.token_source == "chunk_count"
    assert p.tokens.output == 10  # 5 chunks each, counted as one token per chunk
