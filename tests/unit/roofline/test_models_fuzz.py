"""Property tests for config.json loading: any input gives a ModelSpec or one ConfigError line.

Strategies build JSON-ish values three ways: arbitrary JSON, a real bundled config with one
field replaced by an arbitrary JSON value, and raw bytes written to a config.json file.
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenfab.errors import TokenfabError
from tokenfab.roofline.hf_config import spec_from_config
from tokenfab.roofline.loading import _bundled, load_model
from tokenfab.roofline.models import ModelSpec

CONFIG_KEYS = [
    "model_type", "hidden_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size", "tie_word_embeddings",
    "attention_bias", "mlp_bias", "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim",
    "qk_nope_head_dim", "v_head_dim", "num_local_experts", "n_routed_experts", "num_experts",
    "num_experts_per_tok", "experts_per_token", "moe_intermediate_size", "n_shared_experts",
    "first_k_dense_replace", "moe_layer_freq", "decoder_sparse_step", "mlp_only_layers",
    "sliding_window", "layer_types", "max_window_layers", "use_sliding_window",
    "sliding_window_pattern", "num_nextn_predict_layers", "text_config", "_tokenfab",
    "intermediate_size_mlp", "interleave_moe_layer_step", "moe_layers", "no_rope_layers",
    "no_rope_layer_interval", "attention_chunk_size", "use_qk_norm",
]
MODEL_TYPES = ["llama", "mistral", "mixtral", "qwen2", "qwen3", "qwen3_moe", "deepseek_v2",
               "deepseek_v3", "gpt_oss", "gemma3_text", "llama4_text", "kimi_k2", "glm4_moe",
               "phi3", "bert", ""]

scalars = (st.none() | st.booleans() | st.integers(min_value=-2, max_value=300)
           | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(alphabet=string.printable, max_size=12) | st.sampled_from(MODEL_TYPES)
           | st.sampled_from(["sliding_attention", "full_attention"]))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6)
    | st.dictionaries(st.sampled_from(CONFIG_KEYS) | st.text(max_size=6), inner, max_size=6),
    max_leaves=20,
)
configs = st.dictionaries(st.sampled_from(CONFIG_KEYS), json_values, max_size=len(CONFIG_KEYS))


def _spec_or_one_line_error(config: Any) -> None:
    try:
        spec = spec_from_config(config, name="fuzz", source="fuzz/config.json")
    except TokenfabError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert isinstance(spec, ModelSpec)
    assert spec.total_params() > 0 and spec.kv_bytes_per_token() >= 0


@settings(max_examples=300, deadline=None)
@given(configs)
def test_any_config_dict_gives_a_spec_or_one_line(config: dict[str, Any]) -> None:
    _spec_or_one_line_error(config)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(_bundled())), st.sampled_from(CONFIG_KEYS), json_values)
def test_one_field_of_a_real_config_replaced(short: str, key: str, value: Any) -> None:
    config = {k: v for k, v in _bundled()[short].items() if k != "_tokenfab"}
    config[key] = value
    _spec_or_one_line_error(config)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_file_gives_a_spec_or_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(data)
    try:
        spec = load_model(str(path))
    except TokenfabError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert isinstance(spec, ModelSpec)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_reference_gives_a_spec_or_one_line(ref: str) -> None:
    try:
        spec = load_model(ref)
    except TokenfabError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert isinstance(spec, ModelSpec)


def test_deeply_nested_json_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    try:
        load_model(str(path))
    except TokenfabError as exc:
        assert "nested" in str(exc)
    else:
        raise AssertionError("a 100,000-deep list is not a config.json")


def test_a_billion_layers_is_refused_quickly() -> None:
    config = {k: v for k, v in _bundled()["llama-3.1-8b"].items() if k != "_tokenfab"}
    config["num_hidden_layers"] = 10**9
    try:
        spec_from_config(config, name="x", source="x/config.json")
    except TokenfabError as exc:
        assert "num_hidden_layers" in str(exc)
    else:
        raise AssertionError("10**9 layers accepted")
