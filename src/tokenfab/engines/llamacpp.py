"""The embedded engine: llama.cpp's ``llama-server`` with SmolLM2-135M-Instruct (Q4_1).

Started in its own process group on a free loopback port, with continuous batching over
``-np`` slots, Prometheus ``/metrics`` and streamed usage; stopped with SIGTERM then SIGKILL
of the whole group on exit, on errors, on Ctrl-C and on SIGTERM (the CLI turns SIGTERM into
an exception so context managers unwind). No orphan processes.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tokenfab.engines.build import find_tool
from tokenfab.engines.embedded import EmbeddedModel, smollm2_gguf
from tokenfab.errors import ConfigError, EngineError

DEFAULT_MODEL_ALIAS = "SmolLM2-135M-Instruct"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class EngineSettings:
    """What the embedded server is started with; ``extra_args`` pass straight through."""

    model_path: Path | None = None
    alias: str = DEFAULT_MODEL_ALIAS
    parallel_slots: int = 8
    ctx_per_slot: int = 1024
    threads: int | None = None
    extra_args: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout_s: float = 120.0

    @classmethod
    def for_model(cls, model: EmbeddedModel, path: Path | None = None,
                  extra_args: list[str] | None = None, **kwargs: Any) -> EngineSettings:
        """Settings serving ``model`` (or ``path``, a variant of it) with its alias and the
        server flags it needs (e.g. Gemma's chat template); ``extra_args`` come last."""
        return cls(model_path=path or model.gguf(), alias=model.alias,
                   extra_args=[*model.server_args, *(extra_args or [])], **kwargs)

    @staticmethod
    def parse_engine_args(values: list[str]) -> list[str]:
        """``--engine-arg "--threads 2" --engine-arg=-ub=512`` -> argv tokens."""
        out: list[str] = []
        for v in values:
            try:
                tokens = shlex.split(v)
            except ValueError as exc:  # an unclosed quote
                raise ConfigError(f"--engine-arg {v!r} cannot be split into arguments ({exc}); "
                                  "close the quote, e.g. --engine-arg \"--alias 'my model'\"") \
                    from None
            for tok in tokens:
                if tok.startswith("-") and "=" in tok:
                    k, _, val = tok.partition("=")
                    out.extend([k, val])
                else:
                    out.append(tok)
        return out

    def argv(self, binary: Path, model: Path, port: int) -> list[str]:
        args = [str(binary), "-m", str(model), "--alias", self.alias, "--host", self.host,
                "--port", str(port), "--metrics", "--no-webui"]
        overridden = set(self.extra_args)
        if not overridden & {"-np", "--parallel"}:
            args += ["-np", str(self.parallel_slots)]
        if not overridden & {"-c", "--ctx-size"}:
            args += ["-c", str(self.parallel_slots * self.ctx_per_slot)]
        if self.threads is not None and not overridden & {"-t", "--threads"}:
            args += ["-t", str(self.threads)]
        return args + self.extra_args


class LlamaServer:
    """Context manager around one ``llama-server`` process."""

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log_path: Path | None = None
        self.argv: list[str] = []
        self.version = "unknown"

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    def start(self) -> LlamaServer:
        binary = find_tool("llama-server")
        if binary is None:
            raise EngineError("llama-server is not built yet; run `make setup` "
                              "(or `python -m tokenfab.engines.build`, ~10 min once)")
        model = self.settings.model_path or smollm2_gguf()
        self.version = server_version(binary)
        self.port = self.settings.port or free_port(self.settings.host)
        self.argv = self.settings.argv(binary, model, self.port)
        fd, log = tempfile.mkstemp(prefix="tokenfab-llama-server-", suffix=".log")
        self.log_path = Path(log)
        self.proc = subprocess.Popen(self.argv, stdout=fd, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        os.close(fd)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.settings.startup_timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise EngineError(f"llama-server exited with code {self.proc.returncode} "
                                      f"during start-up: {self.log_tail()}")
                try:
                    if client.get(f"{self.url}/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise EngineError(f"llama-server was not ready after {self.settings.startup_timeout_s:g}s;"
                          f" see {self.log_path}")

    def log_tail(self, n: int = 3) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-n:])

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def server_version(binary: Path) -> str:
    """``llama-server --version`` first line, e.g. ``version: 0.5.0-dev (build 0, ...)``."""
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                             timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    for line in (out.stdout + out.stderr).splitlines():
        if line.startswith("version"):
            return line.split(":", 1)[1].strip()
    return "unknown"
