"""The seed-style quantization table: pure rows, Markdown, a rich Table and JSON.

Per row (MB = 10^6 bytes):
    file_mb             = file_size_bytes / 1e6                          (measured)
    rss_mb              = VmRSS_bytes / 1e6                              (measured)
    decode/prefill      = llama-bench avg_ts, tokens/s                   (measured)
    j_per_token         = avg_power_w / decode_tok_per_s                 (modelled: power is
                          assumed watts × measured CPU utilization)
    usd_per_mtok_output = usd_per_hour / (decode_tok_per_s × 3600) × 1e6 (assumed price ×
                          measured speed)
    ppl, kld            = llama-perplexity on the shipped corpus         (measured)
    accuracy            = task accuracy from ``tokenfab eval`` when given, else "-"

Several models may share one table (one row per model × precision). PPL and KL compare the
precisions of ONE model: across models the tokenizers differ (a token is a different amount of
text), so across models compare accuracy, speed and price, not PPL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from tokenfab.cost.price import usd_per_mtok
from tokenfab.quant.models import (
    SHIPPED_TYPE,
    Measurement,
    Provenance,
    QuantRow,
    reference_note,
    requant_note,
)
from tokenfab.schemas.quantize import SCHEMA_ID

SCHEMA = SCHEMA_ID
CROSS_MODEL_NOTE = ("PPL and KL compare precisions of one model (tokenizers differ across "
                    "models); compare models by accuracy, speed and price.")
BYTES_PER_MB = 1e6

# (field, header, format, provenance)
COLUMNS: tuple[tuple[str, str, str, Provenance], ...] = (
    ("file_mb", "file MB", "{:.1f}", "measured"),
    ("rss_mb", "RSS MB", "{:.0f}", "measured"),
    ("decode_tok_per_s", "decode tok/s", "{:.1f}", "measured"),
    ("prefill_tok_per_s", "prefill tok/s", "{:.0f}", "measured"),
    ("j_per_token", "J/token", "{:.3f}", "modelled"),
    ("usd_per_mtok_output", "$/1M out", "{:.3f}", "assumed"),
    ("ppl", "PPL", "{:.3f}", "measured"),
    ("kld", "KL vs F16", "{:.4f}", "measured"),
    ("accuracy", "accuracy", "{:.1%}", "measured"),
)
PROVENANCE: dict[str, str] = {
    "file_mb": "measured",
    "rss_mb": "measured",
    "decode_tok_per_s": "measured",
    "prefill_tok_per_s": "measured",
    "j_per_token": "modelled (assumed CPU watts x measured utilization / measured tok/s)",
    "usd_per_mtok_output": "assumed price x measured decode speed",
    "ppl": "measured",
    "kld": "measured",
    "accuracy": "measured by tokenfab eval (absent here)",
}


def j_per_token(avg_power_w: float | None, decode_tok_per_s: float | None) -> float | None:
    """J/token = avg_power_w / decode_tok_per_s; None when either is missing or speed <= 0."""
    if avg_power_w is None or decode_tok_per_s is None or decode_tok_per_s <= 0:
        return None
    return avg_power_w / decode_tok_per_s


def to_mb(n_bytes: int | None) -> float | None:
    """bytes / 1e6."""
    return None if n_bytes is None else n_bytes / BYTES_PER_MB


Accuracy = Mapping[tuple[str, str], float]  # (model key, precision) -> accuracy


def build_row(m: Measurement, usd_per_hour: float,
              accuracy: Accuracy | None = None) -> QuantRow:
    """One table row from one variant's measurement (formulas in the module docstring)."""
    decode = m.decode_tok_per_s
    return QuantRow(
        model=m.variant.model,
        precision=m.variant.quant_type,
        file_mb=m.variant.file_size_bytes / BYTES_PER_MB,
        rss_mb=to_mb(m.rss_bytes),
        decode_tok_per_s=decode,
        prefill_tok_per_s=m.prefill_tok_per_s,
        j_per_token=j_per_token(m.avg_power_w, decode),
        usd_per_mtok_output=None if decode is None else usd_per_mtok(usd_per_hour, decode),
        ppl=m.ppl,
        ppl_err=m.ppl_err,
        kld=m.kld,
        accuracy=(accuracy or {}).get((m.variant.model, m.variant.quant_type)),
        derived_from=m.variant.derived_from,
        note=m.variant.note,
    )


def build_rows(measurements: Sequence[Measurement], usd_per_hour: float,
               accuracy: Accuracy | None = None) -> list[QuantRow]:
    """Rows in the order measured."""
    return [build_row(m, usd_per_hour, accuracy) for m in measurements]


def cell(value: float | None, fmt: str) -> str:
    """Formatted number, or "-" when missing or not finite."""
    if value is None or not math.isfinite(value):
        return "-"
    return fmt.format(value)


def _cells(row: QuantRow) -> list[str]:
    values = row.model_dump()
    out = [row.model, row.precision]
    for field, _header, fmt, _prov in COLUMNS:
        text = cell(values[field], fmt)
        if field == "ppl" and text != "-" and row.ppl_err is not None:
            text += f" ± {row.ppl_err:.2f}"
        out.append(text)
    return out


def honesty_note(source_type: str = SHIPPED_TYPE, model: str | None = None) -> str:
    """The line every table and JSON document carries (one per model)."""
    who = f"{model}: a" if model else "A"
    return (f"{who}ll variants derive from the shipped {source_type} file "
            f"({requant_note(source_type)}); types above {source_type} change format and speed "
            f"only. {reference_note(source_type)}.")


def honesty_notes(rows: Sequence[QuantRow]) -> list[str]:
    """One honesty note per model in the rows, plus the cross-model note when several."""
    shipped = {r.model: r.derived_from for r in rows}
    notes = [honesty_note(t, m if len(shipped) > 1 else None) for m, t in shipped.items()]
    return notes + ([CROSS_MODEL_NOTE] if len(shipped) > 1 else [])


def _derived(r: QuantRow) -> str:
    return "shipped" if r.precision == r.derived_from else r.derived_from


def to_markdown(rows: Sequence[QuantRow]) -> str:
    """A GitHub Markdown table, provenance in the header, the honesty notes below it."""
    headers = ["model", "precision"] + [f"{h} ({p})" for _f, h, _fmt, p in COLUMNS] + [
        "derived from"]
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join(["---", "---"] + ["---:"] * len(COLUMNS) + ["---"]) + "|"]
    for r in rows:
        lines.append("| " + " | ".join([*_cells(r), _derived(r)]) + " |")
    return "\n".join(lines) + "\n\n" + "\n\n".join(honesty_notes(rows)) + "\n"


def to_rich(rows: Sequence[QuantRow]) -> Table:
    """The same table for the terminal."""
    table = Table(title="Quantization economics (llama.cpp CPU)",
                  caption="\n".join(honesty_notes(rows)))
    table.add_column("model")
    table.add_column("precision")
    for _f, header, _fmt, prov in COLUMNS:
        table.add_column(f"{header}\n[dim]{prov}[/dim]", justify="right")
    table.add_column("derived from")
    for i, r in enumerate(rows):
        next_model = rows[i + 1].model if i + 1 < len(rows) else r.model
        table.add_row(*_cells(r), _derived(r), end_section=next_model != r.model)
    return table


def to_json(rows: Sequence[QuantRow], *, models: Sequence[Mapping[str, Any]],
            settings: Mapping[str, Any], usd_per_hour: float,
            elapsed_s: float) -> dict[str, Any]:
    """The ``tokenfab.quantize/2`` document: ``models`` holds, per model, its source file,
    shipped type, KL reference and honesty note; ``rows`` one entry per model × precision."""
    return {
        "schema": SCHEMA,
        "models": [dict(m) for m in models],
        "honesty": honesty_notes(rows),
        "settings": dict(settings),
        "usd_per_hour": usd_per_hour,
        "usd_per_hour_provenance": "assumed",
        "provenance": PROVENANCE,
        "units": {"file_mb": "1e6 bytes", "rss_mb": "1e6 bytes", "kld": "nats/token",
                  "j_per_token": "J", "usd_per_mtok_output": "USD per 1e6 output tokens"},
        "rows": [r.model_dump() for r in rows],
        "elapsed_s": elapsed_s,
    }
