"""The embedded engine for real: llama.cpp's llama-server with SmolLM2-135M on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.conftest import REPO, TOKENFAB, tokenfab, wait_for_records
from tokenfab.engines.build import find_tool
from tokenfab.engines.lifecycle import EngineSettings, serving
from tokenfab.store import Store

pytestmark = [pytest.mark.integration, pytest.mark.slow]

if find_tool("llama-server") is None:
    if os.environ.get("CI"):
        raise RuntimeError("llama-server is not built; `make setup` must run before the tests")
    pytest.skip("llama-server not built (run `make setup`)", allow_module_level=True)


def _llama_children() -> list[str]:
    out = subprocess.run(["pgrep", "-f", "llama-server -m"], capture_output=True, text=True)
    return [p for p in out.stdout.split() if p]


def _alive(pids: set[str]) -> set[str]:
    """Which of these pids still exist (other tests or tools may run their own servers)."""
    return {p for p in pids if Path(f"/proc/{p}").exists()}


def _ppid(pid: str) -> str | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("PPid:"):
                return line.split()[1]
    except OSError:
        return None
    return None


def _serving_port(port: str) -> list[str]:
    out = subprocess.run(["pgrep", "-f", f"llama-server .*--port {port} "], capture_output=True,
                         text=True)
    return [p for p in out.stdout.split() if p]


def test_run_measures_real_model(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    proc = tokenfab("run", "--concurrency", "1,4", "--requests", "4", "--warmup", "1",
                    "--input-tokens", "64", "--output-tokens", "24", "--hourly-usd", "0.1",
                    "--json", str(out), "--report", str(tmp_path / "report.html"),
                    db=tmp_path / "r.db", timeout=400)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert f"report: {tmp_path / 'report.html'}" in proc.stdout + proc.stderr
    s = json.loads(out.read_text())
    assert s["target"]["model"] == "SmolLM2-135M-Instruct"
    for p in s["points"]:
        assert p["requests"]["completed"] == 4 and p["requests"]["failed"] == 0
        # ignore_eos pins the output: the server's usage must say exactly 24 tokens each
        assert p["tokens"]["output"] == 4 * 24
        assert p["tokens"]["token_source"] == "usage"
        # the model's own tokenizer re-counted the text (cross-check ran) and, decoding the
        # same 24-token outputs, mostly agrees with the server's usage
        assert p["tokens"]["client_output"] == pytest.approx(p["tokens"]["output"], rel=0.25)
        assert p["tokens"]["count_mismatches"] <= 4
        assert 60 <= p["tokens"]["input"] / 4 <= 120  # 64-token slice + chat template
        assert p["latency_ms"]["ttft"]["p50"] > 0 and p["throughput"]["output_tok_s"] > 1
        c = p["cost"]
        assert c["usd_per_mtok_output"] > 0
        # run meters energy by default: modelled on this CPU, measured where counters exist
        assert p["energy"]["valid"] and p["energy"]["joules"] > 0
        assert c["breakdown_usd_per_hour"]["energy"] > 0
        assert c["provenance"]["energy"] in ("measured", "modelled")
        lo, hi = c["ci95"]["usd_per_mtok_output_all_in"]
        assert lo <= c["usd_per_mtok_output_all_in"] <= hi
        assert c["attribution"]["source"] == "server_timings"
        total = p["tokens"]["input"] * c["usd_per_mtok_input"] / 1e6 + \
            p["tokens"]["output"] * c["usd_per_mtok_output"] / 1e6
        assert abs(total - c["cost_usd"]) < 1e-9
    assert s["environment"]["engine"]["kind"] == "llama.cpp llama-server"
    assert s["provenance"]["tokens"] == "measured"
    t_start = s["started_unix_s"]
    assert t_start <= (tmp_path / "report.html").stat().st_mtime - 1  # the start, not the end
    sol = s["speed_of_light"]  # measured 1-stream decode vs the memory-bandwidth roofline
    assert 0 < sol["fraction"] < 1.5 and sol["limit_tok_s"] > 0 and sol["bandwidth_gb_s"] > 0
    argv = s["environment"]["engine"]["argv"]
    port = argv[argv.index("--port") + 1]
    assert not _serving_port(port), "llama-server left running"


def test_engine_arg_passthrough_and_bad_arg() -> None:
    settings = EngineSettings(parallel_slots=2, ctx_per_slot=512,
                              extra_args=EngineSettings.parse_engine_args(["--threads 1"]))
    with serving(settings) as srv:
        assert "--threads" in srv.argv and srv.argv[srv.argv.index("--threads") + 1] == "1"
        assert "-np" in srv.argv
    bad = tokenfab("run", "--engine-arg=--definitely-not-a-flag", "--requests", "1",
                   timeout=120)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "llama-server" in bad.stderr.splitlines()[-1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_run_stops_engine_and_keeps_records(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "r.db"
    before = set(_llama_children())
    proc = subprocess.Popen([*TOKENFAB, "run", "--concurrency", "2", "--requests", "500",
                             "--output-tokens", "16", "--input-tokens", "32",
                             "--db", f"sqlite:///{db}"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        n = wait_for_records(db, 6, timeout_s=120)
        assert n >= 6, "no records while running"
        ours = {p for p in set(_llama_children()) - before if _ppid(p) == str(proc.pid)}
        assert ours, "engine not running?"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (130, 143), err
    assert "Traceback" not in err
    time.sleep(0.5)
    assert not _alive(ours), "orphan llama-server after signal"
    with Store(f"sqlite:///{db}") as store:
        run = store.list_runs()[0]
        assert run.status == "interrupted"
        assert len(store.records(run.run_id)) >= n


def test_engine_dying_mid_run_is_server_lost(tmp_path: Path) -> None:
    """The engine crashes mid-run: the run stops sending, keeps what completed, is marked
    server_lost and exits 3 (a CI job gating on tokenfab fails)."""
    db = tmp_path / "r.db"
    before = set(_llama_children())
    proc = subprocess.Popen([*TOKENFAB, "run", "--concurrency", "2", "--requests", "500",
                             "--output-tokens", "16", "--input-tokens", "32", "--report", "",
                             "--db", f"sqlite:///{db}"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        n = wait_for_records(db, 6, timeout_s=120)
        assert n >= 6, "no records while running"
        ours = {p for p in set(_llama_children()) - before if _ppid(p) == str(proc.pid)}
        assert ours, "engine not running?"
        for pid in ours:
            os.kill(int(pid), signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, err
    assert "Traceback" not in err and "tokenfab: warning:" in err and "went away" in err
    with Store(f"sqlite:///{db}") as store:
        run = store.list_runs()[0]
        assert run.status == "server_lost"
        assert len(store.records(run.run_id)) >= n
