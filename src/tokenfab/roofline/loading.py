"""Finding a model: a bundled config.json by short name or Hugging Face id, or any file.

``load_model("llama-3.1-70b")``, ``load_model("meta-llama/Llama-3.1-70B-Instruct")`` (any case,
'-Instruct' optional) or ``load_model("path/to/config.json")`` -> :class:`ModelSpec`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tokenfab.errors import ConfigError
from tokenfab.roofline.models import _TOKENFAB_KEY, CONFIG_NAME, ModelSpec, spec_from_config


def _norm_ref(ref: str) -> str:
    """Case-insensitive, '-Instruct' anywhere and a trailing '-it' ignored."""
    return ref.strip().strip("/").lower().replace("-instruct", "").removesuffix("-it")


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
def _bundled_index() -> dict[str, str]:
    """Normalised short name, Hub id, Hub repo name or alias → short name."""
    index: dict[str, str] = {}
    for name, raw in _bundled().items():
        meta = raw.get(_TOKENFAB_KEY) or {}
        ids = [name, meta.get("hf_id") or "", *meta.get("aliases", [])]
        for ref in ids + [i.rsplit("/", 1)[-1] for i in ids]:
            if ref:
                index.setdefault(_norm_ref(ref), name)
    return index


def list_models() -> list[str]:
    """Short names of the bundled models, sorted."""
    return sorted(_bundled())


def load_model(ref: str) -> ModelSpec:
    """A ModelSpec from a path to a config.json (or its folder), a bundled short name
    ('llama-3.1-70b') or a Hugging Face id ('meta-llama/Llama-3.1-70B-Instruct'; any case,
    '-Instruct' optional)."""
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
    short = _bundled_index().get(_norm_ref(ref))
    if short is not None:
        return _spec_from_json(_bundled()[short], short, f"bundled model {short}.json")
    if ref.endswith(".json") or path.is_dir():
        raise ConfigError(f"no config.json at {ref!r}: give the path to a Hugging Face "
                          "config.json (or its folder)")
    raise ConfigError(f"unknown model {ref!r}: known short names are "
                      f"{', '.join(list_models())}; a Hugging Face id of one of them or a "
                      "path to a config.json also works")
