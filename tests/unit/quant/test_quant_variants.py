"""Variant selection, caching and quantizer failures (llama-quantize replaced by scripts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tokenfab.errors import ConfigError, EngineError
from tokenfab.quant import variants as mod
from tokenfab.quant.variants import SUPPORTED_TYPES, make_variants, parse_types


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("F16,Q8_0", ["F16", "Q8_0"]), (" q3_k_m , Q2_K ", ["Q3_K", "Q2_K"]),
     ("Q4_1,Q4_1", ["Q4_1"]), (["Q4_0"], ["Q4_0"])],
)
def test_parse_types(spec: str | list[str], expected: list[str]) -> None:
    assert parse_types(spec) == expected


@pytest.mark.parametrize("spec", ["Q5_K", "F32,Q4_0", "", " , "])
def test_unknown_type_lists_supported(spec: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_types(spec)
    assert "F16, Q8_0, Q4_1, Q4_K, Q4_0, Q3_K, Q2_K" in str(exc.value)
    assert list(SUPPORTED_TYPES)[5:] == ["Q3_K", "Q2_K"] and SUPPORTED_TYPES["Q3_K"] == "Q3_K_M"
    assert SUPPORTED_TYPES["Q4_K"] == "Q4_K_M"


def _script(tmp_path: Path, body: str) -> Path:
    tool = tmp_path / "llama-quantize"
    tool.write_text("#!/bin/sh\n" + body + "\n")
    tool.chmod(0o755)
    return tool


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "model.Q4_1.gguf"
    src.write_bytes(b"GGUF" + b"\0" * 100)
    return src


def test_shipped_type_is_the_source_and_others_are_cached(
        tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = tmp_path / "calls"
    # args: --allow-requantize SRC OUT TYPE
    tool = _script(tmp_path, f'echo "$4" >> {calls}; head -c 50 "$2" > "$3"')
    monkeypatch.setattr(mod, "find_tool", lambda name: tool)
    out = tmp_path / "cache"
    first = make_variants(["Q4_1", "Q2_K"], out, source)
    assert first[0].path == str(source) and not first[0].requantized
    assert first[0].file_size_bytes == 104
    assert first[1].requantized and first[1].file_size_bytes == 50
    assert Path(first[1].path).parent == out and first[1].path.endswith("-Q2_K.gguf")
    assert first[1].note.startswith("re-quantized from Q4_1: cannot regain precision")
    again = make_variants(["Q2_K"], out, source)
    assert again[0].path == first[1].path
    assert calls.read_text().split() == ["Q2_K"]  # cached: the quantizer ran once


def test_q3_k_is_passed_as_q3_k_m(tmp_path: Path, source: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls = tmp_path / "calls"
    tool = _script(tmp_path, f'echo "$4" >> {calls}; cp "$2" "$3"')
    monkeypatch.setattr(mod, "find_tool", lambda name: tool)
    (v,) = make_variants(["Q3_K"], tmp_path / "c", source)
    assert (v.quant_type, v.llama_type) == ("Q3_K", "Q3_K_M")
    assert calls.read_text().strip() == "Q3_K_M"


def test_failing_quantizer_is_one_line_with_log(tmp_path: Path, source: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    tool = _script(tmp_path, 'echo "bad tensor"; exit 3')
    monkeypatch.setattr(mod, "find_tool", lambda name: tool)
    out = tmp_path / "c"
    with pytest.raises(EngineError) as exc:
        make_variants(["Q4_0"], out, source)
    msg = str(exc.value)
    assert "\n" not in msg and "llama-quantize Q4_0 failed" in msg
    log = Path(msg.rsplit("see ", 1)[1])
    assert "bad tensor" in log.read_text()
    assert not [p for p in os.listdir(out) if p.endswith((".gguf", ".tmp"))]


def test_missing_quantizer(tmp_path: Path, source: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mod, "find_tool", lambda name: None)
    with pytest.raises(EngineError, match="not built"):
        make_variants(["F16"], tmp_path / "c", source)


@pytest.mark.parametrize(
    ("shipped", "expected"),
    [("Q4_1", ["F16", "Q8_0", "Q4_1", "Q4_0", "Q3_K", "Q2_K"]),
     ("Q4_K", ["F16", "Q8_0", "Q4_K", "Q4_0", "Q3_K", "Q2_K"])],
)
def test_default_types_put_the_shipped_type_in_precision_order(shipped: str,
                                                               expected: list[str]) -> None:
    assert mod.default_types(shipped) == expected


def test_variants_of_another_model_name_it_and_its_shipped_type(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenfab.engines.embedded import EMBEDDED

    src = tmp_path / "gemma.Q4_K_M.gguf"
    src.write_bytes(b"GGUF" + b"\1" * 100)
    tool = _script(tmp_path, 'cp "$2" "$3"')
    monkeypatch.setattr(mod, "find_tool", lambda name: tool)
    shipped, down = make_variants(["Q4_K_M", "Q2_K"], tmp_path / "c", src,
                                  model=EMBEDDED["gemma3-270m"])
    assert (shipped.model, shipped.path, shipped.requantized) == ("gemma3-270m", str(src), False)
    assert shipped.note == "shipped Q4_K file, not re-quantized"
    assert down.derived_from == "Q4_K" and down.note.startswith("re-quantized from Q4_K")
