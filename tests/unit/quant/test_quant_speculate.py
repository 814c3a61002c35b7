from __future__ import annotations

import pytest

from tokenfab.quant.speculate import copy_prompts, rows_of


def test_rows_speedup_acceptance_and_price() -> None:
    results = {"none": {"copy": (4, 100.0, 0, 0)},
               "prompt-lookup": {"copy": (4, 150.0, 40, 30)}}
    rows = {r.config: r for r in rows_of(results, usd_per_hour=0.36)}
    assert rows["none"].speedup == pytest.approx(1.0) and rows["none"].acceptance is None
    assert rows["prompt-lookup"].speedup == pytest.approx(1.5)
    assert rows["prompt-lookup"].acceptance == pytest.approx(0.75)
    # 0.36 $/h / (150 tok/s × 3600) × 1e6 = $0.6667 per 1M output tokens
    assert rows["prompt-lookup"].usd_per_mtok_output == pytest.approx(0.36 / 150 / 3600 * 1e6)


def test_copy_prompts_are_distinct_passages() -> None:
    ps = copy_prompts(5)
    assert len(set(ps)) == 5 and all("word for word" in p for p in ps)
