"""Generate tokenfab's shipped quality task sets (license-clean: every row is synthetic).

    python scripts/make_tasks.py            # rewrite src/tokenfab/quality/data/*.jsonl
    python scripts/make_tasks.py --check    # exit 1 if the shipped files differ

Deterministic: one ``random.Random(SEED + set index)`` per set, so regenerating is a no-op.
Every answer is computed here from the values put into the prompt, never written by hand.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 20240611
N_PER_SET = 50
DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "tokenfab" / "quality" / "data"

Row = dict[str, Any]

FIRST = ["Maria", "Tom", "Aisha", "Kenji", "Lena", "Omar", "Sofia", "Pavel", "Grace", "Diego",
         "Nina", "Felix", "Priya", "Jonas", "Chloe", "Mateo", "Ingrid", "Samir", "Yuki", "Elena"]
LAST = ["Lopez", "Becker", "Khan", "Sato", "Novak", "Haddad", "Rossi", "Ivanov", "Okafor",
        "Silva", "Larsen", "Moreau", "Patel", "Keller", "Dubois", "Costa", "Berg", "Nakamura"]
CITIES = ["Lisbon", "Oslo", "Nairobi", "Osaka", "Prague", "Cairo", "Lima", "Dublin", "Seoul",
          "Vienna", "Toronto", "Madrid", "Helsinki", "Manila", "Zurich", "Athens", "Denver"]
JOBS = ["baker", "pilot", "nurse", "teacher", "plumber", "chemist", "librarian", "farmer",
        "architect", "dentist", "carpenter", "journalist", "electrician", "gardener"]
FRUITS = ["apple", "pear", "plum", "grape", "lemon", "mango", "peach", "cherry", "melon"]
WORDS = ["YES", "NO", "BLUE", "RED", "APPLE", "DONE", "OK", "STOP", "GREEN", "HELLO"]


def arithmetic(rng: random.Random, i: int) -> Row:
    op = ("+", "-", "×")[i % 3]
    if op == "×":
        a, b = rng.randint(2, 19), rng.randint(2, 12)
        value = a * b
    else:
        a, b = rng.randint(10, 99), rng.randint(2, 99)
        value = a + b if op == "+" else a - b
    prompt = f"What is {a} {op} {b}? Reply with only the number."
    return {"prompt": prompt, "answer": value, "check": "int"}


def extraction(rng: random.Random, i: int) -> Row:
    names = rng.sample(FIRST, 2)
    lasts = rng.sample(LAST, 2)
    cities = rng.sample(CITIES, 2)
    jobs = rng.sample(JOBS, 2)
    ages = rng.sample(range(21, 70), 2)
    people = [{"name": f"{names[k]} {lasts[k]}", "first": names[k], "city": cities[k],
               "job": jobs[k], "age": ages[k]} for k in range(2)]
    passage = " ".join(
        f"{p['name']} is a {p['age']}-year-old {p['job']} who lives in {p['city']}."
        for p in people)
    k = rng.randrange(2)
    who, other = people[k], people[1 - k]
    field = ("city", "job", "name")[i % 3]
    if field == "city":
        question = f"In which city does {who['name']} live? Reply with only the city name."
        answer = who["city"]
    elif field == "job":
        question = f"What is {who['name']}'s job? Reply with only the job, one word."
        answer = who["job"]
    else:
        question = (f"Who lives in {who['city']}? Reply with only the person's full name.")
        answer = who["name"]
    return {"prompt": f"Read the passage and answer the question.\n\nPassage: {passage}\n\n"
                      f"Question: {question}", "answer": answer, "check": "contains",
            # the other person's value is in the passage too: a reply naming it is wrong
            "distractors": [other["name" if field == "name" else field]]}


def counting(rng: random.Random, i: int) -> Row:
    if i % 2 == 0:
        target = rng.choice(FRUITS)
        others = [f for f in FRUITS if f != target]
        k = rng.randint(1, 5)
        items = [target] * k + [rng.choice(others) for _ in range(rng.randint(2, 6))]
        rng.shuffle(items)
        prompt = (f"Here is a list of words: {', '.join(items)}.\nHow many times does the word "
                  f"\"{target}\" appear in the list? Reply with only the number.")
    else:
        letters = "abcdefgh"
        target = rng.choice(letters)
        k = rng.randint(1, 6)
        items = [target] * k + [rng.choice(letters.replace(target, ""))
                                for _ in range(rng.randint(3, 7))]
        rng.shuffle(items)
        prompt = (f"Here is a list of letters: {' '.join(items)}\nHow many times does the "
                  f"letter \"{target}\" appear in the list? Reply with only the number.")
    return {"prompt": prompt, "answer": items.count(target), "check": "int"}


def format_(rng: random.Random, i: int) -> Row:
    if i % 2 == 0:
        word = rng.choice(WORDS)
        prompt = (f"Reply with only the word {word} in capital letters, and nothing else.")
        return {"prompt": prompt, "answer": word, "check": "upper_word"}
    a, b = rng.randint(1, 20), rng.randint(1, 20)
    prompt = (f"What is {a} + {b}? Answer with a JSON object of the form {{\"answer\": "
              "<number>}, and nothing else.")
    return {"prompt": prompt, "answer": a + b, "check": "json_answer"}


SETS: dict[str, Callable[[random.Random, int], Row]] = {
    "arithmetic": arithmetic, "extraction": extraction, "counting": counting, "format": format_}


def generate(name: str, n: int = N_PER_SET) -> str:
    """The JSONL text of one set."""
    rng = random.Random(SEED + list(SETS).index(name))
    lines = []
    for i in range(n):
        row = {"id": f"{name}-{i + 1:03d}", "task": name, **SETS[name](rng, i)}
        lines.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--out", type=Path, default=DATA_DIR)
    args = ap.parse_args(argv)
    stale = []
    args.out.mkdir(parents=True, exist_ok=True)
    for name in SETS:
        path = args.out / f"{name}.jsonl"
        text = generate(name)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/make_tasks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
