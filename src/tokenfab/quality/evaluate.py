"""Send every task to an OpenAI-compatible server once and score the replies.

Non-streaming ``POST /v1/chat/completions`` (style ``chat``: the item is the user turn) or
``POST /v1/completions`` (style ``fewshot``: solved examples then the item, see
:mod:`tokenfab.quality.fewshot`; for pre-trained base models), ``temperature=0, seed=0``; at
most ``concurrency`` requests in flight. Nothing aborts the run: an HTTP error, a timeout or a
malformed body is counted under ``errors`` by class and the item is scored wrong; an empty
reply is scored wrong and flagged ``empty``.

    accuracy = correct / n          (n counts errored and empty items too)
    wall_s   = (t_last_reply_ns − t_first_send_ns) / 1e9   (measured)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from tokenfab.quality.fewshot import STOP, fewshot_prompt
from tokenfab.quality.score import check
from tokenfab.quality.tasks import Task
from tokenfab.schemas.evaluate import (
    EvalResult,
    ItemResult,
    PromptStyle,
    TaskScore,
    Tokens,
    aggregate,
)

__all__ = ["EvalResult", "ItemResult", "TaskScore", "Tokens", "aggregate", "error_class",
           "evaluate", "parse_reply", "request_for"]


def error_class(exc: Exception) -> str:
    """A short, stable name for what went wrong with one request."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"http_{exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect"
    if isinstance(exc, httpx.HTTPError):
        return "transport"
    return "bad_response"


def _int(v: Any) -> int:
    return int(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0


def parse_reply(body: Any) -> tuple[str, str | None, int, int, int]:
    """(text, finish_reason, prompt_tokens, completion_tokens, reasoning_tokens) of a body."""
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list) \
            or not body["choices"]:
        raise ValueError("no choices in the response")
    choice = body["choices"][0]
    if not isinstance(choice, dict):
        raise ValueError("the first choice is not an object")
    msg = choice.get("message")
    if isinstance(msg, dict):  # chat completion
        content = msg.get("content")
    elif "text" in choice:  # text completion
        content = choice.get("text")
    else:
        raise ValueError("no message in the first choice")
    text = content if isinstance(content, str) else ""
    raw_usage = body.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    details = usage.get("completion_tokens_details")
    reasoning = _int(details.get("reasoning_tokens")) if isinstance(details, dict) else 0
    finish = choice.get("finish_reason")
    return (text, finish if isinstance(finish, str) else None,
            _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens")), reasoning)


def request_for(task: Task, model: str, max_tokens: int, style: PromptStyle = "chat",
                pool: list[Task] | None = None, shots: int = 3) -> tuple[str, dict[str, Any]]:
    """(path, JSON body) of the request that asks ``task``."""
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "temperature": 0,
                            "seed": 0, "stream": False}
    if style == "fewshot":
        body.update(prompt=fewshot_prompt(task, pool or [task], shots), stop=list(STOP))
        return "/v1/completions", body
    body["messages"] = [{"role": "user", "content": task.prompt}]
    return "/v1/chat/completions", body


async def _one(client: httpx.AsyncClient, sem: asyncio.Semaphore, task: Task,
               request: tuple[str, dict[str, Any]],
               clock_ns: Callable[[], int]) -> ItemResult:
    path, body = request
    async with sem:
        t0 = clock_ns()
        try:
            resp = await client.post(path, json=body)
            resp.raise_for_status()
            text, finish, n_in, n_out, n_reason = parse_reply(resp.json())
        except (httpx.HTTPError, ValueError) as exc:
            return ItemResult(id=task.id, task=task.task, error=error_class(exc),
                              latency_ns=clock_ns() - t0)
        latency = clock_ns() - t0
    empty = not text.strip()
    return ItemResult(id=task.id, task=task.task, reply=text, empty=empty,
                      correct=not empty and check(task.check, text, task.answer, task.distractors),
                      finish_reason=finish, input_tokens=n_in, output_tokens=n_out,
                      reasoning_tokens=n_reason, latency_ns=latency)


async def evaluate(url: str, model: str, tasks: list[Task], *, concurrency: int = 4,
                   max_tokens: int = 64, timeout_s: float = 60.0, api_key: str | None = None,
                   style: PromptStyle = "chat", shots: int = 3,
                   transport: httpx.AsyncBaseTransport | None = None,
                   clock_ns: Callable[[], int] = time.perf_counter_ns) -> EvalResult:
    """Ask ``model`` at ``url`` every task once; never raises for a failed request.
    ``style="fewshot"`` draws its ``shots`` examples from ``tasks`` (same set, not the item)."""
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    base = url.rstrip("/").removesuffix("/v1")  # accept http://host:port or .../v1
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=httpx.Timeout(timeout_s), transport=transport) as client:
        start = clock_ns()
        items = await asyncio.gather(
            *(_one(client, sem, t, request_for(t, model, max_tokens, style, tasks, shots),
                   clock_ns) for t in tasks))
        wall = clock_ns() - start
    errors: dict[str, int] = {}
    for i in items:
        if i.error is not None:
            errors[i.error] = errors.get(i.error, 0) + 1
    return EvalResult(model=model, items=list(items), wall_ns=max(0, wall),
                      errors=dict(sorted(errors.items())))
