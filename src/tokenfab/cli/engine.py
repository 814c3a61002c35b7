"""``tokenfab engine build|info``: the embedded llama.cpp tools."""

from __future__ import annotations

import click

from tokenfab.session.engine import build_engine, engine_info


@click.group("engine")
def engine_group() -> None:
    """Build or inspect the embedded llama.cpp engine."""


@engine_group.command("build")
@click.option("--jobs", type=int, default=None, help="parallel compile jobs")
def build_cmd(jobs: int | None) -> None:
    """Compile llama-server and tools once (cached per CPU)."""
    if jobs is not None and jobs < 1:
        raise click.BadParameter(f"--jobs must be >= 1 (got {jobs})")
    click.echo(build_engine(jobs))


@engine_group.command("info")
def info_cmd() -> None:
    """Where the binaries and the model are."""
    for name, value in engine_info():
        click.echo(f"{name:18} {value}")
