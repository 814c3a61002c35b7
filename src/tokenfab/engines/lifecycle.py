"""The engine lifecycle, owned in one place: every job that needs the embedded llama.cpp
server (run, eval, quantize, speculate, tune) starts it through :func:`serving`.

``serving`` starts ``llama-server`` with the given settings on a free loopback port, waits for
``/health``, yields what the job needs to talk to it, and stops the whole process group on
exit, on errors, on Ctrl-C and on SIGTERM (no orphans).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tokenfab.engines.llamacpp import EngineSettings, LlamaServer


@dataclass(frozen=True)
class Served:
    """A running embedded engine: where it listens and what it is."""

    url: str
    alias: str
    version: str
    argv: tuple[str, ...]
    parallel_slots: int
    server: LlamaServer

    def engine_info(self) -> dict[str, Any]:
        """The run manifest's ``engine`` entry."""
        return {"kind": "llama.cpp llama-server", "version": self.version,
                "argv": list(self.argv[1:])}

    def is_alive(self) -> bool:
        proc = self.server.proc
        return proc is not None and proc.poll() is None


@contextmanager
def serving(settings: EngineSettings) -> Iterator[Served]:
    """Start llama-server with ``settings``; stop it (process group) however the block ends."""
    with LlamaServer(settings) as server:
        yield Served(url=server.url, alias=settings.alias, version=server.version,
                     argv=tuple(server.argv), parallel_slots=settings.parallel_slots,
                     server=server)


__all__ = ["EngineSettings", "Served", "serving"]
