"""tokenfab: measure, model and minimize the cost per token of LLM inference.

One library entry point per job (see :mod:`tokenfab.session`), importable from here::

    from tokenfab import project
    from tokenfab.schemas.projection import ProjectConfig
    result = project(ProjectConfig(model="llama-3.1-8b", hardware="H100"))

Entry points are imported lazily, on first use, so the CLI starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from tokenfab.errors import TokenfabError

__version__ = "0.1.0"

# public name -> (module, attribute); ``tune``, ``report`` and ``plan`` are exported as
# ``tune_engine``, ``write_report`` and ``plan_factory``: ``tokenfab.tune``, ``tokenfab.report``
# and ``tokenfab.plan`` are subpackages.
ENTRY_POINTS: dict[str, tuple[str, str]] = {
    "run": ("tokenfab.session.run", "run"),
    "bench": ("tokenfab.session.bench", "bench"),
    "project": ("tokenfab.session.project", "project"),
    "tune_engine": ("tokenfab.session.tune", "tune"),
    "run_eval": ("tokenfab.session.evaluate", "run_eval"),
    "quantize": ("tokenfab.session.quantize", "quantize"),
    "speculate": ("tokenfab.session.speculate", "speculate"),
    "price_rate": ("tokenfab.session.cost", "price_rate"),
    "reprice_run": ("tokenfab.session.cost", "reprice_run"),
    "write_report": ("tokenfab.session.report", "report"),
    "serve": ("tokenfab.session.serve", "serve"),
    "claims": ("tokenfab.session.claims", "claims"),
    "plan_factory": ("tokenfab.session.plan", "plan"),
}

__all__ = ["ENTRY_POINTS", "TokenfabError", "__version__", *ENTRY_POINTS]


def __getattr__(name: str) -> Any:
    """``tokenfab.project`` etc.: the entry point, imported on first use."""
    if name in ENTRY_POINTS:
        module, attr = ENTRY_POINTS[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tokenfab' has no attribute {name!r}")
