"""A Hugging Face ``config.json`` dict normalised to a :class:`ModelSpec`.

Each supported ``model_type`` is a decoder whose parameters follow the counting conventions of
``tokenfab.roofline.models``; what a type implies beyond its fields (implicit biases, qk-norms,
norms per layer, which layers slide or route) is one :class:`_Arch` row. Any other type is
refused in one line naming the supported ones. Multimodal wrappers (Gemma 3 4B+, Llama 4,
Mistral Small 3.1+) keep their decoder in ``text_config``; only the decoder is counted.

Layer patterns read here:

* MoE layers: ``moe_layers`` (explicit indices, Llama 4) or layer i is MoE iff
  i >= first_k_dense_replace, i % moe_layer_freq == 0 (DeepSeek, Kimi, GLM), (i + 1) %
  decoder_sparse_step == 0 (Qwen-MoE; Llama 4's interleave_moe_layer_step is the same rule)
  and i not in mlp_only_layers.
* Window-limited layers: ``layer_types`` when present; else Mistral/Mixtral/Phi-3 every layer
  (when sliding_window is set), Qwen layers >= max_window_layers when use_sliding_window,
  Gemma 3 all but every sliding_window_pattern-th, gpt-oss even layers, and Llama 4's RoPE
  layers (``no_rope_layers[i] == 1``; by default 3 of every 4), whose chunked attention is
  modelled as a window of attention_chunk_size tokens: a chunk attends to at most that many
  cached tokens, so KV bytes and attention FLOPs are upper bounds there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from tokenfab.errors import ConfigError, format_validation
from tokenfab.roofline.models import Mla, ModelSpec

MAX_LAYERS = 10_000
"""Decoder layers a config may declare (published decoders have < 200); per-layer lists are
built, so an absurd count must be refused before they are."""

CONFIG_NAME = "config.json"
_TOKENFAB_KEY = "_tokenfab"


class _Arch(NamedTuple):
    """What a model_type implies beyond its config fields."""

    sliding: Literal["none", "all", "qwen", "pattern", "alternate", "chunked"] = "none"
    qkv_bias: bool = False
    qk_norm: bool = False
    qk_norm_key: str | None = None  # a config flag that switches the qk-norm on (GLM-4.5)
    o_bias_with_attention_bias: bool = True  # GLM's attention_bias biases q, k, v only
    norms_per_layer: int = 2
    sinks: bool = False
    expert_bias: bool = False
    router_bias: bool = False
    tie_default: bool = False
    dense_width_key: str = "intermediate_size"  # Llama 4: intermediate_size_mlp
    shared_experts: int = 0  # always-on experts the config does not count (Llama 4: 1)
    defaults: tuple[tuple[str, int], ...] = ()  # the config class's defaults for absent fields


_DEEPSEEK_V3 = _Arch(router_bias=True)  # e_score_correction_bias
_ARCHS: Mapping[str, _Arch] = {
    "llama": _Arch(),
    "mistral": _Arch(sliding="all"),
    "mixtral": _Arch(sliding="all"),
    "phi3": _Arch(sliding="all"),  # fused qkv / gate_up: the same counts as separate
    "qwen2": _Arch(sliding="qwen", qkv_bias=True),
    "qwen3": _Arch(sliding="qwen", qk_norm=True),
    "qwen3_moe": _Arch(sliding="qwen", qk_norm=True),
    "deepseek_v2": _Arch(),
    "deepseek_v3": _DEEPSEEK_V3,
    "kimi_k2": _DEEPSEEK_V3,  # Kimi K2 ships DeepseekV3ForCausalLM under its own model_type
    "glm4_moe": _Arch(qk_norm_key="use_qk_norm", o_bias_with_attention_bias=False,
                      router_bias=True),
    "gpt_oss": _Arch(sliding="alternate", sinks=True, expert_bias=True, router_bias=True),
    "gemma3_text": _Arch(sliding="pattern", qk_norm=True, norms_per_layer=4, tie_default=True,
                         defaults=(("vocab_size", 262_208),)),
    # Llama 4: the qk L2-norm has no weights; every MoE layer adds one shared expert.
    "llama4_text": _Arch(sliding="chunked", dense_width_key="intermediate_size_mlp",
                         shared_experts=1),
}
SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(_ARCHS)


class _Fields:
    """Typed reads from one config dict; every error names the field and the file."""

    def __init__(self, cfg: Mapping[str, Any], where: str) -> None:
        self.cfg, self.where = cfg, where

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {message}")

    def opt_int(self, *keys: str) -> int | None:
        """The first present key's value (aliases must agree); None when all are absent/null."""
        found: dict[str, Any] = {k: self.cfg[k] for k in keys if self.cfg.get(k) is not None}
        if len(set(map(repr, found.values()))) > 1:
            raise self.fail(f"fields {' and '.join(found)} disagree ({found})")
        for key, value in found.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise self.fail(f"field {key!r} must be a non-negative integer, got {value!r}")
            return value
        return None

    def req_int(self, *keys: str) -> int:
        value = self.opt_int(*keys)
        if not value:
            problem = "missing required field" if value is None else "zero in field"
            raise self.fail(f"{problem} {' or '.join(map(repr, keys))}")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.cfg.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(f"field {key!r} must be true or false, got {value!r}")
        return value

    def indices(self, key: str, n_layers: int) -> list[int] | None:
        """A list of layer indices (each in 0..n_layers-1); None when absent/null."""
        value = self.cfg.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n_layers
                for i in value):
            raise self.fail(f"field {key!r} must be a list of layer indices below {n_layers}, "
                            f"got {value!r}")
        return value


def spec_from_config(
    config: Mapping[str, Any], *, name: str, source: str, hf_id: str | None = None
) -> ModelSpec:
    """Normalise one Hugging Face config dict (see SUPPORTED_MODEL_TYPES) to a ModelSpec;
    ConfigError names the field and file."""
    text = config.get("text_config")
    cfg = text if isinstance(text, Mapping) and "hidden_size" not in config else config
    model_type = cfg.get("model_type")
    arch = _ARCHS.get(model_type) if isinstance(model_type, str) else None
    if arch is None:
        raise ConfigError(
            f"{source}: model_type {model_type!r} is not supported (supported: "
            f"{', '.join(SUPPORTED_MODEL_TYPES)}); a Llama-style decoder works as 'llama'")
    if arch.defaults:
        cfg = {**cfg, **{k: v for k, v in arch.defaults if cfg.get(k) is None}}
    f = _Fields(cfg, source)
    hidden, n_layers = f.req_int("hidden_size"), f.req_int("num_hidden_layers")
    if n_layers > MAX_LAYERS:
        raise f.fail(f"num_hidden_layers {n_layers} is more than {MAX_LAYERS:,} decoder layers; "
                     "is this a decoder's config.json?")
    n_heads = f.req_int("num_attention_heads")
    mla = None
    if f.opt_int("kv_lora_rank") is not None:
        mla = Mla(kv_lora_rank=f.req_int("kv_lora_rank"), q_lora_rank=f.opt_int("q_lora_rank")
                  or None, **{k: f.req_int(k) for k in
                              ("qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim")})
        head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim
    elif f.opt_int("head_dim") or hidden % n_heads == 0:
        head_dim = f.opt_int("head_dim") or hidden // n_heads
    else:
        raise f.fail(f"no 'head_dim' and hidden_size {hidden} is not a multiple of "
                     f"num_attention_heads {n_heads}")
    n_kv = f.opt_int("num_key_value_heads") or n_heads
    if n_kv > n_heads:
        raise f.fail(f"num_key_value_heads {n_kv} exceeds num_attention_heads {n_heads}")
    moe, n_moe = _moe(f, arch, n_layers)
    if n_moe < n_layers:
        f.req_int(arch.dense_width_key)  # dense layers need their MLP width
    window, n_sliding = _window(f, arch, n_layers)
    attention_bias = f.flag("attention_bias")
    qk_norm = f.flag(arch.qk_norm_key) if arch.qk_norm_key else arch.qk_norm
    try:
        return ModelSpec(
            name=name, hf_id=hf_id, source=source, model_type=str(model_type),
            vocab_size=f.req_int("vocab_size"), hidden_size=hidden, n_layers=n_layers,
            n_heads=n_heads, n_kv_heads=n_kv, head_dim=head_dim,
            intermediate_size=f.opt_int(arch.dense_width_key) or 0,
            tie_word_embeddings=f.flag("tie_word_embeddings", arch.tie_default),
            qkv_bias=attention_bias or arch.qkv_bias,
            o_bias=attention_bias and arch.o_bias_with_attention_bias,
            mlp_bias=f.flag("mlp_bias"), qk_norm=qk_norm, attention_sinks=arch.sinks,
            norms_per_layer=arch.norms_per_layer, mla=mla, expert_bias=arch.expert_bias,
            router_bias=arch.router_bias, n_moe_layers=n_moe, **moe,
            sliding_window=window if n_sliding else None, n_sliding_layers=n_sliding,
            mtp_layers=f.opt_int("num_nextn_predict_layers") or 0,
        )
    except ValidationError as exc:
        raise f.fail(format_validation(exc)) from None


def _moe(f: _Fields, arch: _Arch, n_layers: int) -> tuple[dict[str, int], int]:
    """(expert fields, MoE layer count). Experts: num_local_experts | n_routed_experts |
    num_experts; top-k: num_experts_per_tok | experts_per_token; width: moe_intermediate_size
    | intermediate_size; shared: n_shared_experts, else the architecture's implicit count.
    Which layers route: the module docstring."""
    n_experts = f.opt_int("num_local_experts", "n_routed_experts", "num_experts") or 0
    if n_experts == 0:
        return {}, 0
    top_k = f.req_int("num_experts_per_tok", "experts_per_token")
    if top_k > n_experts:
        raise f.fail(f"num_experts_per_tok {top_k} exceeds the {n_experts} experts")
    first_dense = f.opt_int("first_k_dense_replace") or 0
    freq = f.opt_int("moe_layer_freq") or 1
    step = f.opt_int("decoder_sparse_step", "interleave_moe_layer_step") or 1
    mlp_only = f.cfg.get("mlp_only_layers") or []
    if not isinstance(mlp_only, list) or not all(isinstance(i, int) for i in mlp_only):
        raise f.fail(f"field 'mlp_only_layers' must be a list of layer indices, got {mlp_only!r}")
    explicit = f.indices("moe_layers", n_layers)
    if explicit is not None:
        n_moe = len(set(explicit) - set(mlp_only))
    else:
        n_moe = sum(i >= first_dense and i % freq == 0 and (i + 1) % step == 0
                    and i not in mlp_only for i in range(n_layers))
    width = f.opt_int("moe_intermediate_size") or f.req_int("intermediate_size")
    shared = f.opt_int("n_shared_experts")
    return {"n_experts": n_experts, "experts_per_token": top_k, "moe_intermediate_size": width,
            "n_shared_experts": arch.shared_experts if shared is None else shared}, n_moe


def _window(f: _Fields, arch: _Arch, n_layers: int) -> tuple[int | None, int]:
    """(window in tokens, number of window-limited layers); which layers: module docstring."""
    if arch.sliding == "chunked":
        return _chunked(f, n_layers)
    window = f.opt_int("sliding_window")
    layer_types = f.cfg.get("layer_types")
    if layer_types is not None:
        if not isinstance(layer_types, list) or len(layer_types) != n_layers:
            raise f.fail(f"field 'layer_types' must list {n_layers} layers")
        for i, kind in enumerate(layer_types):
            if kind not in ("sliding_attention", "full_attention"):
                raise f.fail(f"layer_types[{i}] = {kind!r} is not supported "
                             "(only sliding_attention and full_attention)")
        if "sliding_attention" in layer_types and window is None:
            raise f.fail("layer_types has sliding_attention layers but no 'sliding_window'")
        return window, layer_types.count("sliding_attention")
    if window is None or arch.sliding == "none":
        return None, 0
    if arch.sliding == "qwen":
        first = f.opt_int("max_window_layers") or 0
        return window, sum(f.flag("use_sliding_window") and i >= first for i in range(n_layers))
    if arch.sliding == "pattern":
        every = f.opt_int("sliding_window_pattern", "_sliding_window_pattern") or 6
        return window, sum((i + 1) % every != 0 for i in range(n_layers))
    return window, sum(arch.sliding == "all" or i % 2 == 0 for i in range(n_layers))


def _chunked(f: _Fields, n_layers: int) -> tuple[int | None, int]:
    """Llama 4: RoPE layers (no_rope_layers[i] == 1; default (i + 1) % no_rope_layer_interval
    != 0, interval 4) attend within chunks of attention_chunk_size tokens; NoPE layers are
    global. No attention_chunk_size: every layer global."""
    chunk = f.opt_int("attention_chunk_size")
    if not chunk:
        return None, 0
    flags = f.cfg.get("no_rope_layers") or None
    if flags is None:
        every = f.opt_int("no_rope_layer_interval") or 4
        return chunk, sum((i + 1) % every != 0 for i in range(n_layers))
    if not isinstance(flags, list) or len(flags) != n_layers or any(
            type(v) is not int or v not in (0, 1) for v in flags):
        raise f.fail(f"field 'no_rope_layers' must list {n_layers} flags of 0 or 1")
    return chunk, sum(flags)
