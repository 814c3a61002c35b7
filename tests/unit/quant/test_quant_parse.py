"""Parsers of llama.cpp output, on text captured from real runs (llama.cpp in llama-cpp-python
0.3.36, SmolLM2-135M-Instruct)."""

from __future__ import annotations

import pytest

from tokenfab.errors import EngineError
from tokenfab.quant.parse import parse_bench_json, parse_kld, parse_ppl, parse_vm_rss_bytes

# llama-bench -m Q4_1.gguf -p 128 -n 32 -r 2 -t 2 -o json (fields trimmed)
BENCH_JSON = """[
  {
    "model_type": "llama 256M Q4_1", "model_size": 96576768, "n_threads": 2,
    "n_prompt": 128, "n_gen": 0, "n_depth": 0,
    "avg_ns": 373362739, "stddev_ns": 9329495,
    "avg_ts": 342.937201, "stddev_ts": 8.569193,
    "samples_ns": [ 366765818, 379959661 ], "samples_ts": [ 348.997, 336.878 ]
  },
  {
    "model_type": "llama 256M Q4_1", "model_size": 96576768, "n_threads": 2,
    "n_prompt": 0, "n_gen": 32, "n_depth": 0,
    "avg_ns": 326468742, "stddev_ns": 967057,
    "avg_ts": 98.019002, "stddev_ts": 0.290248,
    "samples_ns": [ 325785168, 327152317 ], "samples_ts": [ 98.2242, 97.8138 ]
  }
]"""

# llama-perplexity -m F16.gguf -f corpus.txt -c 128 --chunks 4 --kl-divergence-base base.logits
BASE_LOG = """0.00.311.227 I perplexity: calculating perplexity over 4 chunks, n_ctx=128
0.01.870.705 I perplexity: 1.55 seconds per pass - ETA 0.00 minutes
[1]4.7901,[2]5.9909,[3]6.9523,[4]7.4040,
0.01.971.805 I Final estimate: PPL = 7.4040 +/- 1.18805
"""

# ... the same with -m Q4_1.gguf --kl-divergence (excerpt)
KLD_LOG = """
====== Perplexity statistics ======
Mean PPL(Q)                   :   7.441360 ±   1.200045
Mean PPL(base)                :   7.403921 ±   1.188039
Cor(ln(PPL(Q)), ln(PPL(base))):  99.85%
Mean ln(PPL(Q)/PPL(base))     :   0.005044 ±   0.008924

====== KL divergence statistics ======
Mean    KLD:   0.007341 ±   0.000631
Maximum KLD:   0.083678
99.9%   KLD:   0.077998
Median  KLD:   0.004018
"""


def test_bench_json_splits_prefill_and_decode() -> None:
    speeds = parse_bench_json(BENCH_JSON)
    assert speeds.prefill_tok_per_s == pytest.approx(342.937201)
    assert speeds.decode_tok_per_s == pytest.approx(98.019002)


@pytest.mark.parametrize(
    ("text", "prefill", "decode"),
    [
        ('[{"n_prompt": 128, "n_gen": 0, "avg_ts": 300.5}]', 300.5, None),
        ('[{"n_prompt": 0, "n_gen": 32, "avg_ts": 90.0}]', None, 90.0),
        ("[]", None, None),
    ],
)
def test_bench_json_single_tests(text: str, prefill: float | None, decode: float | None) -> None:
    speeds = parse_bench_json(text)
    assert (speeds.prefill_tok_per_s, speeds.decode_tok_per_s) == (prefill, decode)


@pytest.mark.parametrize("text", ["", "not json", '{"avg_ts": 1}'])
def test_bench_json_garbage_is_one_line_engine_error(text: str) -> None:
    with pytest.raises(EngineError) as exc:
        parse_bench_json(text)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("text", "ppl", "err"),
    [(BASE_LOG, 7.4040, 1.18805), (KLD_LOG, 7.441360, 1.200045)],
)
def test_ppl_from_base_and_kld_runs(text: str, ppl: float, err: float) -> None:
    assert parse_ppl(text) == pytest.approx((ppl, err))


def test_kld_mean() -> None:
    assert parse_kld(KLD_LOG) == pytest.approx(0.007341)


def test_missing_figures_raise_engine_error() -> None:
    with pytest.raises(EngineError, match="perplexity"):
        parse_ppl("perplexity: tokenizing the input ..")
    with pytest.raises(EngineError, match="KLD"):
        parse_kld(BASE_LOG)


def test_nan_perplexity_is_rejected() -> None:
    with pytest.raises(EngineError, match="non-finite"):
        parse_ppl("Final estimate: PPL = nan +/- nan")


@pytest.mark.parametrize(
    ("status", "expected"),
    [("Name:\tllama-server\nVmRSS:\t  147456 kB\nRssAnon: 1 kB\n", 147456 * 1024),
     ("Name:\tzombie\n", None),
     ("VmRSS:\tbroken kB\n", None)],
)
def test_vm_rss_kb_to_bytes(status: str, expected: int | None) -> None:
    assert parse_vm_rss_bytes(status) == expected
