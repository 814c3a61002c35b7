"""``tokenfab sim`` on bad input: one line naming the option, a non-zero exit, no traceback, and
no server left listening. Values are checked before anything binds; a host or port that cannot
be listened on is reported by the bind itself, still in one line naming ``--host``/``--port``."""

from __future__ import annotations

import errno
import socket
from collections.abc import Coroutine
from typing import Any

import pytest
from tests.cli_support import fails_in_one_line

import tokenfab.cli.sim as sim_cli
from tokenfab.cli.main import main
from tokenfab.engines.sim import SimConfig


@pytest.fixture
def no_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value that should be refused must never reach the server."""

    def refuse(config: SimConfig, ready: Any = None) -> Coroutine[Any, Any, None]:
        raise AssertionError(f"the simulator would have started with {config!r}")

    monkeypatch.setattr(sim_cli, "serve", refuse)


RANGE_CASES: list[tuple[list[str], list[str]]] = [
    (["--port", "70000"], ["--port", "65535"]),
    (["--port", "-1"], ["--port"]),
    (["--port", "abc"], ["--port"]),
    (["--host", "bad.invalid"], ["--host", "bad.invalid", "--allow-remote"]),
    (["--host", "0.0.0.0"], ["--host", "loopback", "--allow-remote"]),
    (["--host", "192.168.1.20"], ["--host", "--allow-remote"]),
    (["--host", ""], ["--host"]),
    (["--model", ""], ["--model"]),
    (["--ttft-ms", "-1"], ["--ttft-ms", "-1"]),
    (["--ttft-ms", "nan"], ["--ttft-ms", "finite"]),
    (["--ttft-ms", "inf"], ["--ttft-ms", "finite"]),
    (["--ttft-ms", "4000000"], ["--ttft-ms", "3600000"]),
    (["--ttft-ms", "fast"], ["--ttft-ms", "fast"]),
    (["--ttft-ms", ""], ["--ttft-ms"]),
    (["--ttft-ms", "uniform:9:3"], ["--ttft-ms", "low_ms <= high_ms"]),
    (["--ttft-ms", "lognormal:0:5"], ["--ttft-ms", "mean_ms > 0"]),
    (["--itl-ms", "nan"], ["--itl-ms", "finite"]),
    (["--itl-ms", "normal:8:-1"], ["--itl-ms", "std_ms"]),
    (["--itl-ms", "gamma:1:2"], ["--itl-ms", "gamma"]),
    (["--tokens-per-chunk", "0"], ["--tokens-per-chunk"]),
    (["--tokens-per-chunk", "2000000"], ["--tokens-per-chunk"]),
    (["--batch-slowdown", "-0.5"], ["--batch-slowdown"]),
    (["--batch-slowdown", "nan"], ["--batch-slowdown", "finite"]),
    (["--batch-slowdown", "1000"], ["--batch-slowdown"]),
    (["--max-concurrency", "0"], ["--max-concurrency"]),
    (["--error-500-rate", "2"], ["--error-500-rate"]),
    (["--error-500-rate", "-0.1"], ["--error-500-rate"]),
    (["--error-500-rate", "nan"], ["--error-500-rate", "finite"]),
    (["--error-429-rate", "1.5"], ["--error-429-rate"]),
    (["--error-500-rate", "0.6", "--error-429-rate", "0.6"],
     ["--error-500-rate", "--error-429-rate"]),
    (["--disconnect-rate", "1.5"], ["--disconnect-rate"]),
    (["--stall-rate", "-1"], ["--stall-rate"]),
    (["--stall-ms", "-5"], ["--stall-ms"]),
    (["--stall-ms", "inf"], ["--stall-ms", "finite"]),
    (["--malformed-rate", "3"], ["--malformed-rate"]),
    (["--seed", "1.5"], ["--seed"]),
]


@pytest.mark.usefixtures("no_serve")
@pytest.mark.parametrize(("args", "words"), RANGE_CASES, ids=[" ".join(a) for a, _ in RANGE_CASES])
def test_out_of_range_flag_is_one_line_naming_it(
    args: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    fails_in_one_line(["sim", *args], capsys, words)


def test_good_flags_reach_the_server_as_one_config(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[SimConfig] = []

    async def fake_serve(config: SimConfig, ready: Any = None) -> None:
        seen.append(config)
        ready(4321)

    monkeypatch.setattr(sim_cli, "serve", fake_serve)
    main(["sim", "--port", "0", "--ttft-ms", "normal:80:10", "--itl-ms", "8",
          "--error-500-rate", "0.5", "--error-429-rate", "0.5", "--host", "::1"])
    (config,) = seen
    assert config.ttft_ms.kind == "normal" and config.ttft_ms.mean_ms == 80
    assert config.error_500_rate + config.error_429_rate == 1.0
    assert "http://[::1]:4321" in capsys.readouterr().err


def test_busy_port_names_the_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = fails_in_one_line(["sim", "--port", str(port)], capsys)
    assert f"127.0.0.1:{port}" in line and "in use" in line and "--port" in line


def test_privileged_port_says_permission_denied(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # tests may run as root, where port 80 binds: make the kernel's refusal explicit
    def bind(self: socket.socket, address: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(socket.socket, "bind", bind)
    line = fails_in_one_line(["sim", "--port", "80"], capsys)
    assert "permission denied" in line and "--port" in line and ":80" in line


def test_unresolvable_remote_host_names_the_host(capsys: pytest.CaptureFixture[str]) -> None:
    line = fails_in_one_line(["sim", "--host", "bad.invalid", "--allow-remote", "--port", "0"],
                             capsys)
    assert "--host 'bad.invalid'" in line and "resolve" in line


def test_address_not_on_this_machine_names_the_host(capsys: pytest.CaptureFixture[str]) -> None:
    # 192.0.2.0/24 is TEST-NET-1: documentation only, never a local address
    line = fails_in_one_line(["sim", "--host", "192.0.2.1", "--allow-remote", "--port", "0"],
                             capsys)
    assert "--host '192.0.2.1'" in line and "this machine" in line
