"""Table rows are pure: hand-computed expectations per formula."""

from __future__ import annotations

import json

import pytest

import tokenfab.quant as quant
from tokenfab.quant.models import REQUANT_NOTE, Measurement, QuantRow, Variant
from tokenfab.quant.table import (
    PROVENANCE,
    SCHEMA,
    build_row,
    build_rows,
    cell,
    j_per_token,
    to_json,
    to_markdown,
    to_mb,
    to_rich,
)
from tokenfab.quant.variants import variant_note


def _m(quant_type: str = "Q4_0", *, size: int = 91_700_000, rss: int | None = 150_000_000,
       decode: float | None = 100.0, prefill: float | None = 400.0,
       power: float | None = 16.0, ppl: float | None = 8.0, kld: float | None = 0.5,
       model: str = "smollm2-135m", shipped: str = "Q4_1") -> Measurement:
    v = Variant(model=model, quant_type=quant_type, llama_type=quant_type,
                path=f"/x/{quant_type}.gguf", file_size_bytes=size,
                requantized=quant_type != shipped, derived_from=shipped,
                note=variant_note(quant_type, shipped))
    return Measurement(variant=v, decode_tok_per_s=decode, prefill_tok_per_s=prefill,
                       rss_bytes=rss, ppl=ppl, ppl_err=0.5 if ppl else None, kld=kld,
                       avg_power_w=power, decode_s=1.0)


@pytest.mark.parametrize(
    ("power_w", "tok_s", "expected"),
    [(16.0, 100.0, 0.16), (10.0, 4.0, 2.5), (None, 100.0, None), (16.0, None, None),
     (16.0, 0.0, None)],
)
def test_j_per_token(power_w: float | None, tok_s: float | None, expected: float | None) -> None:
    assert j_per_token(power_w, tok_s) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(("n_bytes", "mb"), [(1_000_000, 1.0), (98_400_000, 98.4), (None, None)])
def test_mb_is_1e6_bytes(n_bytes: int | None, mb: float | None) -> None:
    assert to_mb(n_bytes) == mb


@pytest.mark.parametrize(
    ("usd_per_hour", "decode", "usd_per_mtok"),
    # 0.10 $/h / (100 tok/s × 3600 s/h) × 1e6 = 0.2778 $/Mtok
    [(0.10, 100.0, 0.10 / 360_000 * 1e6), (3.6, 1000.0, 1.0), (0.10, None, None)],
)
def test_usd_per_mtok_output(usd_per_hour: float, decode: float | None,
                             usd_per_mtok: float | None) -> None:
    row = build_row(_m(decode=decode), usd_per_hour)
    expected = None if usd_per_mtok is None else pytest.approx(usd_per_mtok)
    assert row.usd_per_mtok_output == expected


def test_row_carries_measurements_and_honesty_note() -> None:
    row = build_row(_m("Q2_K", size=60_000_000, rss=120_000_000), 0.10)
    assert (row.precision, row.file_mb, row.rss_mb) == ("Q2_K", 60.0, 120.0)
    assert row.j_per_token == pytest.approx(0.16)
    assert (row.ppl, row.kld, row.accuracy) == (8.0, 0.5, None)
    assert row.derived_from == "Q4_1"
    assert row.note.startswith(REQUANT_NOTE)


@pytest.mark.parametrize(
    ("quant_type", "fragment"),
    [("F16", "format/speed change only"), ("Q8_0", "format/speed change only"),
     ("Q3_K", "errors compound"), ("Q4_1", "not re-quantized"), ("Q4_K", "errors compound")],
)
def test_variant_notes(quant_type: str, fragment: str) -> None:
    assert fragment in variant_note(quant_type)


@pytest.mark.parametrize(
    ("quant_type", "fragment"),
    # Gemma ships Q4_K_M (~4.9 bits/weight): Q4_1 (5.0) is a step UP, Q4_0 (4.5) a step down
    [("Q4_K", "shipped Q4_K file"), ("Q4_1", "format/speed change only"),
     ("Q4_0", "errors compound"), ("F16", "re-quantized from Q4_K")],
)
def test_variant_notes_follow_the_shipped_type(quant_type: str, fragment: str) -> None:
    assert fragment in variant_note(quant_type, "Q4_K")


def test_accuracy_column_filled_only_when_given() -> None:
    rows = build_rows([_m("Q4_1"), _m("Q4_0")], 0.10,
                      accuracy={("smollm2-135m", "Q4_1"): 0.42, ("gemma3-270m", "Q4_0"): 0.9})
    assert [r.accuracy for r in rows] == [0.42, None]
    md = to_markdown(rows)
    assert "42.0%" in md


@pytest.mark.parametrize(("value", "fmt", "text"),
                         [(None, "{:.1f}", "-"), (float("nan"), "{:.1f}", "-"),
                          (1.25, "{:.1f}", "1.2"), (0.5, "{:.1%}", "50.0%")])
def test_cell(value: float | None, fmt: str, text: str) -> None:
    assert cell(value, fmt) == text


def test_markdown_has_provenance_missing_dashes_and_note() -> None:
    rows = build_rows([_m("Q4_1"), _m("F16", rss=None, power=None)], 0.10)
    md = to_markdown(rows)
    lines = md.splitlines()
    assert "J/token (modelled)" in lines[0] and "$/1M out (assumed)" in lines[0]
    assert lines[2].startswith("| smollm2-135m | Q4_1 |") and lines[2].endswith("| shipped |")
    f16 = lines[3].split(" | ")
    assert f16[3] == "-"  # RSS skipped
    assert lines[3].endswith("| Q4_1 |")
    assert "cannot regain precision" in md and "F16 re-encoding" in md


def test_rich_table_has_every_row() -> None:
    table = to_rich(build_rows([_m("Q4_1"), _m("Q4_0")], 0.10))
    assert table.row_count == 2
    assert "cannot regain precision" in str(table.caption)


def _two_models() -> list[QuantRow]:
    return build_rows([_m("Q4_1"), _m("Q4_0"), _m("Q4_K", model="gemma3-270m", shipped="Q4_K"),
                       _m("Q2_K", model="gemma3-270m", shipped="Q4_K")], 0.10)


def test_json_document_contract() -> None:
    rows = _two_models()
    models = [{"key": "smollm2-135m", "shipped_type": "Q4_1"},
              {"key": "gemma3-270m", "shipped_type": "Q4_K"}]
    doc = to_json(rows, models=models, settings={"chunks": 2}, usd_per_hour=0.10, elapsed_s=1.0)
    doc = json.loads(json.dumps(doc))
    assert doc["schema"] == SCHEMA == "tokenfab.quantize/2"
    assert [m["key"] for m in doc["models"]] == ["smollm2-135m", "gemma3-270m"]
    assert set(PROVENANCE) == {c[0] for c in quant.table.COLUMNS}
    assert doc["provenance"]["j_per_token"].startswith("modelled")
    assert doc["provenance"]["usd_per_mtok_output"].startswith("assumed")
    assert [(r["model"], r["precision"]) for r in doc["rows"]] == [
        ("smollm2-135m", "Q4_1"), ("smollm2-135m", "Q4_0"), ("gemma3-270m", "Q4_K"),
        ("gemma3-270m", "Q2_K")]
    assert [r["derived_from"] for r in doc["rows"]] == ["Q4_1", "Q4_1", "Q4_K", "Q4_K"]
    honesty = doc["honesty"]
    assert honesty[0].startswith("smollm2-135m: all variants derive from the shipped Q4_1")
    assert honesty[1].startswith("gemma3-270m: all variants derive from the shipped Q4_K")
    assert "tokenizers differ" in honesty[2]


def test_one_model_has_one_honesty_note_and_no_cross_model_note() -> None:
    rows = build_rows([_m("Q4_1")], 0.10)
    md = to_markdown(rows)
    assert "All variants derive from the shipped Q4_1" in md and "tokenizers differ" not in md


def test_markdown_marks_each_models_shipped_row() -> None:
    lines = to_markdown(_two_models()).splitlines()
    assert lines[4].startswith("| gemma3-270m | Q4_K |") and lines[4].endswith("| shipped |")
    assert lines[5].endswith("| Q4_K |")


def test_public_surface() -> None:
    assert sorted(quant.__all__) == sorted(set(quant.__all__))
    for name in quant.__all__:
        assert hasattr(quant, name), name
