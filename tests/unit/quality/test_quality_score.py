"""Checkers: forgiving about presentation, strict about content (table-driven)."""

from __future__ import annotations

import pytest

from tokenfab.quality.score import CHECKERS, CHECKS, check, first_int, normalize


@pytest.mark.parametrize(("kind", "reply", "answer", "ok"), [
    # exact: case, edge punctuation, whitespace and an "Answer:" label don't matter
    ("exact", "Lisbon", "Lisbon", True),
    ("exact", "  lisbon.\n", "Lisbon", True),
    ("exact", "Answer: LISBON!", "Lisbon", True),
    ("exact", "Maria   Lopez", "Maria Lopez", True),
    ("exact", "Lisbon, Portugal", "Lisbon", False),
    ("exact", "", "Lisbon", False),
    # int: the stated integer (after the last =/is/equals), else the first
    ("int", "42", 42, True),
    ("int", "The answer is 42.", 42, True),
    ("int", " 42\n", "42", True),
    ("int", "-17", -17, True),
    ("int", "−17", -17, True),
    ("int", "1,234", 1234, True),
    ("int", "3, 4", 3, True),
    ("int", "Answer: 42", 42, True),
    ("int", "6 × 7 = 42", 42, True),
    ("int", "6 × 7 = 48", 42, False),
    ("int", "43 - 21 is 22.", 22, True),
    ("int", "13 × 7 = 98\n\nThis is a classic example.", 91, False),
    ("int", "87 + 45 equals 222", 132, False),
    ("int", 'The word "pear" appears 2 times in the list.', 2, True),
    ("int", "forty-two", 42, False),
    ("int", "", 0, False),
    ("int", "420", 42, False),
    # contains: whole words, case-insensitive
    ("contains", "Pavel Larsen lives in Lima.", "Lima", True),
    ("contains", "lima", "Lima", True),
    ("contains", "Limassol", "Lima", False),
    ("contains", "The job is gardener", "gardener", True),
    ("contains", "Maria Moreau", "maria moreau", True),
    ("contains", "Maria", "Maria Moreau", False),
    # json_answer: first object, fences allowed, a number not a string
    ("json_answer", '{"answer": 22}', 22, True),
    ("json_answer", '```json\n{"answer": 22}\n```', 22, True),
    ("json_answer", 'Sure! {"answer": 22.0}', 22, True),
    ("json_answer", '{"answer": "22"}', 22, False),
    ("json_answer", '{"answer": 23}', 22, False),
    ("json_answer", '{"result": 22}', 22, False),
    ("json_answer", '{"answer": true}', 1, False),
    ("json_answer", "22", 22, False),
    ("json_answer", '{bad} {"answer": 22}', 22, True),
    # upper_word: exactly the word in capitals, edge punctuation allowed
    ("upper_word", "YES", "YES", True),
    ("upper_word", " YES.\n", "YES", True),
    ("upper_word", "Yes", "YES", False),
    ("upper_word", "YES, sure", "YES", False),
    ("upper_word", "", "YES", False),
])
def test_checkers(kind: str, reply: str, answer: str | int, ok: bool) -> None:
    assert check(kind, reply, answer) is ok  # type: ignore[arg-type]


@pytest.mark.parametrize(("reply", "ok"), [
    ("Lima", True),
    ("Pavel Larsen lives in Lima.", True),
    # parroting the passage holds the answer AND the distractor: wrong
    ("Passage: Mateo Moreau ... lives in Oslo. Pavel Larsen ... lives in Lima.", False),
    ("Oslo", False),
    ("Lima or Oslo", False),
])
def test_contains_rejects_replies_that_also_name_a_distractor(reply: str, ok: bool) -> None:
    assert check("contains", reply, "Lima", ("Oslo",)) is ok


def test_shipped_extraction_items_carry_the_other_persons_value_as_distractor() -> None:
    from tokenfab.quality import load_tasks

    items = load_tasks("extraction").tasks
    assert items and all(len(t.distractors) == 1 for t in items)
    for t in items:
        assert t.distractors[0] in t.prompt and t.distractors[0] != t.answer
        assert not check("contains", t.prompt, t.answer, t.distractors)  # parroting fails


def test_every_check_kind_has_a_checker() -> None:
    assert set(CHECKERS) == set(CHECKS)


@pytest.mark.parametrize(("text", "want"), [
    ("abc", None), ("x 7 y 8", 7), ("-3 apples", -3), ("12,345,678!", 12345678),
    ("1,23", 1),
])
def test_first_int(text: str, want: int | None) -> None:
    assert first_int(text) == want


def test_normalize() -> None:
    assert normalize("  Final answer:  The  CITY. ") == "the city"
