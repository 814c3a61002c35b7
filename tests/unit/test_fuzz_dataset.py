"""Property-based: any file handed to ``bench --dataset`` loads into requests plus bad rows, or
fails with one ``DatasetError`` line naming the file — never another exception."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tokenfab.errors import DatasetError
from tokenfab.workload.dataset import MAX_TOKENS, OPENAI_ROLES, DatasetLoad, load_dataset

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
KEYS = ["messages", "conversations", "prompt", "max_tokens", "role", "content", "from", "value",
        "type", "text", "x"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**18, max_value=10**40),
    st.floats(), st.text(max_size=6), st.sampled_from(["user", "system", "assistant", "human",
                                                       "gpt", "text", " ", "\ud800"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                 max_size=4),
    max_leaves=15,
)


def _row(draw: st.DrawFn) -> bytes:
    """One line: a JSON row near the accepted shapes, or junk bytes."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.binary(max_size=30))
    if kind == 1:
        return draw(st.sampled_from([
            b"[" * 3000, b"{" * 3000, b'{"max_tokens": ' + b"9" * 5000 + b', "prompt": "x"}',
            b'{"prompt": "x", "max_tokens": 1e400}', b'{"prompt": NaN}', b"\x00\x00",
            b'{"messages": [{"role": ["user"], "content": "hi"}]}',
            b'{"conversations": [{"from": {"a": 1}, "value": "hi"}]}',
            b'{"prompt": "\\ud800"}', b'{"prompt": "x", "max_tokens": 100000000000000000000}',
        ]))
    row: dict[str, Any] = {}
    shape = draw(st.sampled_from(["messages", "conversations", "prompt"]))
    if shape == "messages":
        row["messages"] = draw(st.lists(st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "system", "assistant"]) | values,
             "content": st.text(max_size=8) | values}), max_size=3) | values)
    elif shape == "conversations":
        row["conversations"] = draw(st.lists(st.fixed_dictionaries(
            {"from": st.sampled_from(["human", "gpt", "system"]) | values,
             "value": st.text(max_size=8) | values}), max_size=3) | values)
    else:
        row["prompt"] = draw(st.text(max_size=8) | values)
    if draw(st.booleans()):
        row["max_tokens"] = draw(values)
    return json.dumps(row, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@st.composite
def dataset_files(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 7)) == 0:
        return draw(st.binary(max_size=200))
    rows = [_row(draw) for _ in range(draw(st.integers(0, 5)))]
    sep = draw(st.sampled_from([b"\n", b"\r\n", b"\n\n"]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + sep.join(rows)


def check_load(load: DatasetLoad) -> None:
    assert load.requests, "a load without a usable row must be a DatasetError"
    for req in load.requests:
        assert (req.messages is None) != (req.prompt is None)
        texts = [c for _, c in req.messages] if req.messages else [req.prompt or ""]
        assert all(isinstance(t, str) and t.strip() for t in texts)
        for t in texts:
            t.encode("utf-8")  # can be sent
        if req.messages:
            assert all(role in OPENAI_ROLES for role, _ in req.messages)
        assert req.max_tokens is None or 1 <= req.max_tokens <= MAX_TOKENS
    for bad in load.bad_rows:
        assert bad.line_no >= 1 and "\n" not in bad.reason and len(bad.reason) < 300


@FUZZ
@given(data=dataset_files())
@example(data=b"\x89PNG\r\n\x1a\n\x00\x00")
@example(data=b'{"messages": [{"role": ["user"], "content": "hi"}]}\n{"prompt": "ok"}')
@example(data=b"[" * 3000 + b'\n{"prompt": "ok"}')
@example(data=b'{"prompt": "ok", "max_tokens": ' + b"9" * 5000 + b"}")
def test_any_file_gives_requests_or_one_dataset_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    try:
        load = load_dataset(path)
    except DatasetError as exc:
        message = str(exc)
        assert "\n" not in message and str(path) in message
        return
    check_load(load)


# `bench --dataset X` for the X a new user might pass: one line naming the file and the problem
@pytest.mark.parametrize(("make", "words"), [
    (lambda p: p.write_bytes(bytes(range(256)) * 4), ["not UTF-8", "binary"]),
    (lambda p: p.mkdir(), ["is a directory"]),
    (lambda p: p.write_bytes(b""), ["empty"]),
    (lambda p: None, ["no such file"]),
    (lambda p: p.write_text('{"prompt": ""}\nnot json\n[1]\n'), ["none of 3 rows is usable",
                                                                  "line 1"]),
    (lambda p: os.mkfifo(p), ["not a regular file"]),
])
def test_unusable_dataset_is_one_line_naming_the_file(
    tmp_path: Path, make: Any, words: list[str]
) -> None:
    path = tmp_path / "data.jsonl"
    make(path)
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message


def test_unreadable_dataset_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"prompt": "x"}\n')

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # root can read any file: simulate it
    with pytest.raises(DatasetError, match="cannot read it \\(permission denied\\)") as info:
        load_dataset(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("line", "reason"), [
    ('{"messages": [{"role": ["user"], "content": "hi"}]}', "role ['user']"),
    ('{"conversations": [{"from": {"a": 1}, "value": "hi"}]}', "'from' {'a': 1}"),
    ('{"prompt": "x", "max_tokens": 100000000000000000000}', "max_tokens"),
    ('{"prompt": "\\ud800"}', "lone surrogate"),
    ("[" * 3000, "nested too deeply"),
    ('{"prompt": "x", "max_tokens": ' + "9" * 5000 + "}", "invalid JSON"),
])
def test_rows_that_used_to_raise_are_bad_rows(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(line + '\n{"prompt": "ok"}\n')
    load = load_dataset(path)
    assert [r.prompt for r in load.requests] == ["ok"]
    (bad,) = load.bad_rows
    assert bad.line_no == 1 and reason in bad.reason
