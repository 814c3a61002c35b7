"""evaluate() against canned replies (httpx.MockTransport), priced by hand."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import httpx
import pytest

from tokenfab.quality import Task, eval_json, evaluate, price_eval

HALF_S_NS = 500_000_000


def _task(i: str, task: str, answer: str | int, check: str) -> Task:
    return Task.model_validate({"id": i, "task": task, "prompt": f"prompt {i}",
                                "answer": answer, "check": check})


TASKS = [
    _task("a1", "arithmetic", 132, "int"),
    _task("a2", "arithmetic", 22, "int"),
    _task("a3", "arithmetic", 5, "int"),
    _task("f1", "format", "YES", "upper_word"),
    _task("f2", "format", 22, "json_answer"),
    _task("f3", "format", 7, "json_answer"),
]
REPLIES: dict[str, Any] = {  # prompt id -> reply text, or an HTTP status to fail with
    "a1": "132", "a2": "The answer is 21.", "a3": 500,
    "f1": "   ", "f2": '{"answer": 22}', "f3": 429,
}


def _body(text: str, reasoning: int | None = None) -> dict[str, Any]:
    usage: dict[str, Any] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    if reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return {"id": "x", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}], "usage": usage}


def _clock() -> Any:
    """Each call is half a second later than the one before (deterministic wall time)."""
    ticks = itertools.count(0, HALF_S_NS)
    return lambda: next(ticks)


async def test_canned_replies_give_hand_computed_accuracy_tokens_and_price() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        assert request.headers["authorization"] == "Bearer k"
        body = json.loads(request.content)
        seen.append(body)
        key = body["messages"][0]["content"].removeprefix("prompt ")
        reply = REPLIES[key]
        if isinstance(reply, int):
            return httpx.Response(reply, json={"error": {"message": "nope"}})
        return httpx.Response(200, json=_body(reply, reasoning=2 if key == "f2" else None))

    result = await evaluate("http://test/v1/", "m", TASKS, concurrency=2, max_tokens=16,
                            api_key="k", transport=httpx.MockTransport(handler),
                            clock_ns=_clock())
    assert {(b["temperature"], b["seed"], b["stream"], b["max_tokens"], b["model"])
            for b in seen} == {(0, 0, False, 16, "m")}
    o = result.overall
    assert (o.n, o.correct, o.empty, o.errored) == (6, 2, 1, 2)
    assert o.accuracy == pytest.approx(2 / 6)
    assert o.tokens.model_dump() == {"input": 40, "output": 20, "reasoning": 2}
    assert result.errors == {"http_429": 1, "http_500": 1}
    per = result.per_task
    assert (per["arithmetic"].correct, per["arithmetic"].n) == (1, 3)
    assert (per["format"].correct, per["format"].empty) == (1, 1)
    # 1 start tick + 2 ticks per item: wall = (2 × 6 + 1) × 0.5 s
    assert result.wall_s == pytest.approx(6.5)
    # cost = $0.36/h × 6.5 s / 3600 = $0.00065; /2 correct; /20 output tokens × 1e6
    cost = price_eval(0.36, result.wall_s, o.correct, o.tokens.output)
    assert cost.cost_usd == pytest.approx(0.00065)
    assert cost.usd_per_correct == pytest.approx(0.000325)
    assert cost.usd_per_mtok_output == pytest.approx(32.5)
    doc = eval_json(result, cost, [])
    assert doc["schema"] == "tokenfab.eval/1"
    assert doc["tasks"]["format"] == {"accuracy": pytest.approx(1 / 3), "n": 3, "correct": 1,
                                      "empty": 1, "errored": 1,
                                      "tokens": {"input": 20, "output": 10, "reasoning": 2}}
    assert doc["empty_answers"] == 1 and doc["usd_per_correct"] == pytest.approx(0.000325)
    assert json.loads(json.dumps(doc)) == doc


async def test_transport_failures_are_counted_by_class_never_raised() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        key = json.loads(request.content)["messages"][0]["content"]
        if key.endswith("a1"):
            raise httpx.ReadTimeout("slow", request=request)
        if key.endswith("a2"):
            raise httpx.ConnectError("refused", request=request)
        if key.endswith("a3"):
            return httpx.Response(200, text="not json")
        return httpx.Response(200, json={"choices": []})

    result = await evaluate("http://test", "m", TASKS, transport=httpx.MockTransport(handler))
    assert result.errors == {"bad_response": 4, "connect": 1, "timeout": 1}
    assert result.overall.correct == 0 and result.overall.n == 6


async def test_concurrency_caps_requests_in_flight() -> None:
    active = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1
        return httpx.Response(200, json=_body("x"))

    tasks = [_task(f"t{i}", "t", 1, "int") for i in range(12)]
    result = await evaluate("http://test", "m", tasks, concurrency=3,
                            transport=httpx.MockTransport(handler))
    assert peak == 3 and result.overall.n == 12


@pytest.mark.parametrize(("usd_h", "wall_s", "correct", "out", "util", "cost", "per", "mtok"), [
    (3.6, 10.0, 4, 1000, 1.0, 0.01, 0.0025, 10.0),
    (3.6, 10.0, 4, 1000, 0.5, 0.02, 0.005, 20.0),
    (1.0, 3600.0, 0, 0, 1.0, 1.0, None, None),
])
def test_price_eval(usd_h: float, wall_s: float, correct: int, out: int, util: float,
                    cost: float, per: float | None, mtok: float | None) -> None:
    c = price_eval(usd_h, wall_s, correct, out, util)
    assert c.cost_usd == pytest.approx(cost)
    assert c.usd_per_correct == (None if per is None else pytest.approx(per))
    assert c.usd_per_mtok_output == (None if mtok is None else pytest.approx(mtok))
    assert (c.note is None) == (correct > 0 and out > 0)


def test_public_surface() -> None:
    import tokenfab.quality as q

    assert sorted(q.__all__) == sorted(n for n in q.__all__ if hasattr(q, n))
    assert {"load_tasks", "evaluate", "price_eval", "eval_json"} <= set(q.__all__)
