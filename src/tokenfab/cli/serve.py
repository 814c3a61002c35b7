"""``tokenfab serve``: the local web dashboard over the results database.

Loopback only unless ``--allow-remote``: the dashboard has no login, and on loopback it also
refuses requests whose Host header is not a loopback name (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
import webbrowser
from typing import TYPE_CHECKING

import click

from tokenfab.errors import ConfigError, StoreError, Terminated
from tokenfab.store import default_db_url

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

DEFAULT_PORT = 8321
INSTALL_HINT = "pip install 'tokenfab[dashboard]'"


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP (127.0.0.0/8, ::1); other names count as remote."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def display_url(host: str, port: int) -> str:
    name = host.strip("[]")
    return f"http://[{name}]:{port}/" if ":" in name else f"http://{name}:{port}/"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; raises ConfigError in one line."""
    name = host.strip("[]")
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); check "
                          "--host") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); is another "
                          "server using it? pick another --port") from None
    return sock


def build_app(db_url: str, *, remote: bool) -> FastAPI:
    """The dashboard app, or a ConfigError naming the extra to install."""
    try:
        from tokenfab.dashboard import LOOPBACK_HOSTS, create_app
    except ImportError as exc:
        raise ConfigError(f"the dashboard needs FastAPI and uvicorn ({exc.name} is missing): "
                          f"{INSTALL_HINT}") from None
    return create_app(db_url, allowed_hosts=None if remote else LOOPBACK_HOSTS)


def make_server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    try:
        import uvicorn
    except ImportError:
        raise ConfigError(f"the dashboard needs uvicorn: {INSTALL_HINT}") from None
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))


@click.command("serve")
@click.option("--db", default=None, help="SQLAlchemy URL of the results database")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (loopback unless --allow-remote)")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="TCP port (0: any free port)")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="open the dashboard in a web browser")
@click.option("--allow-remote", is_flag=True,
              help="listen on a non-loopback address; the dashboard has no login, so anyone "
                   "who can reach it sees every run")
def serve_cmd(db: str | None, host: str, port: int, open_browser: bool,
              allow_remote: bool) -> None:
    """A local web dashboard: runs, per-point tables, charts and a live cost calculator."""
    if not allow_remote and not is_loopback(host):
        raise ConfigError(f"--host {host} is not a loopback address and the dashboard has no "
                          "login; pass --allow-remote to serve it beyond this machine")
    db_url = db or default_db_url()
    app = build_app(db_url, remote=allow_remote)
    source = app.state.source
    try:
        source.get()
    except StoreError as exc:
        click.echo(f"tokenfab serve: warning: {exc} (the dashboard shows this until it is "
                   "fixed)", err=True)
    sock = bind(host, port)
    url = display_url(host, sock.getsockname()[1])
    server = make_server(app, host, sock.getsockname()[1])
    click.echo(f"tokenfab dashboard: {url}  (database {source.label}; Ctrl-C to stop)")
    if open_browser:
        webbrowser.open(url)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        sock.close()
    click.echo("tokenfab serve: stopped", err=True)
