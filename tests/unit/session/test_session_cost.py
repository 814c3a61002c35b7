"""The ``tokenfab cost`` job as a library: ``session.cost.price_rate`` and ``reprice_run``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tokenfab.errors import ConfigError, StoreError
from tokenfab.metrics.compute import summarize_point
from tokenfab.schemas.cost import PriceSpec, RateConfig, RepriceConfig
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import SCHEMA_ID
from tokenfab.session.cost import price_rate, reprice_run
from tokenfab.store import Store

MS = 1_000_000
RUN = "abc123def456"


def _records() -> list[RequestRecord]:
    out = []
    for i in range(6):
        sent = i * 200 * MS
        chunks = [sent + (50 + 10 * k) * MS for k in range(8)]
        out.append(RequestRecord(point_index=0, request_index=i, sent_ns=sent, end_ns=chunks[-1],
                                 first_chunk_ns=chunks[0], chunk_ns=chunks, output_tokens=8,
                                 input_tokens=16))
    return out


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A stored run whose summary is the old ``tokenfab.run/1`` shape (``cost.breakdown``)."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    recs = _records()
    with Store(url) as store:
        store.create_run(RUN, kind="bench", label="old run", config={
            "url": "http://127.0.0.1:9", "model": "m", "mode": "concurrency", "values": [1.0],
            "requests_per_point": 6, "warmup_requests": 0, "hourly_usd": 1.0},
            environment={}, target_url="http://127.0.0.1:9", model="m",
            started_unix_ns=1_795_000_000_000_000_000, clock_offset_ns=0)
        store.add_point(RUN, 0, "concurrency", 1.0)
        store.append_records(RUN, recs)
        store.finish_point(RUN, 0, recs[0].sent_ns, recs[-1].end_ns)
        point = summarize_point(recs, mode="concurrency", value=1.0).model_dump(mode="json")
        point["cost"] = {"usd_per_hour": 1.0, "usd_per_mtok_output": 9.0,
                         "usd_per_mtok_total": 3.0, "breakdown": {"hardware": 9.0}}
        store.finish_run(RUN, {"schema": "tokenfab.run/1", "run_id": RUN,
                               "target": {"url": "http://127.0.0.1:9", "model": "m"},
                               "points": [point]})
    return url


def test_price_rate_hand_computed() -> None:
    rate = price_rate(RateConfig(price=PriceSpec(hourly_usd=7.2, overhead_pct=25),
                                 output_tok_s=500, output_tokens_per_day=2e6))
    # usd_per_hour = 7.2 × 1.25 = 9; 9 / (500 × 3600) × 1e6 = $5 per 1M; 2e6/day -> $10/day
    assert rate.usd_per_hour == pytest.approx(9.0)
    assert rate.usd_per_mtok_output == pytest.approx(5.0)
    assert rate.breakdown_usd_per_mtok_output == pytest.approx(
        {"hardware": 4.0, "energy": 0.0, "overhead": 1.0})
    assert rate.usd_per_day == pytest.approx(10.0)
    assert rate.usd_per_year == pytest.approx(3650.0)
    assert rate.provenance["output_tok_s"] == "assumed"


def test_price_rate_profile_file(tmp_path: Path) -> None:
    path = tmp_path / "rack.toml"
    path.write_text("[tco]\naccelerators = 2\ncapex_usd = 8760\namortization_years = 1\n"
                    "cost_of_capital = 0\n")
    rate = price_rate(RateConfig(price=PriceSpec(profile_path=str(path), gpus=4),
                                 output_tok_s=1000))
    # --gpus overrides the file: 4 × 8760 $ / 8760 h = $4/h -> 4 / 3.6 $ per 1M
    assert rate.profile.accelerators == 4
    assert rate.usd_per_hour == pytest.approx(4.0)
    assert rate.usd_per_mtok_output == pytest.approx(4 / 3.6)


@pytest.mark.parametrize(
    ("build", "needle"),
    [
        (lambda: RateConfig(price=PriceSpec(hourly_usd=1), output_tok_s=float("nan")), "--tok-s"),
        (lambda: RateConfig(price=PriceSpec(), output_tok_s=1), "no price"),
        (lambda: RepriceConfig(run_id="x", price=PriceSpec(hourly_usd=1), blend_ratio=-1),
         "--blend-ratio"),
        (lambda: PriceSpec(hardware="H100", gpus=0), "--gpus"),
        (lambda: RateConfig.model_validate({"price": {"hourly_usd": 1}, "output_tok_s": 1,
                                            "surprise": 1}), "surprise"),
    ],
)
def test_configs_reject_bad_values(build: object, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        build()  # type: ignore[operator]


def test_reprice_run_reads_an_old_run(db: str) -> None:
    summary = reprice_run(RepriceConfig(run_id="abc1", price=PriceSpec(hourly_usd=3.6),
                                        bootstrap_samples=0, db_url=db))
    assert summary.schema_ == SCHEMA_ID and summary.run_id == RUN
    (point,) = summary.points
    cost = point.cost
    assert cost is not None and cost.usd_per_hour == pytest.approx(3.6)
    # 3.6 $/h / (output_tok_s × 3600) × 1e6, all of it hardware
    expected = 3.6 / (point.throughput.output_tok_s * 3600) * 1e6
    assert cost.usd_per_mtok_output_all_in == pytest.approx(expected)
    assert cost.breakdown_usd_per_mtok_output["hardware"] == pytest.approx(expected)
    assert "breakdown" not in summary.to_json_dict()["points"][0]["cost"]  # type: ignore[index]


def test_reprice_run_unknown_run(db: str) -> None:
    with pytest.raises(StoreError, match="nosuchrun"):
        reprice_run(RepriceConfig(run_id="nosuchrun", price=PriceSpec(hourly_usd=1),
                                  db_url=db))


def test_reprice_run_bad_profile_before_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    with pytest.raises(ConfigError, match="no such file"):
        reprice_run(RepriceConfig(run_id="x", price=PriceSpec(profile_path="nope.toml"),
                                  db_url=url))
    assert not (tmp_path / "never.db").exists()
