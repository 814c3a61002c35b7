"""tokenfab.quant: what re-quantizing the embedded model costs and saves.

    variants = make_variants(["F16", "Q4_1", "Q2_K"])       # llama-quantize, cached
    reference, ms = measure_variants(variants, MeasureSettings(idle_w=..., busy_w=...))
    rows = build_rows(ms, usd_per_hour=0.10)
    print(to_markdown(rows))
"""

from __future__ import annotations

from tokenfab.quant.measure import MeasureSettings, Reference, measure_variants
from tokenfab.quant.models import REQUANT_NOTE, SHIPPED_TYPE, Measurement, QuantRow, Variant
from tokenfab.quant.parse import BenchSpeeds, parse_bench_json, parse_kld, parse_ppl
from tokenfab.quant.table import SCHEMA, build_rows, to_json, to_markdown, to_rich
from tokenfab.quant.variants import SUPPORTED_TYPES, make_variants, parse_types

__all__ = [
    "REQUANT_NOTE",
    "SCHEMA",
    "SHIPPED_TYPE",
    "SUPPORTED_TYPES",
    "BenchSpeeds",
    "MeasureSettings",
    "Measurement",
    "QuantRow",
    "Reference",
    "Variant",
    "build_rows",
    "make_variants",
    "measure_variants",
    "parse_bench_json",
    "parse_kld",
    "parse_ppl",
    "parse_types",
    "to_json",
    "to_markdown",
    "to_rich",
]
