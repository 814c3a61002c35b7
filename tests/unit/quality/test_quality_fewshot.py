"""Few-shot completion prompts (pure) and the completions path of evaluate()."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tokenfab.quality import Task, evaluate, load_tasks
from tokenfab.quality.fewshot import STOP, examples_for, fewshot_prompt, reference_reply
from tokenfab.quality.score import check


def _t(i: str, task: str = "arithmetic", answer: str | int = 3, kind: str = "int") -> Task:
    return Task.model_validate({"id": i, "task": task, "prompt": f"What is {i}?",
                                "answer": answer, "check": kind})


POOL = [_t("a1"), _t("a2"), _t("a3"), _t("a4"), _t("x1", "extraction", "Lima", "contains")]


def test_examples_are_the_next_items_of_the_same_set_never_the_item() -> None:
    assert [t.id for t in examples_for(POOL[0], POOL, 2)] == ["a2", "a3"]
    assert [t.id for t in examples_for(POOL[3], POOL, 3)] == ["a1", "a2", "a3"]  # wraps
    assert [t.id for t in examples_for(POOL[2], POOL, 9)] == ["a4", "a1", "a2"]
    assert examples_for(POOL[4], POOL, 3) == []  # alone in its set: zero-shot
    assert examples_for(POOL[0], POOL, 0) == []


def test_prompt_layout() -> None:
    assert fewshot_prompt(POOL[0], POOL, 2) == (
        "Q: What is a2?\nA: 3\n\nQ: What is a3?\nA: 3\n\nQ: What is a1?\nA:")


def test_every_shipped_reference_reply_passes_its_own_checker() -> None:
    for t in load_tasks("all").tasks:
        assert check(t.check, reference_reply(t), t.answer, t.distractors), t.id


async def test_fewshot_goes_to_completions_with_stops_and_reads_text() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/completions"
        body = json.loads(request.content)
        seen.append(body)
        return httpx.Response(200, json={
            "choices": [{"index": 0, "text": " 3", "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 2}})

    result = await evaluate("http://test", "m", POOL[:3], style="fewshot", shots=1,
                            transport=httpx.MockTransport(handler))
    assert result.overall.correct == 3 and result.overall.tokens.input == 120
    assert all(b["stop"] == list(STOP) and "messages" not in b for b in seen)
    assert sorted(b["prompt"].count("Q: ") for b in seen) == [2, 2, 2]


@pytest.mark.parametrize("choice", [{"index": 0}, "nope"])
async def test_a_choice_without_message_or_text_is_bad_response(choice: Any) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"choices": [choice]}))
    result = await evaluate("http://test", "m", POOL[:1], transport=transport)
    assert result.errors == {"bad_response": 1}
