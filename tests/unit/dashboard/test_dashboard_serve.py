"""``tokenfab serve`` and ``tokenfab.session.serve``: loopback by default, every bad flag a
one-line error before anything listens, and a real server on loopback."""

from __future__ import annotations

import errno
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from tests.cli_support import fails_in_one_line

from tokenfab.dashboard.source import StoreSource
from tokenfab.errors import ConfigError
from tokenfab.schemas.serve import ServeConfig, is_loopback
from tokenfab.session import serve as serve_mod
from tokenfab.session.serve import bind, build_app, display_url, make_server, serve
from tokenfab.store import Store


@pytest.fixture()
def no_server(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    """Fail the test instead of serving forever if a bad flag got through."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server was started")

    monkeypatch.setattr(serve_mod, "make_server", refuse)


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False),
    ("example.com", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_display_url_brackets_ipv6() -> None:
    assert display_url("127.0.0.1", 8321) == "http://127.0.0.1:8321/"
    assert display_url("::1", 8321) == "http://[::1]:8321/"


def test_non_loopback_host_needs_allow_remote(tmp_path: Path, no_server: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    line = fails_in_one_line(["serve", "--host", "0.0.0.0", "--db",
                              f"sqlite:///{tmp_path / 'x.db'}"], capsys)
    assert "--host 0.0.0.0 is not a loopback address" in line and "--allow-remote" in line
    assert not (tmp_path / "x.db").exists()


def test_busy_port_is_a_one_line_error() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(ConfigError, match=r"cannot listen on 127\.0\.0\.1:\d+ \(the port "
                                              r"is in use.*pick another --port"):
            bind("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()


def test_privileged_port_says_why(no_server: None, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    def denied(self: socket.socket, addr: object) -> None:  # what a non-root user gets
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(socket.socket, "bind", denied)
    line = fails_in_one_line(["serve", "--port", "80"], capsys)
    assert "127.0.0.1:80" in line and "ports below 1024 need root" in line
    assert "--port 1024 or above" in line


def test_busy_port_through_the_cli(no_server: None, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = fails_in_one_line(["serve", "--port", str(port)], capsys)
    assert f"127.0.0.1:{port}" in line and "in use" in line


@pytest.mark.parametrize(("args", "words"), [
    (["--port", "70000"], ["--port 70000", "0-65535"]),
    (["--port", "-1"], ["--port -1"]),
    (["--port", "eighty"], ["--port", "eighty"]),
    (["--db", "garbage"], ["--db", "garbage", "sqlite:///"]),
    (["--db", "nosuchdb://x/y"], ["--db", "nosuchdb"]),
    (["--db", ""], ["--db is empty"]),
    (["--host", ""], ["--host is empty"]),
    (["--host", "bad.invalid", "--allow-remote"], ["bad.invalid", "--host"]),
])
def test_bad_flags_are_one_line_before_listening(no_server: None, args: list[str],
                                                 words: list[str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(["serve", *args], capsys, words)


def test_serve_returns_its_result_when_stopped(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The library entry point: reports readiness through its callback, stops on Ctrl-C."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    Store(url).close()

    class Stops:
        def run(self, sockets: list[socket.socket]) -> None:
            assert sockets[0].getsockname()[0] == "127.0.0.1"
            raise KeyboardInterrupt

    monkeypatch.setattr(serve_mod, "make_server", lambda app, host, port: Stops())
    seen: list[tuple[str, str]] = []
    warnings: list[str] = []
    result = serve(ServeConfig(db=url, port=0), on_ready=lambda u, d: seen.append((u, d)),
                   on_warning=warnings.append)
    assert result.schema_ == "tokenfab.serve/1" and seen == [(result.url, url)]
    assert result.url.startswith("http://127.0.0.1:") and not warnings
    missing = serve(ServeConfig(db=f"sqlite:///{tmp_path / 'none.db'}", port=0),
                    on_warning=warnings.append)
    assert missing.db.endswith("none.db") and "does not exist" in warnings[0]
    assert not (tmp_path / "none.db").exists()


def test_serves_pages_on_loopback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    Store(url).close()
    app = build_app(StoreSource(url), remote=False)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = make_server(app, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            for _ in range(100):
                if server.started:
                    break
                time.sleep(0.05)
            home = c.get("/")
            assert home.status_code == 200 and "No runs in this database yet" in home.text
            assert c.get("/api/runs").json()["runs"] == []
            # A page asked for under a foreign name (DNS rebinding) is refused.
            assert c.get("/api/runs", headers={"host": "attacker.example"}).status_code == 400
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    assert not thread.is_alive()
