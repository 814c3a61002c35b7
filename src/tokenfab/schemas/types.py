"""Literal types shared across stages: one home for each (imports nothing internal)."""

from __future__ import annotations

from typing import Literal

# Where a number comes from: a counter or timestamp, a model, or a user/catalog input.
Provenance = Literal["measured", "modelled", "assumed"]

# Weight precision of a served model (the projection's byte width per parameter).
Precision = Literal["bf16", "fp16", "fp8", "fp4", "int8", "int4"]

__all__ = ["Precision", "Provenance"]
