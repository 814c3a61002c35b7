"""``tokenfab engine build|info``: the embedded llama.cpp tools."""

from __future__ import annotations

import click

from tokenfab.engines import build as b
from tokenfab.engines.embedded import smollm2_gguf
from tokenfab.engines.llamacpp import server_version


@click.group("engine")
def engine_group() -> None:
    """Build or inspect the embedded llama.cpp engine."""


@engine_group.command("build")
@click.option("--jobs", type=int, default=None, help="parallel compile jobs")
def build_cmd(jobs: int | None) -> None:
    """Compile llama-server and tools once (cached per CPU)."""
    click.echo(b.build(jobs=jobs))


@engine_group.command("info")
def info_cmd() -> None:
    """Where the binaries and the model are."""
    for tool in b.TOOLS:
        path = b.find_tool(tool)
        click.echo(f"{tool:18} {path or 'not built (run: tokenfab engine build)'}")
    server = b.find_tool("llama-server")
    if server:
        click.echo(f"{'version':18} {server_version(server)}")
    try:
        click.echo(f"{'model':18} {smollm2_gguf()}")
    except Exception as exc:  # noqa: BLE001
        click.echo(f"{'model':18} {exc}")
