"""A model reference, as a source publishes it, resolved to one bundled architecture. Pure.

``resolve_reference(ref, catalog)`` takes the catalog (short name → the Hub id and aliases it
answers to) and returns a :class:`Resolution` naming the bundled model, or raises a one-line
ConfigError naming the closest choices and how to pass a ``config.json`` instead.

Matching, in order:

1. Exact: the reference is (case-insensitively) a short name or the Hub id of a bundled file,
   or that id's repository part; no note. A listed alias (another published name of the same
   architecture, e.g. Mistral-Small-3.1 for the 3.0 config) resolves with a note.
2. Canonical: the publisher (``deepseek-ai/``) and a leading ``Meta-`` are dropped; case is
   folded; ``_`` between digits reads as ``.`` (``Llama-3_1``) and other ``_``, ``:`` and
   spaces as ``-``. Then trailing parts are dropped one at a time, fewest first, until the key
   (the parts joined with no separator, so ``Llama-3.1`` = ``llama3.1``) is a bundled key:
   weight formats (``-FP8``, ``-FP8-Dynamic``, ``-AWQ``, ``-GPTQ-Int4``, ``-NVFP4``,
   ``-MXFP4``, ``-bnb-4bit``, ``-quantized.w4a16``, ``-GGUF``: the format becomes a hint),
   variants (``-Instruct``, ``-Chat``, ``-hf``, ``-Base``, ``-it``, ``-Thinking``) and
   revisions (``-0528``, ``-2507``, ``-v0.3``). The first two parts are never dropped, so
   ``DeepSeek-V3`` stays itself. Bundled keys are built the same way from each model's names.
   The note says which model and why.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from tokenfab.errors import ConfigError

FORMAT_SUFFIXES: Mapping[str, str | None] = {
    "fp8": "fp8", "fp8-dynamic": "fp8", "fp8-static": "fp8", "fp8-kv": "fp8",
    "fp8-block": "fp8-block", "nvfp4": "nvfp4", "mxfp4": "mxfp4", "fp4": "fp4",
    "awq": "int4-awq", "awq-int4": "int4-awq", "int4-awq": "int4-awq",
    "gptq": "int4-gptq", "gptq-int4": "int4-gptq", "int4-gptq": "int4-gptq",
    "gptq-int8": "int8", "int4": "int4", "w4a16": "int4", "quantized.w4a16": "int4",
    "bnb-4bit": "int4", "4bit": "int4", "int8": "int8", "w8a8": "int8",
    "quantized.w8a8": "int8", "quantized.w8a16": "int8", "8bit": "int8",
    "bf16": "bf16", "fp16": "fp16", "gguf": None,
}
"""Weight-format suffix → the weight format it names (a ``--weights`` value); GGUF repositories
hold many quant types, so they name none. NVIDIA's ``-FP4`` checkpoints are NVFP4."""

VARIANT_SUFFIXES = frozenset({"instruct", "chat", "hf", "base", "it", "thinking"})
"""Fine-tunes that keep the architecture of the model they are named after."""

_REVISION = re.compile(r"\d{4}|\d{6}|\d{8}|v\d+(\.\d+)*")
_MIN_PARTS = 2


class Resolution(BaseModel):
    """Which bundled model a reference names, and what was read off the reference to get there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ref: str = Field(description="the reference as given")
    name: str = Field(description="bundled short name it resolved to")
    exact: bool = Field(description="the reference is a short name or the bundled Hub id")
    dropped: tuple[str, ...] = Field(default=(), description="suffixes read off, in order")
    weight_format_hint: str | None = Field(default=None,
                                           description="weight format a suffix names")
    note: str | None = Field(default=None, description="one line: which model and why")


def _parts(ref: str) -> tuple[str, list[str]]:
    """(lower-cased publisher, parts of the repository name as written)."""
    org, _, repo = ref.strip().strip("/").rpartition("/")
    repo = re.sub(r"(?<=\d)_(?=\d)", ".", repo)
    parts = [p for p in re.split(r"[-_:\s]+", repo) if p]
    if len(parts) > _MIN_PARTS and parts[0].lower() == "meta":
        parts = parts[1:]
    return org.rpartition("/")[2].lower(), parts


def _key(parts: Sequence[str]) -> str:
    return "".join(parts).lower()


def _strip_one(parts: Sequence[str]) -> tuple[str, str] | None:
    """(suffix as written, kind) that can come off the end of parts; None when nothing can."""
    if len(parts) <= _MIN_PARTS:
        return None
    two = f"{parts[-2]}-{parts[-1]}"
    if len(parts) > _MIN_PARTS + 1 and two.lower() in FORMAT_SUFFIXES:
        return two, "format"
    last = parts[-1]
    if last.lower() in FORMAT_SUFFIXES:
        return last, "format"
    if last.lower() in VARIANT_SUFFIXES:
        return last, "variant"
    if _REVISION.fullmatch(last.lower()):
        return last, "revision"
    return None


def _stages(parts: list[str]) -> Iterable[tuple[list[str], list[tuple[str, str]]]]:
    """parts with 0, 1, 2, ... trailing suffixes dropped, with what was dropped."""
    dropped: list[tuple[str, str]] = []
    while True:
        yield parts, list(dropped)
        found = _strip_one(parts)
        if found is None:
            return
        dropped.append(found)
        parts = parts[: len(parts) - found[0].count("-") - 1]


def catalog_keys(catalog: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    """Every canonical key (at every strip stage) of every name → the short names it fits."""
    keys: dict[str, set[str]] = {}
    for short, names in catalog.items():
        for ref in (short, *names):
            for parts, _ in _stages(_parts(ref)[1]):
                keys.setdefault(_key(parts), set()).add(short)
    return keys


def _hint(suffix: str, org: str) -> str | None:
    if suffix.lower() == "fp4" and org == "nvidia":
        return "nvfp4"
    return FORMAT_SUFFIXES[suffix.lower()]


def _why(dropped: Sequence[tuple[str, str]], org: str) -> str:
    """What each dropped suffix was read as, in the order the reference writes them."""
    reasons = []
    for suffix, kind in reversed(dropped):
        if kind == "revision":
            dated = "dated " if suffix[0].isdigit() else ""
            reasons.append(f"'{suffix}' as a {dated}revision")
        elif kind == "variant":
            reasons.append(f"'{suffix}' as a fine-tuned variant")
        elif suffix.lower() == "gguf":
            reasons.append(f"'{suffix}' as a llama.cpp file set (choose its quant type with "
                           "--weights)")
        else:
            reasons.append(f"'{suffix}' as the weight format {_hint(suffix, org)}")
    if not reasons:
        return "the same architecture under this name"
    return f"read {', '.join(reasons)}; the architecture is the same"


def resolve_reference(ref: str, catalog: Mapping[str, Sequence[str]]) -> Resolution:
    """The bundled model ``ref`` names (rules: module docstring); ConfigError when none or
    several fit. ``catalog``: short name → its Hub id and aliases (first = the bundled file's)."""
    wanted = ref.strip().strip("/").lower()
    for short, names in catalog.items():
        own = [short, *names[:1]]
        if wanted in {n.lower() for n in own} | {n.lower().rpartition("/")[2] for n in own}:
            return Resolution(ref=ref, name=short, exact=True)
        if wanted in {n.lower() for n in names[1:]}:
            return Resolution(ref=ref, name=short, exact=False, note=(
                f"resolved {ref!r} to bundled model {short} (config of {names[0]}): a "
                "published name of the same architecture"))
    org, parts = _parts(ref)
    keys = catalog_keys(catalog)
    for stage, dropped in _stages(parts):
        fits = keys.get(_key(stage), set())
        if len(fits) > 1:
            raise ConfigError(f"ambiguous model {ref!r}: it fits {', '.join(sorted(fits))}; "
                              "name one of them or pass --model path/to/config.json")
        if fits:
            short = fits.pop()
            hints = [_hint(s, org) for s, kind in dropped if kind == "format"]
            source = catalog[short][0] if catalog[short] else short
            note = (f"resolved {ref!r} to bundled model {short} (config of {source}): "
                    f"{_why(dropped, org)}")
            return Resolution(ref=ref, name=short, exact=False,
                              dropped=tuple(s for s, _ in dropped),
                              weight_format_hint=next((h for h in hints if h), None), note=note)
    raise ConfigError(_unknown(ref, parts, keys, sorted(catalog)))


def _unknown(ref: str, parts: list[str], keys: Mapping[str, set[str]], names: list[str]) -> str:
    """One line: the closest bundled models (difflib on canonical keys), all of them, and how
    to pass a config.json instead."""
    *_, (stripped, _) = _stages(parts)
    close: list[str] = []
    for key in difflib.get_close_matches(_key(stripped), list(keys), n=12, cutoff=0.6):
        close += [n for n in sorted(keys[key]) if n not in close]
    nearest = (f"closest bundled models: {', '.join(close[:3])}" if close
               else "no bundled model is close")
    return (f"unknown model {ref!r}: {nearest}; bundled: {', '.join(names)}; or pass "
            "--model path/to/config.json (a Hugging Face config.json, or its folder)")
