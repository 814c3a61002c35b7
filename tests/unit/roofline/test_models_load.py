"""Resolving model references (short names, Hub ids, paths), config styles and their errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tokenfab.roofline as roofline
from tokenfab.errors import ConfigError
from tokenfab.roofline.hf_config import spec_from_config
from tokenfab.roofline.loading import list_models, load_model

BUNDLED = [
    "deepseek-r1", "deepseek-v3", "gemma-3-12b", "gemma-3-1b", "gemma-3-270m", "gemma-3-27b",
    "gemma-3-4b", "glm-4.5", "glm-4.5-air", "gpt-oss-120b", "gpt-oss-20b", "kimi-k2",
    "llama-2-70b", "llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b", "llama-3.2-1b",
    "llama-3.2-3b", "llama-3.3-70b", "llama-4-maverick", "llama-4-scout", "mistral-7b",
    "mistral-large-2", "mistral-small-24b", "mixtral-8x22b", "mixtral-8x7b", "phi-4",
    "qwen2.5-72b", "qwen2.5-7b", "qwen3-0.6b", "qwen3-14b", "qwen3-235b-a22b", "qwen3-30b-a3b",
    "qwen3-32b", "qwen3-4b", "qwen3-8b", "smollm2-135m",
]


def test_list_models() -> None:
    assert list_models() == BUNDLED


def test_public_surface() -> None:
    assert sorted(roofline.__all__) == sorted(set(roofline.__all__))
    for name in roofline.__all__:
        assert hasattr(roofline, name), name


@pytest.mark.parametrize(("ref", "short"), [
    ("llama-3.1-70b", "llama-3.1-70b"),
    ("meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-70b"),
    ("META-LLAMA/LLAMA-3.1-70B-INSTRUCT", "llama-3.1-70b"),
    ("meta-llama/Llama-3.1-70B", "llama-3.1-70b"),
    ("Llama-3.1-70B-Instruct", "llama-3.1-70b"),
    ("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"),
    ("meta-llama/Llama-3.3-70B-Instruct", "llama-3.3-70b"),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b"),
    ("mistralai/Mixtral-8x7B-v0.1", "mixtral-8x7b"),
    ("Qwen/Qwen3-30B-A3B", "qwen3-30b-a3b"),
    ("deepseek-ai/DeepSeek-V3", "deepseek-v3"),
    ("deepseek-ai/DeepSeek-R1", "deepseek-r1"),
    ("openai/gpt-oss-120b", "gpt-oss-120b"),
    ("HuggingFaceTB/SmolLM2-135M-Instruct", "smollm2-135m"),
    ("HuggingFaceTB/SmolLM2-135M", "smollm2-135m"),
    ("google/gemma-3-270m", "gemma-3-270m"),
    ("google/gemma-3-270m-it", "gemma-3-270m"),
    ("  gpt-oss-20b  ", "gpt-oss-20b"),
])
def test_references_resolve_to_bundled_models(ref: str, short: str) -> None:
    spec = load_model(ref)
    assert spec.name == short
    assert spec.source == f"bundled model {short}.json"


def _bundled_raw(name: str) -> dict[str, Any]:
    from importlib import resources

    entry = resources.files("tokenfab.roofline").joinpath(f"data/models/{name}.json")
    raw: dict[str, Any] = json.loads(entry.read_text("utf-8"))
    raw.pop("_tokenfab")
    return raw


def test_a_config_json_path_and_its_folder_load(tmp_path: Path) -> None:
    folder = tmp_path / "my-llama"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(_bundled_raw("llama-3.1-8b")))
    by_file = load_model(str(folder / "config.json"))
    by_folder = load_model(str(folder))
    assert by_file == by_folder
    assert (by_file.name, by_file.hf_id) == ("my-llama", None)
    assert by_file.total_params() == 8_030_261_248
    other = tmp_path / "custom.json"
    other.write_text(json.dumps(_bundled_raw("smollm2-135m")))
    assert load_model(str(other)).name == "custom"


def test_unknown_reference_lists_short_names_and_mentions_paths() -> None:
    with pytest.raises(ConfigError) as info:
        load_model("meta-llama/Llama-5-Behemoth")
    message = str(info.value)
    assert "unknown model 'meta-llama/Llama-5-Behemoth'" in message
    assert ", ".join(BUNDLED) in message
    assert "--model path/to/config.json" in message
    assert "\n" not in message


def test_missing_json_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config.json at"):
        load_model(str(tmp_path / "nope" / "config.json"))


def test_invalid_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"model_type": "llama",\n oops}')
    with pytest.raises(ConfigError, match=r"config.json: not valid JSON \(line 2"):
        load_model(str(path))


LLAMA_MIN: dict[str, Any] = {
    "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128,
    "vocab_size": 100,
}


@pytest.mark.parametrize(("change", "message"), [
    ({"model_type": "gpt2"}, "model_type 'gpt2' is not supported (supported: llama,"),
    ({"model_type": None}, "model_type None is not supported"),
    ({"num_attention_heads": None}, "missing required field 'num_attention_heads'"),
    ({"hidden_size": 0}, "zero in field 'hidden_size'"),
    ({"vocab_size": "big"}, "field 'vocab_size' must be a non-negative integer, got 'big'"),
    ({"num_hidden_layers": True}, "field 'num_hidden_layers' must be a non-negative integer"),
    ({"hidden_size": 66}, "no 'head_dim' and hidden_size 66 is not a multiple"),
    ({"num_key_value_heads": 8}, "num_key_value_heads 8 exceeds num_attention_heads 4"),
    ({"intermediate_size": None}, "missing required field 'intermediate_size'"),
    ({"tie_word_embeddings": "yes"}, "field 'tie_word_embeddings' must be true or false"),
    ({"layer_types": ["full_attention"]}, "field 'layer_types' must list 2 layers"),
    ({"layer_types": ["chunked_attention", "full_attention"]},
     "layer_types[0] = 'chunked_attention' is not supported"),
    ({"layer_types": ["sliding_attention", "full_attention"]},
     "sliding_attention layers but no 'sliding_window'"),
    ({"num_local_experts": 4}, "missing required field 'num_experts_per_tok' or "
                               "'experts_per_token'"),
    ({"num_local_experts": 4, "num_experts_per_tok": 5}, "num_experts_per_tok 5 exceeds the 4"),
    ({"num_local_experts": 4, "num_experts": 8, "num_experts_per_tok": 2},
     "fields num_local_experts and num_experts disagree"),
    ({"num_local_experts": 4, "num_experts_per_tok": 2, "mlp_only_layers": "0"},
     "field 'mlp_only_layers' must be a list"),
])
def test_bad_configs_are_one_line_errors_naming_field_and_file(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        spec_from_config({**LLAMA_MIN, **change}, name="t", source="/tmp/x/config.json")
    text = str(info.value)
    assert text.startswith("/tmp/x/config.json: ")
    assert message in text
    assert "\n" not in text


def test_head_dim_defaults_to_hidden_over_heads() -> None:
    spec = spec_from_config(LLAMA_MIN, name="t", source="t")
    assert spec.head_dim == 16  # 64 / 4
    assert spec_from_config({**LLAMA_MIN, "head_dim": 32}, name="t", source="t").head_dim == 32


@pytest.mark.parametrize(("change", "n_sliding"), [
    # Qwen: sliding_window is inert unless use_sliding_window; then layers >= max_window_layers.
    ({"model_type": "qwen2", "sliding_window": 4096, "use_sliding_window": False}, 0),
    ({"model_type": "qwen2", "sliding_window": 4096, "use_sliding_window": True,
      "max_window_layers": 1}, 1),
    # Mistral v0.1: one window for every layer.
    ({"model_type": "mistral", "sliding_window": 4096}, 2),
    ({"model_type": "mistral", "sliding_window": None}, 0),
    # Gemma 3 without layer_types: every sliding_window_pattern-th layer is global.
    ({"model_type": "gemma3_text", "sliding_window": 512, "num_hidden_layers": 12,
      "sliding_window_pattern": 6}, 10),
    # gpt-oss without layer_types: even layers slide.
    ({"model_type": "gpt_oss", "sliding_window": 128, "num_hidden_layers": 4}, 2),
    # Llama ignores a stray sliding_window.
    ({"sliding_window": 4096}, 0),
])
def test_sliding_layer_patterns(change: dict[str, Any], n_sliding: int) -> None:
    spec = spec_from_config({**LLAMA_MIN, **change}, name="t", source="t")
    assert spec.n_sliding_layers == n_sliding
    assert (spec.sliding_window is None) == (n_sliding == 0)


def test_qwen2_counts_its_implicit_qkv_bias() -> None:
    llama = spec_from_config(LLAMA_MIN, name="t", source="t")
    qwen2 = spec_from_config({**LLAMA_MIN, "model_type": "qwen2"}, name="t", source="t")
    # q, k, v biases: (nq + 2 nkv) × d = (4 + 4) × 16 = 128 per layer, 2 layers
    assert qwen2.total_params() - llama.total_params() == 2 * 128


def test_multimodal_wrapper_reads_text_config() -> None:
    text = {**LLAMA_MIN, "model_type": "gemma3_text", "head_dim": 16}
    spec = spec_from_config({"model_type": "gemma3", "text_config": text,
                             "vision_config": {"hidden_size": 1152}}, name="t", source="t")
    assert (spec.model_type, spec.hidden_size, spec.tie_word_embeddings) == (
        "gemma3_text", 64, True)


def test_deepseek_v2_lite_without_q_lora() -> None:
    # deepseek-ai/DeepSeek-V2-Lite: 15.7B total, 2.4B activated (published, without E).
    config = {
        "model_type": "deepseek_v2", "hidden_size": 2048, "num_hidden_layers": 27,
        "num_attention_heads": 16, "num_key_value_heads": 16, "kv_lora_rank": 512,
        "q_lora_rank": None, "qk_rope_head_dim": 64, "qk_nope_head_dim": 128,
        "v_head_dim": 128, "n_routed_experts": 64, "n_shared_experts": 2,
        "num_experts_per_tok": 6, "moe_intermediate_size": 1408, "intermediate_size": 10944,
        "first_k_dense_replace": 1, "moe_layer_freq": 1, "vocab_size": 102400,
        "tie_word_embeddings": False,
    }
    spec = spec_from_config(config, name="v2-lite", source="t")
    assert spec.mla is not None and spec.mla.q_lora_rank is None
    assert spec.n_moe_layers == 26
    assert spec.total_params() == pytest.approx(15.7e9, rel=0.005)
    assert spec.linear_flops_per_token() / 2 == pytest.approx(2.4e9, rel=0.03)
    assert spec.kv_bytes_per_token() == 27 * (512 + 64) * 2


def test_qwen3_moe_mlp_only_layers_and_sparse_step() -> None:
    config = {**LLAMA_MIN, "model_type": "qwen3_moe", "num_hidden_layers": 6, "head_dim": 16,
              "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
              "decoder_sparse_step": 2, "mlp_only_layers": [3]}
    spec = spec_from_config(config, name="t", source="t")
    # MoE iff (i + 1) % 2 == 0 and i not in [3]: layers 1 and 5
    assert spec.n_moe_layers == 2
