"""Dataset replay: good rows of each shape, bad rows reported by line, fatal cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokenfab.errors import DatasetError
from tokenfab.workload import BadRow, DatasetRequest, load_dataset, parse_row

GOOD_AND_BAD = [
    # line 1: OpenAI messages with max_tokens
    json.dumps(
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
            ],
            "max_tokens": 64,
        }
    ),
    # line 2: invalid JSON
    '{"messages": [',
    # line 3: blank (ignored, not a bad row)
    "",
    # line 4: ShareGPT, cut at the last human turn; next gpt reply has 10 words -> 13 tokens
    json.dumps(
        {
            "conversations": [
                {"from": "system", "value": "You help."},
                {"from": "human", "value": "Q1"},
                {"from": "gpt", "value": "A1"},
                {"from": "human", "value": "Q2"},
                {"from": "gpt", "value": "one two three four five six seven eight nine ten"},
            ]
        }
    ),
    # line 5: completions prompt
    json.dumps({"prompt": "Once upon a time"}),
    # line 6: missing fields (no known key)
    json.dumps({"text": "hello"}),
    # line 7: message without content
    json.dumps({"messages": [{"role": "user"}]}),
    # line 8: empty content
    json.dumps({"messages": [{"role": "user", "content": "   "}]}),
    # line 9: wrong role
    json.dumps({"messages": [{"role": "robot", "content": "beep"}]}),
    # line 10: wrong ShareGPT speaker
    json.dumps({"conversations": [{"from": "bard", "value": "hi"}]}),
    # line 11: no human turn
    json.dumps({"conversations": [{"from": "gpt", "value": "hi"}]}),
    # line 12: not an object
    "[1, 2, 3]",
    # line 13: bad max_tokens
    json.dumps({"prompt": "x", "max_tokens": 0}),
    # line 14: empty prompt
    json.dumps({"prompt": ""}),
    # line 15: text content parts, explicit max_tokens wins over nothing
    json.dumps(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                }
            ]
        }
    ),
    # line 16: ShareGPT with explicit max_tokens that beats the reply estimate
    json.dumps(
        {
            "conversations": [
                {"from": "human", "value": "Q"},
                {"from": "gpt", "value": "long long long"},
            ],
            "max_tokens": 7,
        }
    ),
    # line 17: user message only, no max_tokens; no assistant reply to estimate from
    json.dumps({"conversations": [{"from": "human", "value": "Alone"}]}),
    # line 18: messages without any user message
    json.dumps({"messages": [{"role": "system", "content": "sys"}]}),
]


def write(tmp_path: Path, lines: list[str], name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_rows_load_in_order(tmp_path: Path) -> None:
    load = load_dataset(write(tmp_path, GOOD_AND_BAD))
    assert load.requests == [
        DatasetRequest(
            messages=(("system", "Be brief."), ("user", "Hi")), prompt=None, max_tokens=64
        ),
        DatasetRequest(
            messages=(("system", "You help."), ("user", "Q1"), ("assistant", "A1"), ("user", "Q2")),
            prompt=None,
            max_tokens=13,
        ),
        DatasetRequest(messages=None, prompt="Once upon a time", max_tokens=None),
        DatasetRequest(messages=(("user", "ab"),), prompt=None, max_tokens=None),
        DatasetRequest(messages=(("user", "Q"),), prompt=None, max_tokens=7),
        DatasetRequest(messages=(("user", "Alone"),), prompt=None, max_tokens=None),
    ]


def test_bad_rows_are_reported_with_line_numbers_and_reasons(tmp_path: Path) -> None:
    load = load_dataset(write(tmp_path, GOOD_AND_BAD))
    assert [b.line_no for b in load.bad_rows] == [2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 18]
    reasons = {b.line_no: b.reason for b in load.bad_rows}
    assert "invalid JSON" in reasons[2]
    assert "no 'messages', 'conversations' or 'prompt'" in reasons[6]
    assert "needs 'role' and 'content'" in reasons[7]
    assert "content is empty" in reasons[8]
    assert "role 'robot'" in reasons[9]
    assert "'from' 'bard'" in reasons[10]
    assert "no human turn" in reasons[11]
    assert "expected a JSON object" in reasons[12]
    assert "max_tokens" in reasons[13]
    assert "'prompt' is empty" in reasons[14]
    assert "no user message" in reasons[18]
    assert all(isinstance(b, BadRow) for b in load.bad_rows)


def test_gpt_reply_estimate_uses_the_tokens_per_word_ratio() -> None:
    line = json.dumps(
        {"conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "a b c d"}]}
    )
    assert parse_row(line).max_tokens == 5  # round(4 * 1.3)
    assert parse_row(line, tokens_per_word=2.0).max_tokens == 8


def test_windows_line_endings_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"prompt": "a"}\r\n{"prompt": "b"}\r\n')
    load = load_dataset(path)
    assert [r.prompt for r in load.requests] == ["a", "b"]
    assert load.bad_rows == []


def test_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert str(path) in str(info.value) and "no such file" in str(info.value)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file_is_a_dataset_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert str(path) in str(info.value) and "empty" in str(info.value)
    assert "\n" not in str(info.value)


def test_file_with_no_valid_rows_is_a_dataset_error(tmp_path: Path) -> None:
    path = write(tmp_path, ["nope", json.dumps({"prompt": ""})], name="bad.jsonl")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = str(info.value)
    assert str(path) in message
    assert "none of 2 rows is usable" in message
    assert "line 1: invalid JSON" in message
    assert "'messages'" in message  # the fix names the accepted shapes
    assert "\n" not in message
