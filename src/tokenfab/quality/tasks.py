"""Task sets: the shipped, generated sets in ``quality/data`` or a user's JSONL file.

One row per line: ``{"id", "task", "prompt", "answer", "check"}``; ``check`` names a checker in
:mod:`tokenfab.quality.score`. Malformed rows do not stop a run: they come back as
:class:`BadRow` with their file and line number, and every valid row still runs.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tokenfab.errors import ConfigError, DatasetError, format_validation
from tokenfab.quality.score import CheckKind
from tokenfab.schemas.evaluate import BadRow

SHIPPED_SETS: tuple[str, ...] = ("arithmetic", "extraction", "counting", "format")


class Task(BaseModel):
    """One prompt with a verifiable answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="unique within its file")
    task: str = Field(min_length=1, description="set name, used to group scores")
    prompt: str = Field(min_length=1, description="the user message sent to the model")
    answer: str | int = Field(description="the expected answer")
    check: CheckKind = Field(description="checker: exact, int, contains, json_answer, upper_word")
    distractors: tuple[str, ...] = Field(
        default=(), description="wrong answers the prompt also holds; a 'contains' reply that "
                                "includes one is wrong")

    @model_validator(mode="after")
    def _answer_fits_check(self) -> Task:
        if self.check in ("int", "json_answer"):
            try:
                int(self.answer)
            except ValueError:
                raise ValueError(f"check {self.check!r} needs an integer answer") from None
        if self.check == "upper_word":
            a = str(self.answer)
            if not a.isalpha() or not a.isupper():
                raise ValueError("check 'upper_word' needs one capital-letter word as answer")
        if not str(self.answer).strip():
            raise ValueError("answer is empty")
        return self


class TaskSet(BaseModel):
    """What :func:`load_tasks` returns: the runnable tasks and the rows it skipped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tasks: list[Task]
    bad_rows: list[BadRow] = Field(default_factory=list)

    def limited(self, per_set: int | None) -> TaskSet:
        """The first ``per_set`` tasks of each set (all when None), in file order."""
        if per_set is None:
            return self
        seen: dict[str, int] = {}
        kept: list[Task] = []
        for t in self.tasks:
            seen[t.task] = seen.get(t.task, 0) + 1
            if seen[t.task] <= per_set:
                kept.append(t)
        return TaskSet(tasks=kept, bad_rows=self.bad_rows)


def parse_jsonl(text: str, source: str) -> TaskSet:
    """Rows of ``text`` as tasks; blank lines are skipped, bad lines reported by number."""
    tasks: list[Task] = []
    bad: list[BadRow] = []
    ids: set[tuple[str, str]] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(BadRow(source=source, line=n, error=f"not JSON ({exc.msg})"))
            continue
        if not isinstance(row, dict):
            bad.append(BadRow(source=source, line=n, error="not a JSON object"))
            continue
        try:
            task = Task.model_validate(row)
        except ValidationError as exc:
            bad.append(BadRow(source=source, line=n, error=format_validation(exc)))
            continue
        if (task.task, task.id) in ids:
            bad.append(BadRow(source=source, line=n, error=f"duplicate id {task.id!r}"))
            continue
        ids.add((task.task, task.id))
        tasks.append(task)
    return TaskSet(tasks=tasks, bad_rows=bad)


def shipped_text(name: str) -> str:
    """The JSONL text of a shipped set."""
    return resources.files("tokenfab.quality").joinpath("data", f"{name}.jsonl").read_text()


def load_tasks(spec: str, flag: str = "--tasks") -> TaskSet:
    """``arithmetic,format`` | ``all`` | a path to a JSONL file -> tasks and skipped rows.

    An unknown set name raises :class:`ConfigError` listing the shipped sets; a file with no
    valid rows raises :class:`DatasetError`. Messages name ``flag``.
    """
    spec = spec.strip()
    path = Path(spec)
    if spec.endswith(".jsonl") or "/" in spec or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DatasetError(f"{flag} {spec}: cannot read ({exc.strerror}); give a JSONL "
                               "file or set names") from None
        except UnicodeDecodeError:
            raise DatasetError(f"{flag} {spec}: not UTF-8 text (a binary file?); give a "
                               "JSONL file, one task object per line") from None
        out = parse_jsonl(text, str(path))
        if not out.tasks:
            what = (f"no valid rows ({len(out.bad_rows)} bad)" if out.bad_rows
                    else "the file is empty")
            raise DatasetError(f"{flag} {spec}: {what}; "
                               'each line needs {"id", "task", "prompt", "answer", "check"}')
        return out
    names = list(SHIPPED_SETS) if spec == "all" else [s.strip() for s in spec.split(",")]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in SHIPPED_SETS]
    if unknown or not names:
        raise ConfigError(f"{flag}: unknown task set {', '.join(unknown) or repr(spec)}; "
                          f"choose from {', '.join(SHIPPED_SETS)}, all, or a path to a .jsonl "
                          "file")
    tasks: list[Task] = []
    bad: list[BadRow] = []
    for name in dict.fromkeys(names):
        part = parse_jsonl(shipped_text(name), f"{name}.jsonl")
        tasks += part.tasks
        bad += part.bad_rows
    return TaskSet(tasks=tasks, bad_rows=bad)
