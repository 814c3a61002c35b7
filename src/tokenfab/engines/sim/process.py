"""Run the simulator in its own process, so the client under test never shares its CPU time or
event loop with the ground truth."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from tokenfab.engines.sim.config import SimConfig
from tokenfab.errors import EngineError

__all__ = ["SimServer"]

_SRC_DIR = Path(__file__).resolve().parents[3]  # .../src


class SimServer:
    """Context manager: ``python -m tokenfab.engines.sim`` in a child process.

    ``with SimServer(SimConfig(ttft_ms=80, itl_ms=8)) as sim: httpx.get(sim.url + "/health")``.
    Entering waits for ``LISTENING <port>`` and a 200 from ``/health``; leaving sends SIGTERM
    (which flushes ``record_path``) and kills the child if it has not exited in
    ``stop_timeout_s``.
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        startup_timeout_s: float = 20.0,
        stop_timeout_s: float = 5.0,
    ) -> None:
        self.config = config or SimConfig()
        self.startup_timeout_s = startup_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise EngineError("the simulator is not running; use `with SimServer(...)` first")
        return self._port

    @property
    def url(self) -> str:
        name = self.config.host.strip().strip("[]")
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(name, name)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self) -> SimServer:
        if self._proc is not None:
            return self
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_SRC_DIR), env.get("PYTHONPATH", "")) if p
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tokenfab.engines.sim",
                "--config-json",
                self.config.model_dump_json(),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        try:
            self._port = self._read_port(time.monotonic() + self.startup_timeout_s)
            self._wait_healthy(time.monotonic() + self.startup_timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()[-2000:]

    def _read_port(self, deadline: float) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in buf:
                left_s = deadline - time.monotonic()
                if left_s <= 0:
                    raise EngineError(
                        f"simulator did not print LISTENING in {self.startup_timeout_s:g} s; "
                        f"stderr: {self._stderr_tail()!r}"
                    )
                if not sel.select(left_s):
                    continue
                data = os.read(fd, 4096)
                if not data:
                    code = self._proc.wait()
                    raise EngineError(
                        f"simulator exited with code {code} before listening; "
                        f"stderr: {self._stderr_tail()!r}"
                    )
                buf += data
        line = buf.split(b"\n", 1)[0].decode(errors="replace").strip()
        word, _, port = line.partition(" ")
        if word != "LISTENING" or not port.isdigit():
            raise EngineError(f"simulator printed {line!r}, expected 'LISTENING <port>'")
        return int(port)

    def _wait_healthy(self, deadline: float) -> None:
        with httpx.Client(timeout=1.0) as client:
            while True:
                try:
                    if client.get(self.url + "/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise EngineError(f"simulator at {self.url} never answered /health")
                time.sleep(0.02)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(self.stop_timeout_s)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._port = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> SimServer:
        import asyncio

        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import asyncio

        await asyncio.to_thread(self.stop)
