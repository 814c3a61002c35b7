"""Answer checkers: pure functions ``(reply, answer) -> bool``. No I/O, no model calls.

Every checker is forgiving about presentation and strict about content:

- ``exact``:      normalize(reply) == normalize(answer), where normalize = lower-case, drop a
                  leading "answer:" label, strip surrounding whitespace and punctuation, collapse
                  inner whitespace.
- ``int``:        the stated integer == int(answer). Stated = the first integer after the
                  last "=", "is", "are" or "equals" that has one after it, else the first
                  integer in the reply (``-12`` and ``1,234`` count). So "42", "The answer is
                  42." and "6 × 7 = 42" are right; "6 × 7 = 48" and "42 or 48? 48" are wrong.
- ``contains``:   normalize(answer) occurs in normalize(reply) as whole words, and none of the
                  item's ``distractors`` (the wrong answers the prompt also holds) does. So a
                  reply that merely repeats the passage — which holds the answer and the
                  distractors — is wrong; "She lives in Lima." is right.
- ``json_answer``: the first JSON object in the reply (code fences allowed) has key ``answer``
                  whose value is a number equal to int(answer); a numeric string is not a number.
- ``upper_word``: the reply, stripped of surrounding whitespace and punctuation, is exactly the
                  answer word in capital letters ("YES." passes, "Yes" and "YES, sure" fail).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Sequence
from typing import Literal

CheckKind = Literal["exact", "int", "contains", "json_answer", "upper_word"]
CHECKS: tuple[CheckKind, ...] = ("exact", "int", "contains", "json_answer", "upper_word")

_EDGE = string.punctuation + string.whitespace + "“”‘’«»…"
_LABEL = re.compile(r"^\s*(?:final\s+)?answer\s*[:=-]\s*", re.IGNORECASE)
_INT = re.compile(r"[-−]?\d{1,3}(?:,\d{3})+(?!\d)|[-−]?\d+")
_FENCE = re.compile(r"```(?:json)?", re.IGNORECASE)


def normalize(text: str) -> str:
    """lower(text) without an "answer:" label, edge punctuation or repeated whitespace."""
    text = _LABEL.sub("", text.strip())
    return " ".join(text.lower().split()).strip(_EDGE)


def first_int(text: str) -> int | None:
    """The first integer written in ``text`` (thousands commas allowed), or None."""
    m = _INT.search(text)
    if m is None:
        return None
    return int(m.group(0).replace(",", "").replace("−", "-"))


def check_exact(reply: str, answer: str | int) -> bool:
    """normalize(reply) == normalize(str(answer))."""
    return normalize(reply) == normalize(str(answer)) != ""


_STATES = re.compile(r"=|\b(?:is|are|equals)\b", re.IGNORECASE)


def stated_int(text: str) -> int | None:
    """The integer after the last "=", "is", "are" or "equals" followed by one; else the first."""
    for m in reversed(list(_STATES.finditer(text))):
        got = first_int(text[m.end():])
        if got is not None:
            return got
    return first_int(text)


def check_int(reply: str, answer: str | int) -> bool:
    """stated_int(reply) == int(answer)."""
    got = stated_int(reply)
    return got is not None and got == int(answer)


def _has_words(text: str, words: str) -> bool:
    want = normalize(words)
    return bool(want) and re.search(rf"(?<!\w){re.escape(want)}(?!\w)", text) is not None


def check_contains(reply: str, answer: str | int,
                   distractors: Sequence[str] = ()) -> bool:
    """normalize(answer) appears in normalize(reply) bounded by non-word characters and no
    distractor does."""
    text = normalize(reply)
    return _has_words(text, str(answer)) and not any(_has_words(text, d) for d in distractors)


def first_json_object(text: str) -> object | None:
    """The first JSON value that starts at a ``{`` in ``text`` (fences removed), or None."""
    text = _FENCE.sub("", text)
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj: object = decoder.raw_decode(text, start)[0]
            return obj
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
    return None


def check_json_answer(reply: str, answer: str | int) -> bool:
    """first_json_object(reply)["answer"] is a number equal to int(answer)."""
    obj = first_json_object(reply)
    if not isinstance(obj, dict) or "answer" not in obj:
        return False
    value = obj["answer"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value == int(answer)


def check_upper_word(reply: str, answer: str | int) -> bool:
    """reply.strip(whitespace + punctuation) == answer, case-sensitive."""
    return reply.strip(_EDGE) == str(answer) != ""


CHECKERS: dict[CheckKind, Callable[[str, str | int], bool]] = {
    "exact": check_exact,
    "int": check_int,
    "contains": check_contains,
    "json_answer": check_json_answer,
    "upper_word": check_upper_word,
}


def check(kind: CheckKind, reply: str, answer: str | int,
          distractors: Sequence[str] = ()) -> bool:
    """Dispatch to the checker named ``kind`` (distractors apply to ``contains``)."""
    if kind == "contains":
        return check_contains(reply, answer, distractors)
    return CHECKERS[kind](reply, answer)
