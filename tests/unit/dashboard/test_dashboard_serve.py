"""``tokenfab serve``: loopback by default, one-line errors, and a real server on loopback."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tokenfab.cli.serve import bind, build_app, display_url, is_loopback, make_server, serve_cmd
from tokenfab.errors import ConfigError
from tokenfab.store import Store


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


def test_non_loopback_host_needs_allow_remote(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve_cmd, ["--host", "0.0.0.0", "--db",
                                            f"sqlite:///{tmp_path / 'x.db'}"])
    assert isinstance(result.exception, ConfigError)
    msg = str(result.exception)
    assert "--allow-remote" in msg and "\n" not in msg
    assert not (tmp_path / "x.db").exists()


def test_busy_port_is_a_one_line_error() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(ConfigError, match=r"cannot listen on 127\.0\.0\.1:\d+ .*--port"):
            bind("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()


def test_serves_pages_on_loopback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    Store(url).close()
    app = build_app(url, remote=False)
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
