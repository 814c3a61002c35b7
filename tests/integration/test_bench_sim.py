"""`tokenfab bench` end to end against the simulator (a real process with known timing)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.conftest import (
    REPO,
    TOKENFAB,
    assert_one_line_error,
    tokenfab,
    wait_for_records,
)
from tokenfab.engines.sim import SimConfig, SimServer
from tokenfab.store import Store

pytestmark = pytest.mark.integration


def test_summary_contract_and_known_timing(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    with SimServer(SimConfig.from_flags(ttft=40, itl=4)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model",
                        "--concurrency", "1,4", "--requests", "8", "--output-tokens", "20",
                        "--warmup", "2", "--hourly-usd", "3.6", "--slo", "ttft_ms=500",
                        "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    s = json.loads(out.read_text())
    assert s["schema"] == "tokenfab.run/2" and s["target"]["model"] == "sim-model"
    assert [p["load"] for p in s["points"]] == [{"mode": "concurrency", "value": 1.0},
                                                {"mode": "concurrency", "value": 4.0}]
    for p in s["points"]:
        assert p["requests"] == {"completed": 8, "failed": 0, "errors": {}}
        assert p["tokens"]["output"] == 8 * 20  # warm-up excluded, usage honoured
        assert set(p["throughput"]) >= {"output_tok_s", "input_tok_s", "total_tok_s",
                                        "requests_per_s"}
        for name in ("ttft", "tpot", "itl", "e2e"):
            assert set(p["latency_ms"][name]) >= {"p50", "p90", "p95", "p99", "mean", "min",
                                                  "max"}
        assert 38 <= p["latency_ms"]["ttft"]["p50"] <= 60
        assert 3.5 <= p["latency_ms"]["tpot"]["p50"] <= 4.6
        assert p["goodput"]["fraction"] == 1.0
        c = p["cost"]
        assert c["usd_per_mtok_output_all_in"] == pytest.approx(
            3.6 / (p["throughput"]["output_tok_s"] * 3600) * 1e6)
        # attributed output price: the decode share of the cost only
        assert c["usd_per_mtok_output"] < c["usd_per_mtok_output_all_in"]
        assert c["provenance"]["usd_per_hour"] == "assumed"
    # 4 streams deliver more than 1
    assert s["points"][1]["throughput"]["output_tok_s"] > 2.5 * s["points"][0]["throughput"][
        "output_tok_s"]
    with Store(f"sqlite:///{db}") as store:
        recs = store.records(s["run_id"])
    assert len(recs) == 2 * (8 + 2)  # warm-up records are stored too, flagged
    assert sum(r.warmup for r in recs) == 4


def test_faults_are_counted_per_class_and_never_abort(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    cfg = SimConfig.from_flags(ttft=5, itl=1, error_500_rate=0.15, error_429_rate=0.1,
                               disconnect_rate=0.1, malformed_rate=0.1, seed=3)
    with SimServer(cfg) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--concurrency", "4",
                        "--requests", "80", "--output-tokens", "10", "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    p = json.loads(out.read_text())["points"][0]
    errs = p["requests"]["errors"]
    assert p["requests"]["completed"] + p["requests"]["failed"] == 80
    assert {"http_500", "http_429", "disconnect", "malformed_stream"} <= set(errs), errs
    assert sum(errs.values()) == p["requests"]["failed"]


def test_rate_mode_and_duration_bound(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    with SimServer(SimConfig.from_flags(ttft=5, itl=1)) as sim:
        t0 = time.monotonic()
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--rate", "20",
                        "--arrival", "gamma", "--gamma-shape", "0.5", "--duration", "2",
                        "--output-tokens", "5", "--json", str(out), db=db)
        took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    p = json.loads(out.read_text())["points"][0]
    assert p["load"] == {"mode": "rate", "value": 20.0}
    assert 15 <= p["requests"]["completed"] <= 80  # ~40 expected in 2 s at 20 req/s
    assert 1.0 <= p["duration_s"] <= 3.0
    assert took < 30


def test_json_to_stdout_is_pure_json(db: Path) -> None:
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--requests", "3",
                        "--output-tokens", "4", "--json", "-", db=db)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["points"][0]["requests"]["completed"] == 3


def test_kill_9_keeps_every_completed_record(db: Path) -> None:
    with SimServer(SimConfig.from_flags(ttft=2, itl=2)) as sim:
        proc = subprocess.Popen([*TOKENFAB, "bench", "--url", sim.url, "--model", "sim-model",
                                 "--concurrency", "4", "--requests", "100000",
                                 "--output-tokens", "10", "--db", f"sqlite:///{db}"],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            seen = wait_for_records(db, 40, timeout_s=60)
            assert seen >= 40, "bench did not store records while running"
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with Store(f"sqlite:///{db}") as store:
        run = store.list_runs()[0]
        recs = store.records(run.run_id)
    # it never wrote its end; its process is gone, so it is shown as interrupted, not running
    assert (run.stored_status, run.status) == ("running", "interrupted")
    assert len(recs) >= seen  # nothing that was committed before the kill is gone
    assert all(r.ok and r.output_tokens == 10 for r in recs)
    show = tokenfab("runs", "show", run.run_id, db=db)
    assert show.returncode == 0 and "recomputed" in show.stdout
    assert "interrupted" in show.stdout and "running" not in show.stdout
    listing = tokenfab("runs", "list", db=db)
    assert "interrupted" in listing.stdout and "running" not in listing.stdout


def test_server_lost_mid_run_stops_keeps_records_and_exits_non_zero(
    db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "s.json"
    with SimServer(SimConfig.from_flags(ttft=2, itl=2)) as sim:
        proc = subprocess.Popen([*TOKENFAB, "bench", "--url", sim.url, "--model", "sim-model",
                                 "--concurrency", "4,8", "--requests", "100000",
                                 "--output-tokens", "10", "--json", str(out),
                                 "--db", f"sqlite:///{db}"],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        seen = wait_for_records(db, 40, timeout_s=60)
        assert seen >= 40, "bench did not store records while running"
        assert sim.pid is not None
        os.kill(sim.pid, signal.SIGKILL)  # the server goes away mid-run
        t0 = time.monotonic()
        stdout, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - t0
    assert proc.returncode == 3, stderr
    assert "Traceback" not in stderr
    warning = [ln for ln in stderr.splitlines() if ln.startswith("tokenfab: warning:")]
    assert warning and "went away" in warning[0] and "kept" in warning[0], stderr
    assert took < 30
    with Store(f"sqlite:///{db}") as store:
        run = store.list_runs()[0]
        recs = store.records(run.run_id)
        detail = store.get_run_detail(run.run_id)
    assert run.status == "server_lost"
    assert len(recs) >= seen  # every completed record is kept
    assert len(detail.points) == 1  # the second load point was never started
    refused = [r for r in recs if r.error_class == "connect"]
    assert 8 <= len(refused) <= 8 + 4  # stopped after 8 in a row (+ requests in flight)
    completed = sum(r.ok for r in recs if not r.warmup)
    summary = json.loads(out.read_text())
    assert summary["points"][0]["requests"]["completed"] == completed > 0
    assert detail.summary is not None  # a summary of what was measured is stored
    listing = tokenfab("runs", "list", db=db)
    assert "server_lost" in listing.stdout


def test_started_unix_s_is_the_start_and_token_source_is_usage(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    t0 = time.time()
    with SimServer(SimConfig.from_flags(ttft=100, itl=5)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--requests", "6",
                        "--output-tokens", "40", "--json", str(out), db=db)
    t1 = time.time()
    assert proc.returncode == 0, proc.stderr
    s = json.loads(out.read_text())
    finished = t1 - (6 * 0.3)  # the point takes >= 6 x (100 ms + 40 x 5 ms)
    assert t0 <= s["started_unix_s"] < finished  # set at the start, not after the last point
    assert [p["tokens"]["token_source"] for p in s["points"]] == ["usage"]
    assert s["provenance"]["tokens"] == "measured"
    assert s["environment"]["token_counts"]["sources"] == ["usage"]
    with Store(f"sqlite:///{db}") as store:  # the stored manifest says so too
        stored = store.get_run_detail(s["run_id"]).environment
    assert stored["token_counts"]["sources"] == ["usage"]


def test_energy_meter_missing_leaves_no_run_behind(db: Path, tmp_path: Path) -> None:
    no_nvml = tmp_path / "no_nvml"  # a machine without the NVML library, even on a GPU host
    no_nvml.mkdir()
    (no_nvml / "pynvml.py").write_text("raise ImportError('libnvidia-ml.so.1 not found')\n")
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--requests", "2",
                        "--energy", "nvml", db=db,
                        env={"PYTHONPATH": os.pathsep.join([str(no_nvml), str(REPO / "src")])})
    assert_one_line_error(proc, "nvml")
    with Store(f"sqlite:///{db}") as store:
        assert store.list_runs() == []  # nothing half-made left behind, nothing "running"


def test_https_against_plain_http_says_so(db: Path) -> None:
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        url = sim.url.replace("http://", "https://")
        proc = tokenfab("bench", "--url", url, "--model", "sim-model", "--requests", "1", db=db)
    assert_one_line_error(proc, "tls", "http://")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--concurrency", "-1"], ["--concurrency", "> 0"]),
        (["--rate", "0"], ["--rate", "> 0"]),
        (["--concurrency", "1.5"], ["whole"]),
        (["--input-tokens", "N(abc)"], ["--input-tokens"]),
        (["--slo", "latency=5"], ["--slo"]),
        (["--requests", "0"], ["--requests"]),
        (["--dataset", "/nonexistent.jsonl"], ["--dataset"]),
        (["--hourly-usd", "-3"], ["--hourly-usd"]),
    ],
)
def test_nonsense_flags_one_line(db: Path, args: list[str], needles: list[str]) -> None:
    proc = tokenfab("bench", "--url", "http://127.0.0.1:9", "--model", "m", *args, db=db)
    assert_one_line_error(proc, *needles)


def test_unreachable_url(db: Path) -> None:
    proc = tokenfab("bench", "--url", "http://127.0.0.1:9", "--model", "m", "--requests", "1",
                    db=db)
    assert_one_line_error(proc, "cannot connect", "--url")


def test_wrong_model_name(db: Path) -> None:
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "gpt-17", "--requests", "1", db=db)
    assert_one_line_error(proc, "gpt-17", "sim-model", "--model")


def test_server_that_is_not_openai_compatible(db: Path, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html>hi</html>")
    srv = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    try:
        assert srv.stdout is not None
        line = srv.stdout.readline()
        port = int(line.split("port ")[1].split()[0])
        proc = tokenfab("bench", "--url", f"http://127.0.0.1:{port}", "--model", "m",
                        "--requests", "1", db=db)
    finally:
        srv.terminate()
        srv.wait(timeout=5)
    assert_one_line_error(proc, "openai-compatible")


def test_dataset_replay_with_bad_rows(db: Path, tmp_path: Path) -> None:
    ds = tmp_path / "d.jsonl"
    ds.write_text("\n".join([
        json.dumps({"messages": [{"role": "user", "content": "hello there"}], "max_tokens": 6}),
        "{broken",
        json.dumps({"conversations": [{"from": "human", "value": "what is up"},
                                      {"from": "gpt", "value": "not much at all"}]}),
    ]) + "\n")
    out = tmp_path / "s.json"
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--dataset", str(ds),
                        "--requests", "4", "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    assert "line 2" in proc.stderr
    p = json.loads(out.read_text())["points"][0]
    assert p["requests"]["completed"] == 4


def test_runs_list_show_export(db: Path, tmp_path: Path) -> None:
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        assert tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--requests", "3",
                        "--output-tokens", "4", "--label", "<b>mine</b>", db=db).returncode == 0
    listing = tokenfab("runs", "list", db=db)
    assert listing.returncode == 0 and "<b>mine</b>" in listing.stdout
    run_id = Store(f"sqlite:///{db}").list_runs()[0].run_id
    show = tokenfab("runs", "show", run_id[:6], db=db)
    assert show.returncode == 0 and "sim-model" in show.stdout
    for fmt in ("json", "csv", "parquet"):
        path = tmp_path / f"x.{fmt}"
        assert tokenfab("runs", "export", run_id, "--format", fmt, "-o", str(path),
                        db=db).returncode == 0
        assert path.stat().st_size > 0
    rows = json.loads((tmp_path / "x.json").read_text())
    assert len(rows) == 3 and all(len(r["chunk_ns"]) == 4 for r in rows)
    assert_one_line_error(tokenfab("runs", "show", "nope", db=db), "nope")


def test_bench_into_real_postgresql(postgres_url: str, tmp_path: Path) -> None:
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--requests", "5",
                        "--output-tokens", "4", db=postgres_url)
    assert proc.returncode == 0, proc.stderr
    show = tokenfab("runs", "list", db=postgres_url)
    assert show.returncode == 0 and "sim-model" in show.stdout
    with Store(postgres_url) as store:
        run = store.list_runs()[0]
        assert len(store.records(run.run_id)) == 5


def test_completions_api(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    with SimServer(SimConfig.from_flags(ttft=2, itl=1)) as sim:
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--api",
                        "completions", "--requests", "4", "--output-tokens", "6",
                        "--json", str(out), db=db)
    assert proc.returncode == 0, proc.stderr
    p = json.loads(out.read_text())["points"][0]
    assert p["requests"]["completed"] == 4 and p["tokens"]["output"] == 24
    assert p["latency_ms"]["itl"]["n"] == 4 * 5


def test_stalled_stream_is_a_timeout(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    cfg = SimConfig.from_flags(ttft=1, itl=1, stall_rate=1.0, stall_ms=5000)
    with SimServer(cfg) as sim:
        t0 = time.monotonic()
        proc = tokenfab("bench", "--url", sim.url, "--model", "sim-model", "--requests", "2",
                        "--concurrency", "2", "--output-tokens", "20", "--timeout", "1",
                        "--json", str(out), db=db)
        took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    p = json.loads(out.read_text())["points"][0]
    assert p["requests"]["errors"] == {"timeout": 2}
    assert took < 20


@pytest.mark.parametrize(("error", "status"), [(RuntimeError("boom"), "failed"),
                                               (KeyboardInterrupt(), "interrupted")])
def test_library_run_that_stops_mid_run_is_never_left_running(
    db: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, status: str
) -> None:
    """``session.bench.bench`` called as a library: an error after the first point's requests
    marks the run failed (Ctrl-C: interrupted) and keeps its records."""
    import tokenfab.session.bench as bench_mod
    from tokenfab.schemas.config import BenchConfig

    def explode(*_args: object, **_kw: object) -> None:
        raise error

    monkeypatch.setattr(bench_mod, "summarize_repeats", explode)
    with SimServer(SimConfig.from_flags(ttft=1, itl=1)) as sim:
        cfg = BenchConfig(url=sim.url, model="sim-model", values=(2.0,), requests_per_point=4)
        with pytest.raises(type(error)):
            bench_mod.bench(cfg, db=f"sqlite:///{db}")
    with Store(f"sqlite:///{db}") as store:
        run = store.list_runs()[0]
        assert (run.stored_status, run.status) == (status, status)
        assert run.n_records == 4
