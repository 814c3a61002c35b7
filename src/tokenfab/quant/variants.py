"""Re-quantize an embedded model's shipped GGUF with ``llama-quantize`` and cache the results.

Each output is cached as ``$TOKENFAB_CACHE/quant/<source sha256[:16]>-<TYPE>.gguf``, so a
second run costs nothing. The shipped file (SmolLM2 Q4_1, Gemma-3 Q4_K_M) is used as is. Every
other variant derives from it: going UP (more bits per weight than the shipped type: F16,
Q8_0) cannot regain precision, it only changes format and speed; going DOWN compounds errors.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tokenfab.engines.build import cache_root, find_tool
from tokenfab.engines.embedded import EmbeddedModel, embedded_model
from tokenfab.errors import ConfigError, EngineError
from tokenfab.hashing import sha256_file
from tokenfab.quant.models import SHIPPED_TYPE, Variant, requant_note, shipped_note

# precision label -> llama-quantize type name, highest precision first
SUPPORTED_TYPES: dict[str, str] = {
    "F16": "F16",
    "Q8_0": "Q8_0",
    "Q4_1": "Q4_1",
    "Q4_K": "Q4_K_M",
    "Q4_0": "Q4_0",
    "Q3_K": "Q3_K_M",
    "Q2_K": "Q2_K",
}
# approximate bits per weight (block layout: 32 weights + scales; K "_M" mixes averaged over
# tensors): orders the types, which decides whether a re-quantization goes up or down
BITS_PER_WEIGHT: dict[str, float] = {"F16": 16.0, "Q8_0": 8.5, "Q4_1": 5.0, "Q4_K": 4.89,
                                     "Q4_0": 4.5, "Q3_K": 3.91, "Q2_K": 2.96}
_ALIASES = {"Q3_K_M": "Q3_K", "Q4_K_M": "Q4_K"}
QUANTIZE_TIMEOUT_S = 600


def parse_types(spec: str | list[str], flag: str = "--types") -> list[str]:
    """``"F16,q8_0"`` -> ``["F16", "Q8_0"]``; unknown or empty -> ConfigError."""
    items = spec.split(",") if isinstance(spec, str) else spec
    out: list[str] = []
    for raw in items:
        name = raw.strip().upper()
        if not name:
            continue
        name = _ALIASES.get(name, name)
        if name not in SUPPORTED_TYPES:
            raise ConfigError(f"{flag} {raw.strip()}: unsupported; choose from "
                              f"{', '.join(SUPPORTED_TYPES)}")
        if name not in out:
            out.append(name)
    if not out:
        raise ConfigError(f"{flag} is empty; choose from {', '.join(SUPPORTED_TYPES)}")
    return out


def default_types(shipped_type: str = SHIPPED_TYPE) -> list[str]:
    """F16, Q8_0, Q4_0, Q3_K, Q2_K and the shipped type, highest precision first."""
    names = {"F16", "Q8_0", "Q4_0", "Q3_K", "Q2_K", shipped_type}
    return sorted(names, key=lambda n: -BITS_PER_WEIGHT[n])


def variant_note(quant_type: str, shipped_type: str = SHIPPED_TYPE) -> str:
    """The honesty note shown beside every figure of this variant."""
    if quant_type == shipped_type:
        return shipped_note(shipped_type)
    if BITS_PER_WEIGHT[quant_type] > BITS_PER_WEIGHT[shipped_type]:
        return f"{requant_note(shipped_type)} (format/speed change only)"
    return f"{requant_note(shipped_type)} (errors compound)"


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
                  source: Path | None = None,
                  model: EmbeddedModel | None = None) -> list[Variant]:
    """One :class:`Variant` per type, quantizing (or reusing the cached file) as needed.

    ``model`` defaults to SmolLM2-135M; ``source`` to its shipped GGUF (whose precision is
    ``model.shipped_type``); ``out_dir`` to ``$TOKENFAB_CACHE/quant``.
    """
    names = parse_types(types)
    m = model or embedded_model(None)
    shipped = m.shipped_type
    src = source or m.gguf()
    if not src.is_file():
        raise ConfigError(f"source model {src} does not exist; pass an existing GGUF")
    directory = out_dir or cache_root() / "quant"
    variants: list[Variant] = []
    key: str | None = None
    for name in names:
        llama_type = SUPPORTED_TYPES[name]
        if name == shipped:
            path = src
        else:
            key = key or sha256_file(src)[:16]
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
            model=m.key, quant_type=name, llama_type=llama_type, path=str(path),
            file_size_bytes=path.stat().st_size, derived_from=shipped,
            requantized=name != shipped, note=variant_note(name, shipped)))
    return variants
