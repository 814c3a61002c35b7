"""Bundled model catalog: parameters, bytes, KV and FLOPs against hand calculations.

Notation in the comments: h = hidden_size, L = layers, nq/nkv = query/KV heads, d = head_dim,
I = MLP width, V = vocab, E = V × h (input embedding), H = V × h (output head, 0 when tied).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import get_args

import pytest

from tokenfab.cost import catalog
from tokenfab.errors import ConfigError
from tokenfab.roofline.loading import load_model
from tokenfab.roofline.models import BYTES_PER_PARAM, Precision, bytes_per_param

GIB = 2**30

# ---- parameters --------------------------------------------------------------------------

TOTAL_PARAMS = [
    # Llama-3.1-8B: attention 4096×(4096+2×1024) + 4096×4096 = 41,943,040; MLP 3×4096×14336 =
    # 176,160,768; norms 2×4096 → 218,112,000/layer × 32 = 6,979,584,000; E + H = 2 × 128256 ×
    # 4096 = 1,050,673,152; final norm 4096 → 8,030,261,248 (Hub safetensors count, exact).
    ("llama-3.1-8b", 8_030_261_248, 0.0),
    # Llama-3.1-70B: (8192×(8192+2048) + 8192² + 3×8192×28672 + 2×8192) × 80 + 2×128256×8192
    # + 8192 = 855,654,400 × 80 + 2,101,346,304 + 8192 = 70,553,706,496 ≈ 70.6e9.
    ("llama-3.1-70b", 70_553_706_496, 0.0),
    ("llama-3.3-70b", 70_553_706_496, 0.0),
    # Llama-3.1-405B: (16384×(16384+2048) + 16384² + 3×16384×53248 + 2×16384) × 126
    # + 2×128256×16384 + 16384 = 3,187,703,808 × 126 + 4,202,692,608 + 16384 ≈ 405.85e9.
    ("llama-3.1-405b", 405.8e9, 0.005),
    # Mixtral-8x7B: attention 41,943,040 + 8 experts × 3×4096×14336 (1,409,286,144)
    # + router 4096×8 + norms 8192 → 1,451,270,144 × 32 + 2×32000×4096 + 4096 ≈ 46.70e9.
    ("mixtral-8x7b", 46.7e9, 0.005),
    # Qwen3-30B-A3B: attention 2048×(4096+2×512) + 4096×2048 + qk-norm 256 = 18,874,624;
    # 128 experts × 3×2048×768 = 603,979,776; router 262,144; norms 4096 → 623,120,640 × 48
    # + 2×151936×2048 + 2048 = 30,532,122,624 ≈ 30.5e9.
    ("qwen3-30b-a3b", 30.5e9, 0.005),
    # Qwen3-235B-A22B: (4096×9216 + 8192×4096 + 256 + 128×3×4096×1536 + 4096×128 + 8192) × 94
    # + 2×151936×4096 + 4096 ≈ 235.1e9.
    ("qwen3-235b-a22b", 235.1e9, 0.005),
    # DeepSeek-V3 (main model; the ~14B MTP module is excluded): MLA attention per layer
    # 7168×1536 + 1536 + 1536×128×192 + 7168×576 + 512 + 512×128×256 + 128×128×7168
    # = 187,107,328 × 61; 3 dense MLPs 3×7168×18432; 58 MoE layers × (257 experts × 3×7168×2048
    # + router 7168×256 + bias 256); norms; E + H = 2×129280×7168 → 671,026,419,200 ≈ 671e9.
    ("deepseek-v3", 671e9, 0.005),
    ("deepseek-r1", 671e9, 0.005),
    # gpt-oss-120b: 36 layers × 128 experts × (3×2880² + biases 3×2880) = 114,701,598,720;
    # attention 36 × (2880×5120 + 4096×2880 + biases + 64 sinks) ≈ 0.96e9; E + H = 2×201088×2880
    # = 1,158,266,880 → 116.83e9 (OpenAI model card: 116.83B).
    ("gpt-oss-120b", 116.8e9, 0.02),
    ("gpt-oss-20b", 20.91e9, 0.005),
    # SmolLM2-135M (tied): (576×(576+2×192) + 576² + 3×576×1536 + 2×576) × 30 + 49152×576 + 576
    # = 3,540,096 × 30 + 28,311,552 + 576 = 134,515,008.
    ("smollm2-135m", 134.5e6, 0.001),
    # Gemma-3-270M (tied): (640×(1024+2×256) + 1024×640 + qk-norm 512 + 3×640×2048 + 4 norms
    # × 640) × 18 + 262144×640 + 640 = 5,573,632 × 18 + 167,772,160 + 640 = 268,098,176.
    ("gemma-3-270m", 268e6, 0.03),
]


@pytest.mark.parametrize(("name", "expected", "rel"), TOTAL_PARAMS)
def test_total_params(name: str, expected: float, rel: float) -> None:
    assert load_model(name).total_params() == pytest.approx(expected, rel=rel, abs=0)


ACTIVE_PARAMS = [
    # Dense: active = total.
    ("llama-3.1-8b", 8_030_261_248, 0.0),
    # Mixtral: total − 32 layers × (8 − 2) idle experts × 176,160,768 = 12,879,925,248 ≈ 12.9e9.
    ("mixtral-8x7b", 12.9e9, 0.005),
    # Qwen3-30B-A3B: total − 48 × (128 − 8) × 4,718,592 = 3,353,032,704 ≈ 3.3e9 (E and H in).
    ("qwen3-30b-a3b", 3.35e9, 0.01),
    # DeepSeek-V3: total − 58 × (256 − 8) × 44,040,192 = 37,552,297,472 ≈ 37e9.
    ("deepseek-v3", 37e9, 0.02),
    # gpt-oss-120b: total − 36 × (128 − 4) × 24,891,840 = 5,711,982,912 with E counted once;
    # OpenAI's 5.13B leaves E (0.58e9) out: see test_gpt_oss_openai_active_excludes_embedding.
    ("gpt-oss-120b", 5.71e9, 0.005),
]


@pytest.mark.parametrize(("name", "expected", "rel"), ACTIVE_PARAMS)
def test_active_params(name: str, expected: float, rel: float) -> None:
    assert load_model(name).active_params() == pytest.approx(expected, rel=rel, abs=0)


def test_gpt_oss_openai_active_excludes_embedding() -> None:
    # OpenAI's model card: 5.13B active (120b), 3.61B (20b) = active − E = linear FLOPs / 2.
    for name, openai_active in (("gpt-oss-120b", 5.13e9), ("gpt-oss-20b", 3.61e9)):
        spec = load_model(name)
        assert spec.active_params() - spec.embedding_params() == pytest.approx(openai_active,
                                                                               rel=0.005)
        assert spec.linear_flops_per_token() / 2 == pytest.approx(openai_active, rel=0.005)


@pytest.mark.parametrize(("name", "n_moe_layers", "n_experts", "top_k"), [
    ("mixtral-8x7b", 32, 8, 2),
    ("qwen3-30b-a3b", 48, 128, 8),
    ("deepseek-v3", 58, 256, 8),  # 61 layers, first_k_dense_replace = 3
    ("gpt-oss-120b", 36, 128, 4),
    ("gpt-oss-20b", 24, 32, 4),
    ("llama-3.1-8b", 0, 0, 0),
])
def test_moe_structure(name: str, n_moe_layers: int, n_experts: int, top_k: int) -> None:
    spec = load_model(name)
    assert (spec.n_moe_layers, spec.n_experts, spec.experts_per_token) == (
        n_moe_layers, n_experts, top_k)


def test_tied_embeddings_count_once() -> None:
    smol = load_model("smollm2-135m")
    assert smol.tie_word_embeddings and smol.head_params() == 0
    assert smol.embedding_params() == 49152 * 576 == 28_311_552
    gemma = load_model("gemma-3-270m")  # no tie_word_embeddings key: Gemma 3 defaults to tied
    assert gemma.tie_word_embeddings and gemma.head_params() == 0


def test_mtp_module_excluded_from_deepseek_counts() -> None:
    spec = load_model("deepseek-v3")
    assert spec.mtp_layers == 1
    assert spec.total_params() < 672e9  # the 685B checkpoint includes ~14B of MTP


# ---- bytes -------------------------------------------------------------------------------


def test_bytes_per_param_table() -> None:
    # 4-bit formats carry one 1-byte scale per 32 weights: 0.5 + 1/32 = 0.53125 B (4.25 bits).
    assert dict(BYTES_PER_PARAM) == {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0,
                                     "fp4": 0.53125, "int4": 0.53125}
    assert set(get_args(Precision)) == set(get_args(catalog.Precision))


def test_unknown_precision_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown precision 'fp6'"):
        bytes_per_param("fp6")  # type: ignore[arg-type]


@pytest.mark.parametrize(("precision", "expected_bytes"), [
    ("bf16", 2 * 8_030_261_248),
    ("fp16", 2 * 8_030_261_248),
    ("fp8", 8_030_261_248),
    ("int8", 8_030_261_248),
    ("int4", 0.53125 * 8_030_261_248),
])
def test_weight_bytes_llama_8b(precision: Precision, expected_bytes: float) -> None:
    spec = load_model("llama-3.1-8b")
    assert spec.weight_bytes(precision) == pytest.approx(expected_bytes)
    assert spec.expert_weight_bytes(precision) == 0
    assert spec.dense_weight_bytes(precision) == pytest.approx(expected_bytes)


@pytest.mark.parametrize("name", ["mixtral-8x7b", "deepseek-v3", "qwen3-30b-a3b"])
def test_expert_and_dense_bytes_add_up(name: str) -> None:
    spec = load_model(name)
    for precision in get_args(Precision):
        total = spec.expert_weight_bytes(precision) + spec.dense_weight_bytes(precision)
        assert total == pytest.approx(spec.weight_bytes(precision))


@pytest.mark.parametrize(("name", "checkpoint_gib"), [
    # OpenAI model card: MXFP4 experts + BF16 rest = 60.8 GiB (120b), 12.8 GiB (20b).
    # 120b: 114.70e9 × 0.53125 + 2.128e9 × 2 = 65.19e9 B = 60.7 GiB.
    ("gpt-oss-120b", 60.8),
    ("gpt-oss-20b", 12.8),
])
def test_gpt_oss_mixed_precision_checkpoint_size(name: str, checkpoint_gib: float) -> None:
    spec = load_model(name)
    size = spec.expert_weight_bytes("fp4") + spec.dense_weight_bytes("bf16")
    assert size / GIB == pytest.approx(checkpoint_gib, rel=0.01)


# ---- KV cache ----------------------------------------------------------------------------

KV_BYTES_PER_TOKEN = [
    ("llama-3.1-8b", 2 * 32 * 8 * 128 * 2),     # 131,072 B = 128 KiB
    ("llama-3.1-70b", 2 * 80 * 8 * 128 * 2),    # 327,680 B = 320 KiB
    ("llama-3.1-405b", 2 * 126 * 8 * 128 * 2),  # 516,096 B = 504 KiB
    ("mixtral-8x7b", 2 * 32 * 8 * 128 * 2),     # 131,072 B
    ("qwen3-30b-a3b", 2 * 48 * 4 * 128 * 2),    # 98,304 B
    ("deepseek-v3", 61 * (512 + 64) * 2),       # MLA latent + rope key: 70,272 B
    ("gpt-oss-120b", 2 * 36 * 8 * 64 * 2),      # 73,728 B before the sliding cap
    ("smollm2-135m", 2 * 30 * 3 * 64 * 2),      # 23,040 B
    ("gemma-3-270m", 2 * 18 * 1 * 256 * 2),     # 18,432 B before the sliding cap
]


@pytest.mark.parametrize(("name", "expected"), KV_BYTES_PER_TOKEN)
def test_kv_bytes_per_token_bf16(name: str, expected: int) -> None:
    assert load_model(name).kv_bytes_per_token() == expected


def test_kv_bytes_scale_with_dtype() -> None:
    spec = load_model("llama-3.1-8b")
    assert spec.kv_bytes_per_token(kv_dtype_bytes=1) == 65_536  # FP8 KV: half of BF16
    assert spec.kv_bytes(1000, kv_dtype_bytes=1) == 65_536 * 1000


SLIDING = [
    # gemma-3-270m: 15 sliding layers (window 512) + 3 full, 2×1×256 = 512 elements per
    # layer-token, 2 B → 1,024 B per layer-token.
    ("gemma-3-270m", 100, 18 * 100 * 1024),                # under the window: nothing capped
    ("gemma-3-270m", 512, 18 * 512 * 1024),
    ("gemma-3-270m", 8192, (3 * 8192 + 15 * 512) * 1024),  # 33,030,144 B
    # gpt-oss-120b: 18 sliding (window 128) + 18 full, 2×8×64 × 2 B = 2,048 B per layer-token.
    ("gpt-oss-120b", 1000, (18 * 1000 + 18 * 128) * 2048),  # 41,582,592 B
    # Llama has no sliding layers: 32 × 1000 × 2×8×128×2.
    ("llama-3.1-8b", 1000, 32 * 1000 * 4096),
]


@pytest.mark.parametrize(("name", "context_len", "expected"), SLIDING)
def test_kv_bytes_caps_sliding_layers_at_the_window(
    name: str, context_len: int, expected: int
) -> None:
    spec = load_model(name)
    assert spec.kv_bytes(context_len) == expected
    assert spec.kv_bytes_per_token(context_len=context_len) == pytest.approx(
        expected / context_len)


def test_sliding_layer_counts() -> None:
    gemma = load_model("gemma-3-270m")
    assert (gemma.n_sliding_layers, gemma.sliding_window) == (15, 512)  # 5:1 local:global
    oss = load_model("gpt-oss-120b")
    assert (oss.n_sliding_layers, oss.sliding_window) == (18, 128)  # alternating
    assert load_model("mixtral-8x7b").sliding_window is None  # sliding_window: null


def test_kv_average_needs_a_positive_context() -> None:
    with pytest.raises(ConfigError, match="context_len must be >= 1"):
        load_model("llama-3.1-8b").kv_bytes_per_token(context_len=0)
    with pytest.raises(ConfigError, match="context_len must be >= 0"):
        load_model("llama-3.1-8b").kv_bytes(-1)


# ---- FLOPs -------------------------------------------------------------------------------


def test_llama_8b_flops_at_context_zero_exclude_the_embedding_lookup() -> None:
    spec = load_model("llama-3.1-8b")
    # 2 × (8,030,261,248 − E 525,336,576) = 2 × 7,504,924,672 ≈ 2 × 7.5e9
    assert spec.linear_flops_per_token() == 2 * 7_504_924_672
    assert spec.flops_per_token(0) == spec.linear_flops_per_token()


def test_tied_head_still_costs_a_matmul() -> None:
    spec = load_model("smollm2-135m")
    # tied: 2 × (total − E + V×h) = 2 × total = 269,030,016
    assert spec.linear_flops_per_token() == 2 * 134_515_008


ATTENTION_FLOPS = [
    # GQA: 2 × 2 × L × nq × d × context
    ("llama-3.1-8b", 8192, 2 * 2 * 32 * 32 * 128 * 8192),  # 4,294,967,296
    # MLA: 2 × nq × (qk 192 + v 128) × L × context
    ("deepseek-v3", 1000, 2 * 128 * (192 + 128) * 61 * 1000),
    # gpt-oss-120b: 2 × 2 × 64 × 64 × (18 × 1000 + 18 × min(1000, 128))
    ("gpt-oss-120b", 1000, 2 * 2 * 64 * 64 * (18 * 1000 + 18 * 128)),
    # gemma-3-270m: 2 × 2 × 4 × 256 × (3 × 4096 + 15 × 512)
    ("gemma-3-270m", 4096, 2 * 2 * 4 * 256 * (3 * 4096 + 15 * 512)),
]


@pytest.mark.parametrize(("name", "context_len", "expected"), ATTENTION_FLOPS)
def test_attention_flops_per_token(name: str, context_len: int, expected: int) -> None:
    spec = load_model(name)
    assert spec.attention_flops_per_token(context_len) == expected
    assert spec.flops_per_token(context_len) == spec.linear_flops_per_token() + expected


# ---- bundled data ------------------------------------------------------------------------


def test_every_bundled_config_names_its_hub_source() -> None:
    folder = resources.files("tokenfab.roofline").joinpath("data").joinpath("models")
    files = [e for e in folder.iterdir() if e.name.endswith(".json")]
    assert len(files) == 37
    for entry in files:
        meta = json.loads(entry.read_text("utf-8"))["_tokenfab"]
        assert meta["source"] == f"config.json of {meta['hf_id']} on the Hugging Face Hub"
        assert load_model(entry.name.removesuffix(".json")).hf_id == meta["hf_id"]


def test_llama_2_70b_for_mlperf_rows() -> None:
    m = load_model("meta-llama/Llama-2-70b-chat-hf")
    # 2 × 32000 × 8192 (embedding + head) + 80 × (attention 8192×(8192+2×1024+8192)
    #   + MLP 3 × 8192 × 28672 + 2 norms × 8192) + final norm 8192 = 68,976,648,192
    assert m.total_params() == 68_976_648_192
    assert m.kv_bytes_per_token() == 2 * 80 * 8 * 128 * 2  # 320 KiB
