"""The shipped config set against published sizes, and the architectures it added.

Published sizes are the publishers' own figures (model cards, technical reports); a bundled
config whose counts drift more than 3% from them has a wrong field.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest

from tokenfab.errors import ConfigError
from tokenfab.roofline.hf_config import spec_from_config
from tokenfab.roofline.loading import list_models, load_model
from tokenfab.roofline.models import ModelSpec

TOLERANCE = 0.03

# (short name, published total params, source). Multimodal checkpoints: the decoder only,
# unless the publisher's figure includes the vision encoder (said so).
PUBLISHED_TOTAL = [
    ("llama-3.1-8b", 8.03e9, "Meta model card"),
    ("llama-3.1-70b", 70.6e9, "Meta model card"),
    ("llama-3.1-405b", 405e9, "Meta model card"),
    ("llama-3.2-1b", 1.23e9, "Meta model card: 1.23B"),
    ("llama-3.2-3b", 3.21e9, "Meta model card: 3.21B"),
    ("llama-3.3-70b", 70.6e9, "Meta model card"),
    ("llama-4-scout", 109e9, "Meta: 109B total, vision encoder included (decoder 107.8B)"),
    ("llama-4-maverick", 400e9, "Meta: 400B total"),
    ("qwen3-0.6b", 0.6e9, "Qwen3 model card"),
    ("qwen3-4b", 4.0e9, "Qwen3 model card"),
    ("qwen3-8b", 8.2e9, "Qwen3 model card"),
    ("qwen3-14b", 14.8e9, "Qwen3 model card"),
    ("qwen3-32b", 32.8e9, "Qwen3 model card"),
    ("qwen3-30b-a3b", 30.5e9, "Qwen3 model card"),
    ("qwen3-235b-a22b", 235e9, "Qwen3 model card"),
    ("qwen2.5-7b", 7.61e9, "Qwen2.5 model card"),
    ("qwen2.5-72b", 72.7e9, "Qwen2.5 model card"),
    ("deepseek-v3", 671e9, "DeepSeek-V3 report: 671B main model (+14B MTP)"),
    ("deepseek-r1", 671e9, "DeepSeek-R1 card"),
    ("gpt-oss-20b", 20.91e9, "OpenAI model card"),
    ("gpt-oss-120b", 116.83e9, "OpenAI model card"),
    ("mixtral-8x7b", 46.7e9, "Mistral: 46.7B"),
    ("mixtral-8x22b", 141e9, "Mistral: 141B"),
    ("gemma-3-1b", 1.0e9, "Gemma 3 report table 1: 302M embedding + 698M"),
    ("gemma-3-4b", 3.884e9, "Gemma 3 report table 1: 675M embedding + 3,209M (vision apart)"),
    ("gemma-3-12b", 11.771e9, "Gemma 3 report table 1: 1,012M + 10,759M (vision apart)"),
    ("gemma-3-27b", 27.016e9, "Gemma 3 report table 1: 1,416M + 25,600M (vision apart)"),
    ("mistral-7b", 7.25e9, "Mistral 7B v0.3 card"),
    ("mistral-small-24b", 24e9, "Mistral Small 3 card: 24B"),
    ("mistral-large-2", 123e9, "Mistral Large 2 card: 123B"),
    ("phi-4", 14.7e9, "Microsoft phi-4 card"),
    ("kimi-k2", 1.04e12, "Moonshot Kimi K2 card: 1T total (report 1.04T)"),
    ("glm-4.5", 355e9, "Z.ai GLM-4.5 card: 355B"),
    ("glm-4.5-air", 106e9, "Z.ai GLM-4.5 card: 106B"),
]

Convention = Literal["all", "no_input_embedding", "no_embeddings"]
# (short name, published active params, what the publisher counts, source)
PUBLISHED_ACTIVE: list[tuple[str, float, Convention, str]] = [
    ("llama-4-scout", 17e9, "all", "Meta: 17B active"),
    ("llama-4-maverick", 17e9, "all", "Meta: 17B active"),
    ("qwen3-30b-a3b", 3.3e9, "all", "Qwen3 card: 3.3B activated"),
    ("qwen3-235b-a22b", 22e9, "all", "Qwen3 card: 22B activated"),
    ("deepseek-v3", 37e9, "all", "DeepSeek-V3 report: 37B activated"),
    ("mixtral-8x7b", 12.9e9, "all", "Mistral: 12.9B active"),
    ("mixtral-8x22b", 39e9, "all", "Mistral: 39B active"),
    ("gpt-oss-120b", 5.13e9, "no_input_embedding", "OpenAI card: 5.13B active"),
    ("gpt-oss-20b", 3.61e9, "no_input_embedding", "OpenAI card: 3.61B active"),
    ("kimi-k2", 32e9, "no_input_embedding", "Moonshot: 32B activated"),
    ("glm-4.5", 32e9, "no_embeddings", "Z.ai: 32B active"),
    ("glm-4.5-air", 12e9, "no_embeddings", "Z.ai: 12B active"),
]


def _active(spec: ModelSpec, convention: Convention) -> int:
    """all: active_params; no_input_embedding: − E; no_embeddings: − E − H."""
    active = spec.active_params()
    if convention == "all":
        return active
    active -= spec.embedding_params()
    return active if convention == "no_input_embedding" else active - spec.head_params()


@pytest.mark.parametrize(("name", "published", "source"), PUBLISHED_TOTAL)
def test_total_params_match_the_published_size(name: str, published: float, source: str) -> None:
    assert load_model(name).total_params() == pytest.approx(published, rel=TOLERANCE), source


@pytest.mark.parametrize(("name", "published", "convention", "source"), PUBLISHED_ACTIVE)
def test_active_params_match_the_published_figure(
    name: str, published: float, convention: Convention, source: str
) -> None:
    spec = load_model(name)
    assert _active(spec, convention) == pytest.approx(published, rel=TOLERANCE), source


def test_every_bundled_model_has_a_published_size() -> None:
    checked = {name for name, _, _ in PUBLISHED_TOTAL}
    assert set(list_models()) - checked == {"gemma-3-270m", "llama-2-70b", "smollm2-135m"}


# ---- architectures the set added ---------------------------------------------------------


@pytest.mark.parametrize(("name", "n_moe", "n_experts", "shared", "dense_width", "expert_width"), [
    # Scout: every layer MoE (16 routed + 1 shared of 8192); Maverick: odd layers MoE (128 + 1),
    # even layers a dense 16384-wide MLP (intermediate_size_mlp).
    ("llama-4-scout", 48, 16, 1, 16384, 8192),
    ("llama-4-maverick", 24, 128, 1, 16384, 8192),
    ("kimi-k2", 60, 384, 1, 18432, 2048),  # 61 layers, first_k_dense_replace 1
    ("glm-4.5", 89, 160, 1, 12288, 1536),  # 92 layers, first_k_dense_replace 3
    ("glm-4.5-air", 45, 128, 1, 10944, 1408),
    ("mixtral-8x22b", 56, 8, 0, 16384, 16384),
])
def test_moe_layouts(name: str, n_moe: int, n_experts: int, shared: int, dense_width: int,
                     expert_width: int) -> None:
    spec = load_model(name)
    assert (spec.n_moe_layers, spec.n_experts, spec.n_shared_experts) == (n_moe, n_experts, shared)
    assert (spec.intermediate_size, spec.moe_intermediate_size) == (dense_width, expert_width)


def test_llama_4_chunked_layers_cap_the_kv_cache() -> None:
    # 36 RoPE layers attend within 8192-token chunks, 12 NoPE layers globally; 2 × 8 × 128 × 2 B
    # = 4,096 B per layer-token.
    spec = load_model("llama-4-scout")
    assert (spec.n_sliding_layers, spec.sliding_window) == (36, 8192)
    assert spec.kv_bytes(100_000) == (12 * 100_000 + 36 * 8192) * 4096


def test_kimi_k2_is_deepseek_v3_attention_with_half_the_heads() -> None:
    kimi, v3 = load_model("kimi-k2"), load_model("deepseek-v3")
    assert kimi.mla == v3.mla and (kimi.n_heads, v3.n_heads) == (64, 128)
    assert kimi.kv_bytes_per_token() == v3.kv_bytes_per_token() == 61 * (512 + 64) * 2
    assert kimi.mtp_layers == 0 and kimi.router_bias


def test_glm_biases_qkv_but_not_the_output_projection() -> None:
    glm, air = load_model("glm-4.5"), load_model("glm-4.5-air")
    assert (glm.qkv_bias, glm.o_bias, glm.qk_norm, glm.mtp_layers) == (True, False, True, 1)
    assert air.qk_norm is False  # use_qk_norm: false
    # per layer: 5120 × (96 + 2 × 8) × 128 + 96 × 128 × 5120 + q/k/v bias (96 + 16) × 128
    # + q/k-norm 2 × 128
    assert glm.attention_params_per_layer() == 5120 * 112 * 128 + 96 * 128 * 5120 + 112 * 128 + 256


def test_gemma_3_sliding_pattern_and_kv() -> None:
    spec = load_model("gemma-3-27b")
    assert (spec.n_sliding_layers, spec.sliding_window) == (52, 1024)  # 5 local : 1 global
    assert spec.kv_bytes_per_token() == 2 * 62 * 16 * 128 * 2


GEMMA_27B_TEXT_AS_PUBLISHED: dict[str, Any] = {
    # google/gemma-3-27b-it's text_config lists only what differs from Gemma3TextConfig's
    # defaults: no vocab_size (default 262,208).
    "head_dim": 128, "hidden_size": 5376, "intermediate_size": 21504,
    "model_type": "gemma3_text", "num_attention_heads": 32, "num_hidden_layers": 62,
    "num_key_value_heads": 16, "query_pre_attn_scalar": 168,
    "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024,
    "sliding_window_pattern": 6,
}


def test_a_gemma_3_text_config_without_vocab_size_takes_the_default() -> None:
    config = {"model_type": "gemma3", "text_config": GEMMA_27B_TEXT_AS_PUBLISHED,
              "vision_config": {"hidden_size": 1152}}
    spec = spec_from_config(config, name="g", source="g/config.json")
    assert spec.vocab_size == 262_208
    assert spec.total_params() == load_model("gemma-3-27b").total_params()


def test_phi_4_counts_like_a_llama() -> None:
    spec = load_model("phi-4")
    # (5120 × (40 + 2 × 10) × 128 + 40 × 128 × 5120 + 3 × 5120 × 17920 + 2 × 5120) × 40
    # + 2 × 100352 × 5120 + 5120
    per_layer = 5120 * 60 * 128 + 40 * 128 * 5120 + 3 * 5120 * 17920 + 2 * 5120
    assert spec.total_params() == per_layer * 40 + 2 * 100352 * 5120 + 5120


LLAMA4_MIN: dict[str, Any] = {
    "model_type": "llama4_text", "hidden_size": 64, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 100,
    "intermediate_size": 32, "intermediate_size_mlp": 128, "num_local_experts": 4,
    "num_experts_per_tok": 1, "interleave_moe_layer_step": 2, "attention_chunk_size": 8,
}


def test_llama_4_defaults_moe_and_nope_layers_from_their_intervals() -> None:
    spec = spec_from_config(LLAMA4_MIN, name="t", source="t")
    assert spec.n_moe_layers == 2  # layers 1 and 3
    assert spec.n_sliding_layers == 3  # RoPE layers 0, 1, 2; layer 3 NoPE
    # dense layers 0, 2: 3 × 64 × 128; MoE layers: (4 routed + 1 shared) × 3 × 64 × 32 + router
    assert spec.dense_mlp_params() == 3 * 64 * 128
    assert spec.moe_dense_params_per_layer() == 64 * 4 + 3 * 64 * 32


@pytest.mark.parametrize(("change", "message"), [
    ({"no_rope_layers": [1, 0]}, "field 'no_rope_layers' must list 4 flags of 0 or 1"),
    ({"no_rope_layers": [1, 1, 2, 0]}, "field 'no_rope_layers' must list 4 flags of 0 or 1"),
    ({"moe_layers": [0, 9]}, "field 'moe_layers' must be a list of layer indices below 4"),
    ({"intermediate_size_mlp": None}, "missing required field 'intermediate_size_mlp'"),
    ({"model_type": "qwen3_next"}, "model_type 'qwen3_next' is not supported"),
])
def test_new_architecture_fields_fail_in_one_line(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        spec_from_config({**LLAMA4_MIN, **change}, name="t", source="x/config.json")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("x/config.json: ")
