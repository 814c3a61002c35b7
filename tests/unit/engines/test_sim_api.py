"""The simulator is one package, ``tokenfab.engines.sim``, whose ``__all__`` is its public API."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import tokenfab.engines.sim as sim
from tokenfab.engines.sim import SimConfig, SimServer


def test_public_names_resolve() -> None:
    assert sorted(sim.__all__) == [
        "Dist", "DistKind", "SimConfig", "SimServer", "main", "run", "serve",
    ]
    parts = [importlib.import_module(f"tokenfab.engines.sim.{m}")
             for m in ("config", "http", "process", "server", "stream", "timer")]
    for name in sim.__all__:
        # each public name is the very object one of the package's own modules defines
        homes = [p.__name__ for p in parts if getattr(p, name, None) is getattr(sim, name)]
        assert homes, f"{name} is not defined in the simulator package"


def test_module_entry_point_refuses_a_bad_config_in_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tokenfab.engines.sim", "--config-json", '{"itl_ms": -1}'],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "itl_ms" in lines[0], proc.stderr


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://127.0.0.1:8123"),
    ("localhost", "http://localhost:8123"),
    ("::1", "http://[::1]:8123"),
    ("[::1]", "http://[::1]:8123"),
    ("0.0.0.0", "http://127.0.0.1:8123"),
])
def test_sim_server_url_is_a_connectable_address(host: str, url: str) -> None:
    server = SimServer(SimConfig(host=host, allow_remote=True))
    server._port = 8123  # as if started
    assert server.url == url
