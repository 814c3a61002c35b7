"""Loading task sets: shipped sets, user files, bad rows with line numbers."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from tokenfab.errors import ConfigError, DatasetError
from tokenfab.quality.score import check
from tokenfab.quality.tasks import SHIPPED_SETS, load_tasks, shipped_text

REPO = Path(__file__).resolve().parents[3]


def test_all_loads_every_shipped_set_with_about_50_items() -> None:
    ts = load_tasks("all")
    assert ts.bad_rows == []
    counts = {n: sum(t.task == n for t in ts.tasks) for n in SHIPPED_SETS}
    assert counts == {n: 50 for n in SHIPPED_SETS}


def test_comma_list_keeps_order_and_limit_is_per_set() -> None:
    ts = load_tasks("format, arithmetic").limited(3)
    assert [t.id for t in ts.tasks] == ["format-001", "format-002", "format-003",
                                        "arithmetic-001", "arithmetic-002", "arithmetic-003"]


def test_unknown_set_lists_the_sets() -> None:
    with pytest.raises(ConfigError) as exc:
        load_tasks("arithmetic,trivia")
    msg = str(exc.value)
    assert "trivia" in msg and all(n in msg for n in SHIPPED_SETS)
    assert "\n" not in msg


def test_user_file_reports_bad_rows_by_line_and_runs_the_rest(tmp_path: Path) -> None:
    good = {"id": "a", "task": "mine", "prompt": "2+2?", "answer": 4, "check": "int"}
    lines = [
        json.dumps(good),
        "{not json",
        "",
        json.dumps({**good, "id": "b", "check": "fuzzy"}),
        json.dumps({**good, "id": "c", "answer": "four"}),
        json.dumps({**good, "id": "d", "extra": 1}),
        json.dumps({**good, "id": "e", "check": "upper_word", "answer": "Yes"}),
        json.dumps(good),
        "[1, 2]",
        json.dumps({**good, "id": "f"}),
    ]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n")
    ts = load_tasks(str(path))
    assert [t.id for t in ts.tasks] == ["a", "f"]
    assert [b.line for b in ts.bad_rows] == [2, 4, 5, 6, 7, 8, 9]
    errors = {b.line: b.error for b in ts.bad_rows}
    assert "not JSON" in errors[2]
    assert errors[4].startswith("check:")
    assert "integer answer" in errors[5]
    assert "extra" in errors[6]
    assert "capital" in errors[7]
    assert "duplicate" in errors[8]
    assert all(b.source == str(path) for b in ts.bad_rows)


def test_user_file_without_valid_rows_is_a_dataset_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("nope\n")
    with pytest.raises(DatasetError, match="no valid rows"):
        load_tasks(str(path))
    with pytest.raises(DatasetError, match="cannot read"):
        load_tasks(str(tmp_path / "missing.jsonl"))


def _make_tasks_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_tasks", REPO / "scripts/make_tasks.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", SHIPPED_SETS)
def test_shipped_files_are_exactly_what_the_generator_writes(name: str) -> None:
    assert shipped_text(name) == _make_tasks_module().generate(name)


_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "×": lambda a, b: a * b}


def test_shipped_answers_are_verifiable_from_the_prompt() -> None:
    """Recompute each answer from its prompt; a perfect reply passes its own checker."""
    for t in load_tasks("all").tasks:
        if t.task == "arithmetic":
            m = re.search(r"What is (\d+) ([+\-×]) (\d+)\?", t.prompt)
            assert m, t.prompt
            assert t.answer == _OPS[m[2]](int(m[1]), int(m[3]))
        elif t.task == "counting":
            m = re.search(r"list of \w+: (.*?)\n.*\"(\w)\"|list of \w+: (.*?)\n.*\"(\w+)\"",
                          t.prompt, re.S)
            assert m, t.prompt
            items_text, target = (m[1], m[2]) if m[1] is not None else (m[3], m[4])
            items = re.split(r"[,\s]+", items_text.strip(" ."))
            assert t.answer == items.count(target), t.prompt
        elif t.task == "extraction":
            assert str(t.answer) in t.prompt.split("Question:")[0]
        perfect = json.dumps({"answer": t.answer}) if t.check == "json_answer" else str(t.answer)
        assert check(t.check, perfect, t.answer), t.id
