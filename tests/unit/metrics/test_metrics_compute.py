"""Metric formulas pinned against hand-computed values."""

from __future__ import annotations

import pytest

from tokenfab.metrics.compute import (
    itl_ms,
    latency_stats,
    meets_slo,
    ns_to_ms,
    ns_to_s,
    summarize_point,
    tpot_ms,
)
from tokenfab.schemas.config import Slo
from tokenfab.schemas.records import RequestRecord

MS = 1_000_000


def rec(i: int, sent_ms: float, chunks_ms: list[float], out: int | None, *, ok: bool = True,
        warmup: bool = False, inp: int = 100, err: str | None = None,
        status: int | None = None) -> RequestRecord:
    chunk_ns = [int(c * MS) for c in chunks_ms]
    return RequestRecord(
        point_index=0, request_index=i, sent_ns=int(sent_ms * MS),
        end_ns=chunk_ns[-1] if chunk_ns else int(sent_ms * MS) + 5 * MS,
        first_chunk_ns=chunk_ns[0] if chunk_ns else None, chunk_ns=chunk_ns,
        output_tokens=out, input_tokens=inp if ok else None, ok=ok, warmup=warmup,
        error_class=err, http_status=status,
    )


def test_unit_conversions_keep_their_names_honest() -> None:
    assert ns_to_ms(1_500_000) == 1.5
    assert ns_to_s(2_500_000_000) == 2.5


@pytest.mark.parametrize(
    ("chunks", "out", "expected"),
    [
        ([100, 110, 120, 130], 4, 10.0),  # (130-100)/(4-1)
        ([100, 130], 4, 10.0),  # chunks carry 2 tokens each: still (E2E-TTFT)/(out-1)
        ([100], 1, None),  # one token: undefined
        ([100, 200], None, 100.0),  # no usage: fall back to chunk count 2
    ],
)
def test_tpot(chunks: list[float], out: int | None, expected: float | None) -> None:
    r = rec(0, 0, chunks, out)
    assert tpot_ms(r) == expected


def test_itl_is_per_chunk() -> None:
    assert itl_ms(rec(0, 0, [100, 110, 125], 3)) == [10.0, 15.0]


def test_latency_stats_percentiles() -> None:
    s = latency_stats([float(x) for x in range(1, 101)])
    assert s is not None
    assert s.p50 == pytest.approx(50.5)
    assert s.p90 == pytest.approx(90.1)
    assert s.p99 == pytest.approx(99.01)
    assert (s.min, s.max, s.mean, s.n) == (1.0, 100.0, 50.5, 100)
    assert latency_stats([]) is None


def test_summarize_point_hand_computed() -> None:
    records = [
        rec(0, 0, [50, 60, 70], 3, warmup=True),  # excluded
        rec(1, 1000, [1100, 1110, 1120, 1130], 4),  # ttft 100, tpot 10, e2e 130
        rec(2, 1000, [1200, 1220, 1240, 1260], 4),  # ttft 200, tpot 20, e2e 260
        rec(3, 1500, [], None, ok=False, err="http", status=500),  # ends 1505
    ]
    p = summarize_point(records, mode="concurrency", value=2,
                        slo=Slo(ttft_ms=150, tpot_ms=15))
    # window: first measured send 1000 ms -> last end 1505 ms = 0.505 s
    assert p.duration_s == pytest.approx(0.505)
    assert p.requests.completed == 2 and p.requests.failed == 1
    assert p.requests.errors == {"http_500": 1}
    assert p.tokens.output == 8 and p.tokens.input == 200
    assert p.throughput.output_tok_s == pytest.approx(8 / 0.505)
    assert p.throughput.total_tok_s == pytest.approx(208 / 0.505)
    assert p.throughput.requests_per_s == pytest.approx(2 / 0.505)
    ttft = p.latency_ms["ttft"]
    assert ttft is not None and ttft.min == pytest.approx(100) and ttft.max == pytest.approx(200)
    tpot = p.latency_ms["tpot"]
    assert tpot is not None and tpot.mean == pytest.approx(15)
    # per-user tok/s = 1000 / TPOT -> 100 and 50, median 75
    assert p.throughput.per_user_output_tok_s_p50 == pytest.approx(75)
    # goodput: only request 1 meets both bounds; failed one is in the denominator
    assert p.goodput is not None
    assert p.goodput.fraction == pytest.approx(1 / 3)
    assert p.goodput.requests_per_s == pytest.approx(1 / 0.505)
    assert p.goodput.output_tok_s == pytest.approx(4 / 0.505)


def test_slo_bounds() -> None:
    r = rec(0, 0, [100, 110, 120], 3)  # ttft 100, tpot 10, e2e 120
    assert meets_slo(r, Slo(ttft_ms=100))
    assert not meets_slo(r, Slo(ttft_ms=99.9))
    assert not meets_slo(r, Slo(tpot_ms=9.9))
    assert meets_slo(r, Slo(e2e_ms=120))
    assert not meets_slo(rec(1, 0, [], None, ok=False, err="timeout"), Slo(e2e_ms=1e9))


def test_empty_point_has_no_throughput() -> None:
    p = summarize_point([rec(0, 0, [], None, ok=False, err="connect")], mode="rate", value=1)
    assert p.requests.completed == 0 and p.throughput.output_tok_s == 0.0
    assert p.latency_ms["ttft"] is None
