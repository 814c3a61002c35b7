"""Hugging Face ids as sources publish them resolve to one bundled architecture, saying which."""

from __future__ import annotations

import pytest

from tokenfab.errors import ConfigError
from tokenfab.roofline.loading import bundled_catalog, load_model
from tokenfab.roofline.models import WEIGHT_FORMAT_BYTES
from tokenfab.roofline.resolve import FORMAT_SUFFIXES, catalog_keys, resolve_reference

RESOLVES = [
    # (reference as published, bundled model, weight-format hint, what the note says)
    ("deepseek-ai/DeepSeek-R1-0528", "deepseek-r1", None, "'0528' as a dated revision"),
    ("deepseek-ai/DeepSeek-V3-0324", "deepseek-v3", None, "'0324' as a dated revision"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", "qwen3-235b-a22b", None,
     "read 'Instruct' as a fine-tuned variant, '2507' as a dated revision"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", "qwen3-235b-a22b", "fp8",
     "'FP8' as the weight format fp8"),
    ("Qwen/Qwen3-30B-A3B-Thinking-2507", "qwen3-30b-a3b", None, "'Thinking'"),
    ("Qwen/Qwen2.5-72B-Instruct-AWQ", "qwen2.5-72b", "int4-awq", "'AWQ'"),
    ("Qwen/Qwen3-8B-GPTQ-Int4", "qwen3-8b", "int4-gptq", "'GPTQ-Int4'"),
    ("RedHatAI/Llama-4-Scout-17B-16E-Instruct-FP8-dynamic", "llama-4-scout", "fp8",
     "'FP8-dynamic'"),
    ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama-4-maverick", "fp8", "'FP8'"),
    ("nvidia/DeepSeek-R1-0528-FP4-v2", "deepseek-r1", "nvfp4",
     "'0528' as a dated revision, 'FP4' as the weight format nvfp4, 'v2' as a revision"),
    ("nvidia/Llama-3.3-70B-Instruct-FP4", "llama-3.3-70b", "nvfp4", "'FP4'"),
    ("nvidia/Llama-3.1-405B-Instruct-NVFP4", "llama-3.1-405b", "nvfp4", "'NVFP4'"),
    ("amd/Llama-3.1-405B-Instruct-MXFP4", "llama-3.1-405b", "mxfp4", "'MXFP4'"),
    ("amd/Llama-3.1-70B-Instruct-FP8-KV", "llama-3.1-70b", "fp8", "'FP8-KV'"),
    ("RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16", "llama-3.1-8b", "int4",
     "'quantized.w4a16'"),
    ("unsloth/Llama-3.3-70B-Instruct-bnb-4bit", "llama-3.3-70b", "int4", "'bnb-4bit'"),
    ("unsloth/gemma-3-27b-it-GGUF", "gemma-3-27b", None, "choose its quant type with --weights"),
    ("neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8", "llama-3.1-70b", "fp8", "'FP8'"),
    ("moonshotai/Kimi-K2-Instruct-0905", "kimi-k2", None, "published name"),
    ("zai-org/GLM-4.5-Air-FP8", "glm-4.5-air", "fp8", "'FP8'"),
    ("mistralai/Mistral-7B-Instruct-v0.1", "mistral-7b", None, "'v0.1' as a revision"),
    ("mistralai/Mistral-Small-3.1-24B-Instruct-2503", "mistral-small-24b", None,
     "published name"),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "llama-3.3-70b", None, "published name"),
    ("meta-llama/Llama-2-70b-hf", "llama-2-70b", None, "published name"),
    ("llama3.1-8b", "llama-3.1-8b", None, "the same architecture under this name"),
    ("Llama-3_1-8B", "llama-3.1-8b", None, "the same architecture"),
    ("llama3.1:70b", "llama-3.1-70b", None, "the same architecture"),
    ("openai/gpt_oss_120b", "gpt-oss-120b", None, "the same architecture"),
    ("mlx-community/Qwen3-4B-4bit", "qwen3-4b", "int4", "'4bit'"),
]


@pytest.mark.parametrize(("ref", "short", "hint", "says"), RESOLVES)
def test_published_ids_resolve_and_say_which(
    ref: str, short: str, hint: str | None, says: str
) -> None:
    spec = load_model(ref)
    assert spec.name == short
    assert spec.resolved_from == ref
    assert spec.weight_format_hint == hint
    note = spec.resolution_note or ""
    assert note.startswith(f"resolved {ref!r} to bundled model {short} (config of {spec.hf_id})")
    assert says in note and "\n" not in note


@pytest.mark.parametrize("ref", [
    "llama-3.1-70b", "meta-llama/Llama-3.1-70B-Instruct", "LLAMA-3.1-70B-INSTRUCT",
    "deepseek-ai/DeepSeek-R1", "  gpt-oss-20b  ", "google/gemma-3-27b-it",
])
def test_a_short_name_or_the_bundled_hub_id_needs_no_note(ref: str) -> None:
    spec = load_model(ref)
    assert (spec.resolved_from, spec.resolution_note, spec.weight_format_hint) == (None,) * 3


def test_the_model_name_itself_is_never_read_as_a_suffix() -> None:
    # 'V3' looks like a revision and 'it'/'hf' like variants, but the first two parts stay.
    assert load_model("deepseek-ai/DeepSeek-V3").name == "deepseek-v3"
    assert load_model("phi-4").name == "phi-4"
    assert load_model("microsoft/phi-4-FP8").name == "phi-4"


@pytest.mark.parametrize(("ref", "closest"), [
    ("deepseek-ai/DeepSeek-V3.2-Exp", "deepseek-v3"),
    ("meta-llama/Meta-Llama-3-70B-Instruct", "llama-3.1-70b"),  # Llama 3.0: not bundled
    ("microsoft/Phi-4-mini-instruct", "phi-4"),  # a different, smaller architecture
    ("llama-3.1", "llama-3.1-8b"),
])
def test_unknown_or_ambiguous_names_fail_naming_the_closest(ref: str, closest: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_model(ref)
    message = str(info.value)
    assert message.startswith(f"unknown model {ref!r}: closest bundled models: ")
    assert closest in message.split(";")[0]
    assert "--model path/to/config.json" in message and "\n" not in message


def test_nothing_close_says_so() -> None:
    with pytest.raises(ConfigError, match="unknown model 'gpt-4': no bundled model is close"):
        load_model("gpt-4")


def test_two_models_fitting_one_reference_is_ambiguous() -> None:
    catalog = {"a-7b": ["org/A-7B-Instruct"], "a-7b-v2": ["org/A-7B-Chat"]}
    with pytest.raises(ConfigError) as info:
        resolve_reference("other/A-7B-Base", catalog)
    assert str(info.value) == ("ambiguous model 'other/A-7B-Base': it fits a-7b, a-7b-v2; "
                               "name one of them or pass --model path/to/config.json")


def test_every_bundled_key_names_one_model() -> None:
    clashes = {key: names for key, names in catalog_keys(bundled_catalog()).items()
               if len(names) > 1}
    assert clashes == {}


def test_every_hint_is_a_weight_format_the_projection_prices() -> None:
    hints = {h for h in FORMAT_SUFFIXES.values() if h is not None} | {"nvfp4"}
    assert hints <= set(WEIGHT_FORMAT_BYTES)
