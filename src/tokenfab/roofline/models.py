"""Model catalog: the architecture numbers of a decoder, as :class:`ModelSpec`, and their counts.

A Hugging Face ``config.json`` becomes a ModelSpec in ``tokenfab.roofline.hf_config``; bundled
copies of published ``config.json`` files live in ``data/models/<short-name>.json`` (an extra
top-level ``_tokenfab`` key records the Hub id and source) and Hub ids resolve to them in
``tokenfab.roofline.resolve``. The configs are ``assumed`` catalog inputs; every count derived
from them is ``modelled``.

Units: counts are parameters; bytes are bytes (1 GB = 1e9 B); FLOPs count a multiply-add as 2.

Counting conventions (shared by every method):

* total_params = E + H + hidden (final norm) + Σ_layers (attention + norms + MLP), where
  E = vocab × hidden is the input embedding and H = vocab × hidden the output head, 0 when
  ``tie_word_embeddings``. Biases, qk-norms and gpt-oss attention sinks are counted.
  Multi-token-prediction modules (``num_nextn_predict_layers``: DeepSeek-V3 about 14B, GLM-4.5
  about 4B) are excluded, as are vision encoders of multimodal checkpoints (Llama 4, Gemma 3).
* A MoE layer holds n_experts routed experts of 3 × hidden × moe_intermediate params each, a
  router (hidden × n_experts) and n_shared_experts always-on experts. Shared experts and routers
  are *dense* params; only routed experts are *expert* params.
* active_params (per token) = total_params − Σ_moe_layers (n_experts − experts_per_token) ×
  params_per_expert: E once, H unless tied. (OpenAI's "5.1B active" for gpt-oss-120b leaves
  E out; that figure is ``linear_flops_per_token() / 2``.)
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    model_validator,
)

from tokenfab.errors import ConfigError
from tokenfab.schemas.types import Precision

ELEMENT_BYTES_4BIT = 0.5
"""One 4-bit weight element: half a byte."""

GROUP_SCALE_BYTES_PER_WEIGHT = 1 / 32
"""4-bit formats carry one 1-byte scale per 32 weights (MXFP4's E8M0 block; int4 with group
scales is close): 4.25 bits/param. 8-bit block/channel scales (<0.01%) are ignored."""

BYTES_PER_PARAM: Mapping[Precision, float] = {
    "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0,
    "fp4": ELEMENT_BYTES_4BIT + GROUP_SCALE_BYTES_PER_WEIGHT,
    "int4": ELEMENT_BYTES_4BIT + GROUP_SCALE_BYTES_PER_WEIGHT,
}
"""The one byte-width table: bytes a *stored weight* occupies in accelerator memory, scales
included (fp4/int4 = 0.5 B element + 1/32 B group scale). Every weight-byte count (this module's
``*_weight_bytes``, hence the roofline's ``ModelShape`` and the projection) means this. The KV
cache is not weights: its element width is ``tokenfab.roofline.project.kv_dtype_bytes``."""

WEIGHT_FORMAT_BYTES: Mapping[str, float] = {
    **{str(k): v for k, v in BYTES_PER_PARAM.items()}, "fp8-block": 1.0,
    "mxfp4": BYTES_PER_PARAM["fp4"],
    "nvfp4": ELEMENT_BYTES_4BIT + 1 / 16, "int4-awq": ELEMENT_BYTES_4BIT + 2.5 / 128,
    "int4-gptq": ELEMENT_BYTES_4BIT + 2 / 128, "q8_0": 34 / 32, "q6_k": 210 / 256,
    "q5_k": 176 / 256, "q4_k": 144 / 256, "q4_0": 18 / 32,
}
"""The same table extended to named weight formats (``tokenfab project --weights``): fp8-block
(128×128 FP32 scales, negligible), MXFP4 (E8M0 scale per 32), NVFP4 (E4M3 scale per 16), INT4
AWQ/GPTQ (FP16 scale, AWQ also a 4-bit zero, per 128), GGUF block types (q8_0 34 B per 32;
q4_0 18 B per 32; k-quants q4_k 144, q5_k 176, q6_k 210 B per 256-weight super-block)."""



def bytes_per_param(precision: Precision) -> float:
    """Bytes per weight: bf16/fp16 2, fp8/int8 1, fp4/int4 0.5 + 1/32 (group scales)."""
    try:
        return BYTES_PER_PARAM[precision]
    except KeyError:
        known = ", ".join(BYTES_PER_PARAM)
        raise ConfigError(f"unknown precision {precision!r}: use one of {known}") from None


class Mla(BaseModel):
    """Multi-head latent attention widths (DeepSeek-V2/V3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kv_lora_rank: PositiveInt = Field(description="latent KV width cached per token and layer")
    q_lora_rank: PositiveInt | None = Field(description="latent query width; None = full q_proj")
    qk_rope_head_dim: PositiveInt = Field(description="rotary part of q/k per head, cached too")
    qk_nope_head_dim: PositiveInt = Field(description="non-rotary part of q/k per head")
    v_head_dim: PositiveInt = Field(description="value width per head")


class ModelSpec(BaseModel):
    """The architecture numbers the roofline needs, normalised across config styles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="short name, e.g. 'llama-3.1-8b'")
    hf_id: str | None = Field(default=None, description="Hugging Face id, when known")
    source: str = Field(min_length=1, description="where the config came from")
    model_type: str = Field(min_length=1, description="config.json model_type")
    vocab_size: PositiveInt
    hidden_size: PositiveInt
    n_layers: PositiveInt = Field(description="decoder layers (num_hidden_layers)")
    n_heads: PositiveInt = Field(description="query heads (num_attention_heads)")
    n_kv_heads: PositiveInt = Field(description="key/value heads (num_key_value_heads)")
    head_dim: PositiveInt = Field(description="per-head width; MLA: qk_nope + qk_rope")
    intermediate_size: NonNegativeInt = Field(description="dense-layer MLP width")
    tie_word_embeddings: bool
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    qk_norm: bool = Field(default=False, description="per-head RMSNorm on q and k")
    attention_sinks: bool = Field(default=False, description="one learned sink per head")
    norms_per_layer: PositiveInt = Field(default=2, description="hidden-wide norms per layer")
    mla: Mla | None = Field(default=None, description="MLA widths; None = MHA/GQA")
    n_experts: NonNegativeInt = Field(default=0, description="routed experts; 0 = dense")
    experts_per_token: NonNegativeInt = 0
    moe_intermediate_size: NonNegativeInt = Field(default=0, description="expert MLP width")
    n_shared_experts: NonNegativeInt = 0
    expert_bias: bool = False
    router_bias: bool = False
    n_moe_layers: NonNegativeInt = Field(default=0, description="layers with a MoE block")
    sliding_window: PositiveInt | None = Field(default=None, description="tokens, when any")
    n_sliding_layers: NonNegativeInt = Field(default=0, description="sliding-window layers")
    mtp_layers: NonNegativeInt = Field(default=0, description="excluded from every count")
    resolved_from: str | None = Field(default=None, description="the reference as the user gave "
                                      "it, when it named the model only through resolution")
    resolution_note: str | None = Field(default=None, description="one line saying which "
                                        "bundled architecture a reference resolved to, and why")
    weight_format_hint: str | None = Field(default=None, description="weight format a Hub id's "
                                           "suffix names (-FP8 → fp8, -AWQ → int4-awq, ...)")

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if max(self.n_moe_layers, self.n_sliding_layers) > self.n_layers:
            raise ValueError("n_moe_layers and n_sliding_layers cannot exceed n_layers")
        if self.n_sliding_layers and self.sliding_window is None:
            raise ValueError("sliding layers need a sliding_window")
        if self.experts_per_token > self.n_experts:
            raise ValueError("experts_per_token cannot exceed n_experts")
        return self

    @property
    def is_mla(self) -> bool:
        """Multi-head latent attention: the KV cache holds a compressed latent."""
        return self.mla is not None

    @property
    def is_moe(self) -> bool:
        """Any layer routes tokens to experts."""
        return self.n_moe_layers > 0 and self.n_experts > 0

    # ---- parameters ------------------------------------------------------------------------

    def embedding_params(self) -> int:
        """Input embedding table: vocab_size × hidden_size."""
        return self.vocab_size * self.hidden_size

    def head_params(self) -> int:
        """Output head: vocab_size × hidden_size, 0 when tied to the embedding."""
        return 0 if self.tie_word_embeddings else self.vocab_size * self.hidden_size

    def attention_params_per_layer(self) -> int:
        """GQA: h×(n_q + 2 n_kv)×d + n_q×d×h (+ biases, qk-norms 2d, sinks n_q).

        MLA: h×q_lora + q_lora + q_lora×n_q×(nope+rope) [h×n_q×(nope+rope) without q_lora]
        + h×(kv_lora+rope) + kv_lora + kv_lora×n_q×(nope+v) + n_q×v×h.
        """
        h, nq, m = self.hidden_size, self.n_heads, self.mla
        if m is not None:
            qk = m.qk_nope_head_dim + m.qk_rope_head_dim
            lq = m.q_lora_rank
            q = h * nq * qk if lq is None else h * lq + lq + lq * nq * qk
            kv = h * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank
            kv += m.kv_lora_rank * nq * (m.qk_nope_head_dim + m.v_head_dim)
            return q + kv + nq * m.v_head_dim * h
        d, nkv = self.head_dim, self.n_kv_heads
        params = h * (nq + 2 * nkv) * d + nq * d * h
        params += (nq + 2 * nkv) * d if self.qkv_bias else 0
        params += h if self.o_bias else 0
        params += 2 * d if self.qk_norm else 0
        return params + (nq if self.attention_sinks else 0)

    def dense_mlp_params(self) -> int:
        """One dense gated MLP: 3 × hidden × intermediate (+ 2 × intermediate + hidden bias)."""
        return _gated_mlp_params(self.hidden_size, self.intermediate_size, self.mlp_bias)

    def params_per_expert(self) -> int:
        """One routed expert: 3 × hidden × moe_intermediate (+ biases for gpt-oss)."""
        return _gated_mlp_params(self.hidden_size, self.moe_intermediate_size, self.expert_bias)

    def moe_dense_params_per_layer(self) -> int:
        """Always-on part of a MoE block: router hidden × n_experts (+ bias) + shared experts."""
        router = self.hidden_size * self.n_experts + (self.n_experts if self.router_bias else 0)
        return router + self.n_shared_experts * self.params_per_expert()

    def expert_params(self) -> int:
        """All routed experts: n_moe_layers × n_experts × params_per_expert."""
        return self.n_moe_layers * self.n_experts * self.params_per_expert()

    def total_params(self) -> int:
        """E + H + hidden + Σ_layers (attention + norms × hidden + MLP or MoE block)."""
        per_layer = self.attention_params_per_layer() + self.norms_per_layer * self.hidden_size
        n_dense = self.n_layers - self.n_moe_layers
        layers = self.n_layers * per_layer + n_dense * self.dense_mlp_params()
        layers += self.n_moe_layers * self.moe_dense_params_per_layer() + self.expert_params()
        return self.embedding_params() + self.head_params() + self.hidden_size + layers

    def active_params(self) -> int:
        """total − n_moe_layers × (n_experts − experts_per_token) × params_per_expert."""
        idle = self.n_moe_layers * (self.n_experts - self.experts_per_token)
        return self.total_params() - idle * self.params_per_expert()

    def dense_params(self) -> int:
        """Params every token touches whatever the routing: total − expert_params."""
        return self.total_params() - self.expert_params()

    # ---- bytes -----------------------------------------------------------------------------

    def weight_bytes(self, precision: Precision) -> float:
        """total_params × bytes_per_param(precision), one precision for every weight."""
        return self.total_params() * bytes_per_param(precision)

    def expert_weight_bytes(self, precision: Precision) -> float:
        """expert_params × bytes_per_param(precision): what a decode step may not all touch."""
        return self.expert_params() * bytes_per_param(precision)

    def dense_weight_bytes(self, precision: Precision) -> float:
        """dense_params × bytes_per_param(precision): read on every step.

        Mixed checkpoints add the two: gpt-oss = expert_weight_bytes("fp4") +
        dense_weight_bytes("bf16").
        """
        return self.dense_params() * bytes_per_param(precision)

    def kv_elements_per_token_per_layer(self) -> int:
        """GQA/MHA: 2 × n_kv_heads × head_dim (K and V); MLA: kv_lora_rank + qk_rope_head_dim."""
        if self.mla is not None:
            return self.mla.kv_lora_rank + self.mla.qk_rope_head_dim
        return 2 * self.n_kv_heads * self.head_dim

    def attended_tokens(self, context_len: int) -> int:
        """Σ_layers tokens a layer caches and attends to at context_len:
        (n_layers − n_sliding) × context_len + n_sliding × min(context_len, window)."""
        if context_len < 0:
            raise ConfigError(f"context_len must be >= 0 tokens, got {context_len}")
        window = context_len if self.sliding_window is None else self.sliding_window
        n_full = self.n_layers - self.n_sliding_layers
        return n_full * context_len + self.n_sliding_layers * min(context_len, window)

    def kv_bytes(self, context_len: int, kv_dtype_bytes: float = 2.0) -> float:
        """KV cache of one sequence holding context_len tokens, bytes:
        attended_tokens(context_len) × kv_elements_per_token_per_layer × kv_dtype_bytes."""
        elements = self.attended_tokens(context_len) * self.kv_elements_per_token_per_layer()
        return elements * kv_dtype_bytes

    def kv_bytes_per_token(
        self, kv_dtype_bytes: float = 2.0, context_len: int | None = None
    ) -> float:
        """KV bytes one token adds, uncapped: n_layers × kv_elements × kv_dtype_bytes.

        MHA/GQA: 2 × n_layers × n_kv_heads × head_dim × bytes; MLA: n_layers ×
        (kv_lora_rank + qk_rope_head_dim) × bytes. With context_len, the average over a
        sequence of that length, kv_bytes(context_len) / context_len, which caps sliding layers.
        """
        if context_len is None:
            return self.n_layers * self.kv_elements_per_token_per_layer() * kv_dtype_bytes
        if context_len < 1:
            raise ConfigError(f"context_len must be >= 1 token for a KV average, got {context_len}")
        return self.kv_bytes(context_len, kv_dtype_bytes) / context_len

    # ---- FLOPs -----------------------------------------------------------------------------

    def linear_flops_per_token(self) -> float:
        """2 × (active_params − E + vocab × hidden if tied).

        Every active weight is one multiply-add, except the input embedding (a lookup); a tied
        head still costs vocab × hidden multiply-adds. Norm and bias params (<0.01%) stay in.
        """
        tied_head = self.vocab_size * self.hidden_size if self.tie_word_embeddings else 0
        return 2.0 * (self.active_params() - self.embedding_params() + tied_head)

    def attention_flops_per_token(self, context_len: int) -> float:
        """2 × n_heads × (qk_dim + v_dim) × attended_tokens(context_len).

        QKᵀ and AV are one multiply-add per head dim per attended token each; GQA: qk_dim =
        v_dim = head_dim, so 2 × 2 × n_layers × n_heads × head_dim × context, sliding layers
        at min(context, window). MLA uses the un-absorbed dims qk_dim = qk_nope + qk_rope (192)
        and v_dim = v_head_dim (128); absorbed-MLA decode kernels do 2 × kv_lora_rank + qk_rope
        per head instead, 3.4× more for DeepSeek-V3.
        """
        m = self.mla
        qk_plus_v = 2 * self.head_dim if m is None else self.head_dim + m.v_head_dim
        return 2.0 * self.n_heads * qk_plus_v * self.attended_tokens(context_len)

    def flops_per_token(self, context_len: int) -> float:
        """linear_flops_per_token + attention_flops_per_token(context_len)."""
        return self.linear_flops_per_token() + self.attention_flops_per_token(context_len)


def _gated_mlp_params(hidden: int, width: int, bias: bool) -> int:
    """gate, up (hidden → width) and down (width → hidden): 3 × hidden × width."""
    return 3 * hidden * width + ((2 * width + hidden) if bias else 0)
