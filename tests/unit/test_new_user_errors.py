"""Bad input, tried as a new user would: one line naming the problem, a non-zero exit, never a
traceback, and never an engine start before the flags are known to be good.

Every case runs the real CLI entry point (``tokenfab.cli.main.main``) in-process. The engine
cannot start here (an empty cache and no llama-server on PATH), so a command that failed to
validate a flag up front would fail later with an engine message, which names neither the flag
nor the value, and the case fails.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line

NOWHERE = "/nonexistent/dir/out"


@pytest.fixture(autouse=True)
def files(tmp_path: Path, isolated_env: Path) -> Path:
    (tmp_path / "bad.json").write_text('{"schema": "tokenfab.run/1", "target": "x", "points": "x"}')
    (tmp_path / "list.json").write_text("[1, 2, 3]")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    (tmp_path / "bool.toml").write_text('name = "x"\nrental_usd_per_hour = true\n')
    (tmp_path / "adir").mkdir()
    return tmp_path


# (argv, words the message must contain — the flag or value it is about, case-insensitive)
CASES: list[tuple[list[str], list[str]]] = [
    # unwritable output paths, before any work
    (["cost", "--tok-s", "1", "--hourly-usd", "1", "--json", f"{NOWHERE}/x.json"],
     ["/nonexistent"]),
    (["project", "--model", "llama-3.1-8b", "--hardware", "H100", "--json", f"{NOWHERE}/p.json"],
     ["/nonexistent"]),
    (["tune", "--json", f"{NOWHERE}/t.json"], ["/nonexistent"]),
    (["tune", "--state", f"{NOWHERE}/state.jsonl"], ["/nonexistent"]),
    (["run", "--report", f"{NOWHERE}/r.html"], ["/nonexistent"]),
    (["run", "--json", f"{NOWHERE}/r.json"], ["/nonexistent"]),
    (["speculate", "--json", f"{NOWHERE}/s.json"], ["/nonexistent"]),
    (["report", "bad.json", "-o", f"{NOWHERE}/r.html"], []),
    # tune flags checked before a trial starts
    (["tune", "--slo", ""], ["slo"]),
    (["tune", "--eval-limit", "0"], ["eval-limit"]),
    (["tune", "--tasks", "bogus"], ["bogus"]),
    (["tune", "--trials", "0"], ["trials"]),
    # project
    (["project", "--model", "llama-3.1-8b", "--hardware", "H100", "--concurrency", "1.5"],
     ["concurrency"]),
    (["project", "--model", "llama-3.1-8b", "--hardware", "H100", "--concurrency", "1e12"],
     ["concurrency"]),
    (["project", "--model", "llama-3.1-8b", "--hardware", "H100", "--concurrency", "1000000"],
     ["concurrency"]),
    (["project", "--model", "llama-3.1-8b", "--hardware", ""], ["hardware"]),
    (["project", "--model", "llama-3.1-8b", "--hardware", "H100", "--tier", "nope"], ["nope"]),
    (["project", "--model", "llama-3.1-8b", "--hardware", "H100", "--isl", "100000000000"],
     ["context"]),
    (["project", "--model", "llama-3.1-8b", "--hardware", "H100", "--gpus", "0"], ["gpus"]),
    (["project", "--model", "binary.bin", "--hardware", "H100"], ["binary.bin"]),
    # bench / run
    (["bench", "--url", "http://[::1", "--model", "m"], ["url"]),
    (["bench", "--url", "http://127.0.0.1:9", "--model", "m", "--api-key", "clé€"], ["api-key"]),
    (["bench", "--url", "http://127.0.0.1:9", "--model", "m", "--requests", "0"], ["requests"]),
    (["bench", "--url", "http://127.0.0.1:9", "--model", "m", "--dataset", "binary.bin"],
     ["binary.bin"]),
    (["bench", "--url", "http://127.0.0.1:9", "--model", "m", "--dataset", "adir"], ["adir"]),
    (["run", "--engine-arg", "--alias 'x"], ["engine-arg"]),
    (["run", "--concurrency", "0"], ["concurrency"]),
    # cost
    (["cost", "--tok-s", "nan", "--hourly-usd", "1"], ["tok-s"]),
    (["cost", "--tok-s", "inf", "--hourly-usd", "1"], ["tok-s"]),
    (["cost", "--tok-s", "10", "--hourly-usd", "nan"], ["hourly-usd"]),
    (["cost", "--tok-s", "10", "--hardware", "H100", "--gpus", "0"], ["gpus"]),
    (["cost", "--tok-s", "10", "--profile", "adir"], ["adir"]),
    (["cost", "--tok-s", "10", "--profile", "latin1.toml"], ["latin1.toml"]),
    (["cost", "--tok-s", "10", "--profile", "bool.toml"], ["rental_usd_per_hour"]),
    # report
    (["report", "bad.json"], ["bad.json"]),
    (["report", "list.json"], ["list.json"]),
    (["report", "binary.bin"], ["binary.bin"]),
    # sim
    (["sim", "--host", "bad.invalid"], ["host"]),
    (["sim", "--port", "70000"], ["port"]),
    (["sim", "--ttft-ms", "-1"], ["ttft-ms"]),
    (["sim", "--error-500-rate", "2"], ["error-500-rate"]),
    # eval
    (["eval", "--tasks", "binary.bin"], ["binary.bin"]),
    (["eval", "--limit", "0"], ["limit"]),
    (["eval", "--url", "http://127.0.0.1:9", "--model", "m", "--limit", "2"],
     ["127.0.0.1:9", "failed"]),
]


@pytest.mark.parametrize(("args", "words"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line(args: list[str], words: list[str],
                               capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(args, capsys, words, ignore_case=True)


def test_busy_sim_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        fails_in_one_line(["sim", "--port", str(port)], capsys, [str(port)])
