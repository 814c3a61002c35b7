"""``tokenfab engine build|info`` as library calls: compile the embedded llama.cpp tools once,
and say where the tools and the shipped model are."""

from __future__ import annotations

from tokenfab.engines import build as b
from tokenfab.engines.embedded import smollm2_gguf
from tokenfab.engines.llamacpp import server_version
from tokenfab.errors import TokenfabError


def build_engine(jobs: int | None = None) -> str:
    """Compile llama-server and its tools (cached per CPU); returns the binary folder."""
    return str(b.build(jobs=jobs))


def engine_info() -> list[tuple[str, str]]:
    """(name, where or what) for each tool, the server's version and the shipped model."""
    rows = [(tool, str(b.find_tool(tool) or "not built (run: tokenfab engine build)"))
            for tool in b.TOOLS]
    server = b.find_tool("llama-server")
    if server:
        rows.append(("version", server_version(server)))
    try:
        rows.append(("model", str(smollm2_gguf())))
    except (TokenfabError, OSError) as exc:
        rows.append(("model", str(exc)))
    return rows


__all__ = ["build_engine", "engine_info"]
