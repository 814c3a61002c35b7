"""Re-quantize the shipped GGUF with ``llama-quantize`` and cache the results.

Each output is cached as ``$TOKENFAB_CACHE/quant/<source sha256[:16]>-<TYPE>.gguf``, so a
second run costs nothing. The shipped Q4_1 file is used as is. Every other variant derives
from it: going UP (F16, Q8_0) cannot regain precision, it only changes format and speed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tokenfab.engines.build import cache_root, find_tool
from tokenfab.engines.llamacpp import smollm2_gguf
from tokenfab.errors import ConfigError, EngineError
from tokenfab.quant.models import REQUANT_NOTE, SHIPPED_NOTE, SHIPPED_TYPE, Variant

# precision label -> llama-quantize type name, highest precision first
SUPPORTED_TYPES: dict[str, str] = {
    "F16": "F16",
    "Q8_0": "Q8_0",
    "Q4_1": "Q4_1",
    "Q4_0": "Q4_0",
    "Q3_K": "Q3_K_M",
    "Q2_K": "Q2_K",
}
_UP_TYPES = ("F16", "Q8_0")
QUANTIZE_TIMEOUT_S = 600


def parse_types(spec: str | list[str]) -> list[str]:
    """``"F16,q8_0"`` -> ``["F16", "Q8_0"]``; unknown or empty -> ConfigError."""
    items = spec.split(",") if isinstance(spec, str) else spec
    out: list[str] = []
    for raw in items:
        name = raw.strip().upper()
        if not name:
            continue
        if name == "Q3_K_M":
            name = "Q3_K"
        if name not in SUPPORTED_TYPES:
            raise ConfigError(f"--types {raw.strip()}: unsupported; choose from "
                              f"{', '.join(SUPPORTED_TYPES)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ConfigError(f"--types is empty; choose from {', '.join(SUPPORTED_TYPES)}")
    return out


def variant_note(quant_type: str) -> str:
    """The honesty note shown beside every figure of this variant."""
    if quant_type == SHIPPED_TYPE:
        return SHIPPED_NOTE
    if quant_type in _UP_TYPES:
        return f"{REQUANT_NOTE} (format/speed change only)"
    return f"{REQUANT_NOTE} (errors compound)"


def source_digest(path: Path) -> str:
    """sha256 of the source GGUF (the cache key)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _quantize(tool: Path, source: Path, out: Path, llama_type: str) -> None:
    log = out.with_suffix(".log")
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    cmd = [str(tool), "--allow-requantize", str(source), str(tmp), llama_type]
    try:
        with log.open("wb") as f:
            f.write(("$ " + " ".join(cmd) + "\n").encode())
            f.flush()
            proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=QUANTIZE_TIMEOUT_S,
                                  check=False)
        failed = proc.returncode != 0 or not tmp.is_file()
    except subprocess.TimeoutExpired:
        failed = True
    if failed:
        tmp.unlink(missing_ok=True)
        raise EngineError(f"llama-quantize {llama_type} failed; see {log}")
    tmp.replace(out)


def make_variants(types: list[str], out_dir: Path | None = None,
                  source: Path | None = None) -> list[Variant]:
    """One :class:`Variant` per type, quantizing (or reusing the cached file) as needed.

    ``out_dir`` defaults to ``$TOKENFAB_CACHE/quant``; ``source`` to the shipped Q4_1 GGUF.
    """
    names = parse_types(types)
    src = source or smollm2_gguf()
    if not src.is_file():
        raise ConfigError(f"source model {src} does not exist; pass an existing GGUF")
    directory = out_dir or cache_root() / "quant"
    variants: list[Variant] = []
    key: str | None = None
    for name in names:
        llama_type = SUPPORTED_TYPES[name]
        if name == SHIPPED_TYPE:
            path = src
        else:
            key = key or source_digest(src)[:16]
            path = directory / f"{key}-{name}.gguf"
            if not path.is_file():
                tool = find_tool("llama-quantize")
                if tool is None:
                    raise EngineError("llama-quantize is not built yet; run `make setup` "
                                      "(or `python -m tokenfab.engines.build`)")
                try:
                    directory.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ConfigError(f"cannot create {directory} ({exc.strerror}); "
                                      "set TOKENFAB_CACHE to a writable folder") from None
                _quantize(tool, src, path, llama_type)
        variants.append(Variant(
            quant_type=name, llama_type=llama_type, path=str(path),
            file_size_bytes=path.stat().st_size, derived_from=SHIPPED_TYPE,
            requantized=name != SHIPPED_TYPE, note=variant_note(name)))
    return variants
