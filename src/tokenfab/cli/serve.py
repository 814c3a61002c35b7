"""``tokenfab serve``: parse flags, call :func:`tokenfab.session.serve.serve`, print."""

from __future__ import annotations

import webbrowser

import click

from tokenfab.schemas.serve import DEFAULT_PORT, ServeConfig
from tokenfab.session.serve import serve


@click.command("serve")
@click.option("--db", default=None, help="SQLAlchemy URL of the results database")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (loopback unless --allow-remote)")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True,
              help="TCP port, 0-65535 (0: any free port)")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="open the dashboard in a web browser")
@click.option("--allow-remote", is_flag=True,
              help="listen on a non-loopback address; the dashboard has no login, so anyone "
                   "who can reach it sees every run")
def serve_cmd(db: str | None, host: str, port: int, open_browser: bool,
              allow_remote: bool) -> None:
    """A local web dashboard: runs, per-point tables, charts and a live cost calculator."""
    config = ServeConfig(db=db, host=host, port=port, allow_remote=allow_remote)

    def ready(url: str, label: str) -> None:
        click.echo(f"tokenfab dashboard: {url}  (database {label}; Ctrl-C to stop)")
        if open_browser:
            webbrowser.open(url)

    def warn(message: str) -> None:
        click.echo(f"tokenfab serve: warning: {message}", err=True)

    serve(config, on_ready=ready, on_warning=warn)
    click.echo("tokenfab serve: stopped", err=True)
