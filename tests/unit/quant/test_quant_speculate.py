from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tokenfab.errors import EngineError
from tokenfab.quant.speculate import copy_prompts, measure_workloads, rows_of


def test_rows_speedup_acceptance_and_price() -> None:
    results = {"none": {"copy": (4, 100.0, 0, 0)},
               "prompt-lookup": {"copy": (4, 150.0, 40, 30)}}
    rows = {r.config: r for r in rows_of(results, usd_per_hour=0.36)}
    assert rows["none"].speedup == pytest.approx(1.0) and rows["none"].acceptance is None
    assert rows["prompt-lookup"].speedup == pytest.approx(1.5)
    assert rows["prompt-lookup"].acceptance == pytest.approx(0.75)
    # 0.36 $/h / (150 tok/s × 3600) × 1e6 = $0.6667 per 1M output tokens
    assert rows["prompt-lookup"].usd_per_mtok_output == pytest.approx(0.36 / 150 / 3600 * 1e6)


def test_copy_prompts_are_distinct_passages() -> None:
    ps = copy_prompts(5)
    assert len(set(ps)) == 5 and all("word for word" in p for p in ps)


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_measure_workloads_reads_the_server_timings() -> None:
    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"timings": {"predicted_n": 50, "predicted_ms": 500.0,
                                                     "draft_n": 10, "draft_n_accepted": 4}})

    with _client(ok) as client:
        out = measure_workloads(client, "http://srv", ("copy", "free"), 2, 32)
    # 2 requests × 50 tokens / (2 × 500 ms) = 100 tok/s; drafted 20, accepted 8
    assert out == {"copy": (2, 100.0, 20, 8), "free": (2, 100.0, 20, 8)}


@pytest.mark.parametrize(("status", "fix"), [(400, "lower --max-tokens"),
                                             (503, "see the llama-server log")])
def test_an_http_error_from_the_server_is_one_line_naming_status_and_fix(
        status: int, fix: str) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="context exceeded\n")

    with _client(failing) as client, pytest.raises(EngineError) as exc:
        measure_workloads(client, "http://srv", ("copy",), 1, 32, "prompt-lookup")
    msg = str(exc.value)
    assert f"llama-server answered HTTP {status} to a copy request (prompt-lookup)" in msg
    assert fix in msg and "\n" not in msg


def test_a_server_that_goes_away_is_one_line() -> None:
    def gone(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with _client(gone) as client, pytest.raises(EngineError, match="stopped answering"):
        measure_workloads(client, "http://srv", ("free",), 1, 32)


def test_a_reply_that_is_not_json_is_one_line() -> None:
    with _client(lambda r: httpx.Response(200, text="<html>")) as client, \
            pytest.raises(EngineError, match="not JSON"):
        measure_workloads(client, "http://srv", ("free",), 1, 32)
