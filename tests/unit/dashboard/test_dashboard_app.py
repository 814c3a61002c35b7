"""The dashboard over a temporary SQLite results database, through FastAPI's TestClient."""

from __future__ import annotations

import re
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette asks for httpx2; httpx is what tokenfab ships
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tokenfab.dashboard import LOOPBACK_HOSTS, create_app
from tokenfab.dashboard import service as dash_service
from tokenfab.metrics.compute import summarize_point
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import RunSummary, Target
from tokenfab.store import Store

T0 = 10_000_000_000_000  # a perf_counter_ns-sized timestamp
MS = 1_000_000
XSS = "<script>alert(1)</script>"


def records(point: int, n: int, *, gap_ms: int, ok: bool = True) -> list[RequestRecord]:
    """``n`` requests ``gap_ms`` apart: TTFT 50 ms, then 9 more tokens 10 ms apart (140 ms)."""
    out = []
    for i in range(n):
        sent = T0 + point * 10_000 * MS + i * gap_ms * MS
        if not ok:
            out.append(RequestRecord(point_index=point, request_index=i, sent_ns=sent,
                                     end_ns=sent + 5 * MS, ok=False, error_class="http",
                                     http_status=500))
            continue
        chunks = [sent + 50 * MS + k * 10 * MS for k in range(10)]
        out.append(RequestRecord(point_index=point, request_index=i, sent_ns=sent,
                                 end_ns=chunks[-1], first_chunk_ns=chunks[0], chunk_ns=chunks,
                                 chunk_tokens=[1] * 10, input_tokens=100, output_tokens=10))
    return out


def config(model: str, hourly_usd: float | None, **extra: Any) -> dict[str, Any]:
    return {"url": "http://127.0.0.1:9", "model": model, "values": [1], "requests_per_point": 4,
            "hourly_usd": hourly_usd, "bootstrap_samples": 0, **extra}


def add_run(store: Store, run_id: str, model: str, label: str | None, points: dict[int, float],
            *, hourly_usd: float | None = 2.0, ok: bool = True, finish: bool = True,
            kind: str = "bench", status: str = "complete", **cfg: Any) -> None:
    store.create_run(run_id, kind=kind, label=label, config=config(model, hourly_usd, **cfg),
                     environment={"os": "test"}, target_url="http://127.0.0.1:9", model=model,
                     started_unix_ns=1_700_000_000_000_000_000 + len(run_id),
                     clock_offset_ns=0)
    summaries = []
    for idx, conc in points.items():
        store.add_point(run_id, idx, "concurrency", conc)
        recs = records(idx, 4, gap_ms=200 if conc == 1 else 35, ok=ok)
        store.append_records(run_id, recs)
        summaries.append(summarize_point(recs, mode="concurrency", value=conc))
    if finish:
        store.finish_run(run_id, RunSummary(run_id=run_id, target=Target(
            url="http://127.0.0.1:9", model=model), points=summaries, label=label),
            status=status)


@pytest.fixture()
def db_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    with Store(url) as store:
        add_run(store, "aaaa1111", "llama-3-8b", XSS, {0: 1, 1: 4})
        add_run(store, "bbbb2222", "mistral-7b", "second", {0: 1}, hourly_usd=1.0, kind="run")
        add_run(store, "cccc3333", "llama-3-8b", None, {0: 1}, ok=False, status="failed")
    yield url


@pytest.fixture()
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as c:
        yield c


def price(client: TestClient, run: str = "aaaa", **params: Any) -> Any:
    r = client.get(f"/api/runs/{run}/price", params=params)
    assert r.status_code == 200, r.text
    return r.json()


# -- list and detail --------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"aaaa1111", "bbbb2222", "cccc3333"}),
    ({"model": "LLAMA"}, {"aaaa1111", "cccc3333"}),
    ({"kind": "run"}, {"bbbb2222"}),
    ({"status": "failed"}, {"cccc3333"}),
    ({"q": "alert"}, {"aaaa1111"}),  # label
    ({"q": "BBBB"}, {"bbbb2222"}),  # run id, any case
    ({"q": "mistral", "kind": "bench"}, set()),
])
def test_list_filters(client: TestClient, params: dict[str, str], expected: set[str]) -> None:
    body = client.get("/api/runs", params=params).json()
    assert {r["run_id"] for r in body["runs"]} == expected
    assert body["total"] == 3 and body["kinds"] == ["bench", "run"]


def test_list_page_filters_and_links(client: TestClient) -> None:
    html = client.get("/", params={"model": "mistral"}).text
    assert 'href="/runs/bbbb2222"' in html and "aaaa1111" not in html
    assert 'value="mistral"' in html  # the filter box keeps what was typed
    assert "No runs match" in client.get("/", params={"q": "zzz"}).text


def test_detail_by_prefix_has_run1_summary(client: TestClient) -> None:
    body = client.get("/api/runs/aaaa").json()
    assert body["run"]["run_id"] == "aaaa1111"
    assert body["summary"]["schema"] == "tokenfab.run/2"
    assert [p["load"]["value"] for p in body["summary"]["points"]] == [1.0, 4.0]
    assert body["summary_source"] == "stored"
    assert body["profile"]["rental_usd_per_hour"] == 2.0


def test_unfinished_run_is_recomputed_from_records(db_url: str) -> None:
    with Store(db_url) as store:
        add_run(store, "dddd4444", "llama-3-8b", None, {0: 1}, finish=False)
    with TestClient(create_app(db_url)) as c:
        body = c.get("/api/runs/dddd4444").json()
    assert body["summary_source"] == "recomputed"
    assert body["summary"]["points"][0]["requests"]["completed"] == 4


def test_secrets_in_config_are_not_shown(db_url: str) -> None:
    with Store(db_url) as store:
        add_run(store, "eeee5555", "m", None, {0: 1}, api_key="sk-very-secret")
    with TestClient(create_app(db_url)) as c:
        assert c.get("/api/runs/eeee5555").json()["run"]["config"]["api_key"] == "***"
        assert "sk-very-secret" not in c.get("/runs/eeee5555").text


# -- the calculator's API ---------------------------------------------------------------------

def test_price_hand_checked_and_proportional_to_usd_per_hour(client: TestClient) -> None:
    at2 = price(client, usd_per_hour=2)["points"]
    at4 = price(client, usd_per_hour=4)["points"]
    p0 = at2[0]
    assert p0["index"] == 0 and p0["load"] == {"mode": "concurrency", "value": 1.0}
    # Point 0: 4 requests 200 ms apart, 140 ms each -> 40 tokens in 0.74 s. No energy metered.
    # all-in $/1M out = usd_per_hour / (tok/s × 3600) × 1e6 = 2 × 0.74 × 1e6 / (40 × 3600)
    assert p0["output_tok_s"] == pytest.approx(40 / 0.74)
    assert p0["usd_per_hour"] == pytest.approx(2.0)
    assert p0["usd_per_mtok_output_all_in"] == pytest.approx(2 * 0.74e6 / (40 * 3600))
    for a, b in zip(at2, at4, strict=True):  # energy is 0: doubling $/hour doubles $/1M out
        assert b["usd_per_mtok_output"] == pytest.approx(2 * a["usd_per_mtok_output"])
        assert b["usd_per_mtok_output_all_in"] == pytest.approx(2 * a["usd_per_mtok_output_all_in"])


def test_price_utilization_and_overhead(client: TestClient) -> None:
    base = price(client, usd_per_hour=2)["points"][0]["usd_per_mtok_output_all_in"]
    half = price(client, usd_per_hour=2, utilization=0.5)["points"][0]
    assert half["usd_per_mtok_output_all_in"] == pytest.approx(2 * base)  # idle hours cost
    over = price(client, usd_per_hour=2, overhead_pct=50)["points"][0]
    assert over["usd_per_hour"] == pytest.approx(3.0)  # 2 + 50% of (2 + 0 energy)


def test_price_by_capex(client: TestClient) -> None:
    # (capex × CRF) / 8760 with r = 0, n = 1 year: 8760 $ -> 1 $/hour.
    body = price(client, capex_usd=8760, amortization_years=1, cost_of_capital=0)
    assert body["profile"]["capex_usd"] == 8760 and body["profile"]["rental_usd_per_hour"] is None
    assert body["points"][0]["usd_per_hour"] == pytest.approx(1.0)


def test_price_without_inputs_uses_the_stored_price(client: TestClient) -> None:
    assert price(client, run="bbbb")["points"][0]["usd_per_hour"] == pytest.approx(1.0)


@pytest.mark.parametrize(("params", "needle"), [
    ({"pue": "0.5"}, "pue: Input should be greater than or equal to 1"),
    ({"utilization": "0"}, "utilization"),
    ({"utilization": "1.5"}, "utilization"),
    ({"usd_per_hour": "-1"}, "usd_per_hour: Input should be greater than or equal to 0"),
    ({"cost_of_capital": "2", "capex_usd": "1000"}, "cost_of_capital"),
    ({"amortization_years": "0", "capex_usd": "1000"}, "amortization_years"),
    ({"overhead_pct": "5000"}, "overhead_pct: must be between 0 and 1000"),
    ({"usd_per_kwh": "inf"}, "usd_per_kwh: must be a finite number"),
    ({"pue": "abc"}, "pue: Input should be a valid number"),
    ({"usd_per_hour": "1", "capex_usd": "1"}, "not both"),
    ({"samples": "-3"}, "samples"),
])
def test_invalid_calculator_values_are_one_line_422(client: TestClient, params: dict[str, str],
                                                     needle: str) -> None:
    r = client.get("/api/runs/aaaa/price", params=params)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid input" and needle in body["detail"]
    assert "\n" not in body["detail"]


def test_price_of_a_run_with_nothing_completed_is_not_a_crash(client: TestClient) -> None:
    r = client.get("/api/runs/cccc/price", params={"usd_per_hour": 1})
    assert r.status_code == 200, r.text
    assert [p["usd_per_mtok_output"] for p in r.json()["points"]] == [None]


# -- pages ------------------------------------------------------------------------------------

def test_run_page_has_the_calculator_and_figures(client: TestClient) -> None:
    r = client.get("/runs/aaaa1111")
    html = r.text
    assert r.status_code == 200
    assert re.search(r'<input type="range"[^>]*data-testid="calc-usd-per-hour"', html)
    assert 'data-price-url="/api/runs/aaaa1111/price"' in html
    for i in (0, 1):
        assert f'data-testid="usd-per-mtok-output-{i}"' in html
    assert 'data-testid="throughput-chart"' in html and "<svg" in html
    # Only the page's own script runs: one inline script, carrying the CSP nonce.
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"])
    assert nonce and html.count("<script") == 1 and f'<script nonce="{nonce[1]}">' in html
    assert "http://" not in html.split("</head>")[0]  # no CDN, no external font


def test_labels_are_escaped(client: TestClient) -> None:
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for path in ("/", "/runs/aaaa1111", "/compare?ids=aaaa1111,bbbb2222"):
        html = client.get(path).text
        assert XSS not in html and escaped in html, path


def test_run_with_no_completed_requests_says_so(client: TestClient) -> None:
    html = client.get("/runs/cccc3333").text
    assert "no completed requests" in html
    assert 'id="calc"' not in html and "<svg" not in html


def test_unknown_run_is_a_404_page_and_json(client: TestClient, db_url: str) -> None:
    r = client.get("/runs/xyz")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert f"no run &#x27;xyz&#x27; in {db_url}" in r.text
    r = client.get("/api/runs/xyz/price")
    assert r.status_code == 404 and r.json()["detail"].startswith("no run 'xyz' in ")


def test_compare_notices_different_models(client: TestClient) -> None:
    body = client.get("/api/compare", params={"ids": "aaaa,bbbb"}).json()
    assert body["models_differ"] and "llama-3-8b vs mistral-7b" in body["notes"][0]
    first = body["points"][0]
    assert first["load"]["value"] == 1.0 and len(first["runs"]) == 2
    assert first["delta_pct"]["output_tok_s"] == pytest.approx(0.0)  # same synthetic load
    assert 'data-testid="models-differ"' in client.get("/compare?ids=aaaa,bbbb").text
    same = client.get("/compare", params=[("ids", "aaaa"), ("ids", "cccc")]).text
    assert 'data-testid="compare-table"' in same and 'data-testid="models-differ"' not in same


def test_compare_needs_two_ids(client: TestClient) -> None:
    r = client.get("/api/compare", params={"ids": "aaaa"})
    assert r.status_code == 422 and "exactly two" in r.json()["detail"]
    assert client.get("/compare").status_code == 200  # a form asking for two ids


# -- the error boundary -----------------------------------------------------------------------

def test_missing_database_is_503_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    with TestClient(create_app(f"sqlite:///{path}")) as c:
        page = c.get("/")
        api = c.get("/api/runs")
    assert page.status_code == 503 and "does not exist" in page.text
    assert api.status_code == 503 and api.json()["error"] == "database unavailable"
    assert str(path) in api.json()["detail"] and not path.exists()


def test_newer_schema_is_503(db_url: str, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "runs.db")
    conn.execute("INSERT INTO _migrations (name, applied_unix_ns) VALUES ('m999_future', 0)")
    conn.commit()
    conn.close()
    with TestClient(create_app(db_url)) as c:
        r = c.get("/api/runs/aaaa")
        page = c.get("/runs/aaaa")
    assert r.status_code == 503 and "newer tokenfab" in r.json()["detail"]
    assert page.status_code == 503 and "m999_future" in page.text


def test_unexpected_errors_are_500_json_without_traceback(
        client: TestClient, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(dash_service, "list_runs", boom)
    with TestClient(create_app(db_url), raise_server_exceptions=False) as c:
        r = c.get("/api/runs")
    assert r.status_code == 500
    assert r.json() == {"error": "internal error", "detail": "RuntimeError: boom second line"}
    assert "Traceback" not in r.text


def test_openapi_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/price",
            "/api/compare"} <= set(paths)
    assert not any(p == "/" or p.startswith("/runs") for p in paths)  # pages stay out of it
    params = {p["name"] for p in paths["/api/runs/{run_id}/price"]["get"]["parameters"]}
    assert {"usd_per_hour", "capex_usd", "pue", "usd_per_kwh", "utilization"} <= params


def test_loopback_app_refuses_foreign_host_headers(db_url: str) -> None:
    app = create_app(db_url, allowed_hosts=LOOPBACK_HOSTS)
    with TestClient(app, base_url="http://127.0.0.1:8321") as c:
        assert c.get("/api/runs").status_code == 200
        assert c.get("/api/runs", headers={"host": "evil.example"}).status_code == 400
