"""Finding a model: a bundled config.json by short name or Hugging Face id, or any file.

``load_model("llama-3.1-70b")``, ``load_model("deepseek-ai/DeepSeek-R1-0528")`` (a Hub id as
sources publish it: revisions, variant and weight-format suffixes, publishers and case are
read as ``tokenfab.roofline.resolve`` says) or ``load_model("path/to/config.json")`` ->
:class:`ModelSpec`. A resolved reference keeps what it was and why on the spec
(``resolved_from``, ``resolution_note``, ``weight_format_hint``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tokenfab.errors import ConfigError
from tokenfab.roofline.hf_config import _TOKENFAB_KEY, CONFIG_NAME, spec_from_config
from tokenfab.roofline.models import ModelSpec
from tokenfab.roofline.resolve import resolve_reference


def _parse_json(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ConfigError(f"{where}: JSON nested too deeply to be a config.json") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a JSON object (a Hugging Face config.json)")
    return value


def _spec_from_json(raw: Mapping[str, Any], name: str, where: str) -> ModelSpec:
    meta = raw.get(_TOKENFAB_KEY)
    hf_id = meta.get("hf_id") if isinstance(meta, Mapping) else None
    config = {k: v for k, v in raw.items() if k != _TOKENFAB_KEY}
    return spec_from_config(config, name=name, source=where,
                            hf_id=hf_id if isinstance(hf_id, str) else None)


@cache
def _bundled() -> dict[str, dict[str, Any]]:
    """Short name → raw bundled config (with its ``_tokenfab`` block)."""
    folder = resources.files("tokenfab.roofline").joinpath("data").joinpath("models")
    return {
        entry.name.removesuffix(".json"): _parse_json(
            entry.read_text("utf-8"), f"bundled model {entry.name}")
        for entry in folder.iterdir() if entry.name.endswith(".json")
    }


@cache
def bundled_catalog() -> dict[str, list[str]]:
    """Short name → the Hub id and aliases it answers to (Hub id first)."""
    catalog: dict[str, list[str]] = {}
    for name, raw in sorted(_bundled().items()):
        meta = raw.get(_TOKENFAB_KEY)
        meta = meta if isinstance(meta, Mapping) else {}
        names = [meta.get("hf_id"), *(meta.get("aliases") or [])]
        catalog[name] = [n for n in names if isinstance(n, str) and n]
    return catalog


def list_models() -> list[str]:
    """Short names of the bundled models, sorted."""
    return sorted(_bundled())


def load_model(ref: str) -> ModelSpec:
    """A ModelSpec from a path to a config.json (or its folder), a bundled short name
    ('llama-3.1-70b') or a Hugging Face id as published ('meta-llama/Llama-3.1-70B-Instruct',
    'Qwen/Qwen3-235B-A22B-Instruct-2507-FP8'); unknown → one-line ConfigError naming the
    closest bundled models and how to pass a config.json."""
    if not ref.strip():
        raise ConfigError("no model given: name a bundled model (e.g. llama-3.1-8b), a Hugging "
                          "Face id or a path to a config.json")
    try:
        path = Path(ref).expanduser()
    except RuntimeError:  # '~user' naming no user: not a path, maybe still a model name
        path = Path(ref)
    if path.is_dir() and (path / CONFIG_NAME).is_file():
        path = path / CONFIG_NAME
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); give the path to a "
                              "Hugging Face config.json") from None
        name = path.parent.name if path.name == CONFIG_NAME else path.stem
        return _spec_from_json(_parse_json(text, str(path)), name or path.stem, str(path))
    if ref.endswith(".json") or path.is_dir():
        raise ConfigError(f"no config.json at {ref!r}: give the path to a Hugging Face "
                          "config.json (or its folder)")
    found = resolve_reference(ref, bundled_catalog())
    spec = _spec_from_json(_bundled()[found.name], found.name, f"bundled model {found.name}.json")
    if found.exact:
        return spec
    return spec.model_copy(update={"resolved_from": ref, "resolution_note": found.note,
                                   "weight_format_hint": found.weight_format_hint})
