"""The public surface: one entry point per job, importable from ``tokenfab``, each taking a
pydantic config and none of them reaching back into ``tokenfab.cli``."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

import tokenfab

SRC = Path(tokenfab.__file__).parent


@pytest.mark.parametrize("name", sorted(tokenfab.ENTRY_POINTS))
def test_every_entry_point_takes_a_pydantic_config(name: str) -> None:
    fn = getattr(tokenfab, name)
    assert callable(fn)
    first = next(iter(inspect.signature(fn, eval_str=True).parameters.values()))
    assert isinstance(first.annotation, type) and issubclass(first.annotation, BaseModel), (
        f"tokenfab.{name}'s first parameter is {first.annotation!r}, not a pydantic config")


def test_all_lists_exactly_the_public_names() -> None:
    assert set(tokenfab.__all__) == {"ENTRY_POINTS", "TokenfabError", "__version__",
                                     *tokenfab.ENTRY_POINTS}
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = tokenfab.nope  # type: ignore[attr-defined]


def test_import_tokenfab_loads_no_entry_point_module() -> None:
    code = ("import sys, tokenfab; "
            "print(sorted(m for m in sys.modules if m.startswith('tokenfab.session')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_nothing_outside_cli_imports_cli() -> None:
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if "cli" not in p.relative_to(SRC).parts[:1]
                 and any(m == "tokenfab.cli" or m.startswith("tokenfab.cli.")
                         for m in _imports(p))]
    assert offenders == []


# Stages a CLI module may not orchestrate directly: it calls a session function instead.
ORCHESTRATION = ("tokenfab.roofline", "tokenfab.store", "tokenfab.engines.llamacpp",
                 "tokenfab.engines.lifecycle", "tokenfab.load", "tokenfab.tune.runner",
                 "tokenfab.quant.measure")


def test_cli_modules_do_not_orchestrate() -> None:
    offenders = {str(p.relative_to(SRC)): sorted(m for m in _imports(p)
                                                 if m.startswith(ORCHESTRATION))
                 for p in (SRC / "cli").glob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_model_math_does_not_import_persistence() -> None:
    for pkg in ("roofline", "cost", "metrics", "schemas"):
        for p in (SRC / pkg).rglob("*.py"):
            bad = [m for m in _imports(p) if m.startswith(("tokenfab.store", "tokenfab.host"))]
            assert bad == [], f"{p.relative_to(SRC)} imports {bad}"
