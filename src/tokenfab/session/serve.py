"""``serve(config)``: the one entry point of ``tokenfab serve``. Checks the database URL and the
address before anything listens, then serves the dashboard until Ctrl-C/SIGTERM.

Loopback only unless ``allow_remote``: the dashboard has no login, and on loopback it also
refuses requests whose Host header is not a loopback name (DNS rebinding).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from tokenfab.dashboard.source import StoreSource
from tokenfab.errors import ConfigError, StoreError, Terminated
from tokenfab.schemas.serve import DEFAULT_PORT, ServeConfig, ServeResult
from tokenfab.store import default_db_url

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

INSTALL_HINT = "pip install 'tokenfab[dashboard]'"


def display_url(host: str, port: int) -> str:
    name = host.strip("[]")
    return f"http://[{name}]:{port}/" if ":" in name else f"http://{name}:{port}/"


def _why(exc: OSError, host: str, port: int) -> str:
    """What to do about a socket that cannot listen, by errno."""
    if exc.errno == errno.EACCES:
        return (f"permission denied: ports below 1024 need root; pick --port 1024 or above "
                f"(default {DEFAULT_PORT})" if 0 < port < 1024 else
                "permission denied; pick another --port")
    if exc.errno == errno.EADDRINUSE:
        return "the port is in use: is another server using it? pick another --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; check --host"
    return f"{exc.strerror or exc}; check --host and --port"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; raises ConfigError in one line."""
    name = host.strip("[]")
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"cannot listen on {host}:{port} ({reason}); check --host") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({_why(exc, host, port)})") from None
    return sock


def build_app(source: StoreSource, *, remote: bool) -> FastAPI:
    """The dashboard app over ``source``, or a ConfigError naming the extra to install."""
    try:
        from tokenfab.dashboard import LOOPBACK_HOSTS, create_app
    except ImportError as exc:
        raise ConfigError(f"the dashboard needs FastAPI and uvicorn ({exc.name} is missing): "
                          f"{INSTALL_HINT}") from None
    return create_app(source, allowed_hosts=None if remote else LOOPBACK_HOSTS)


def make_server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    try:
        import uvicorn
    except ImportError:
        raise ConfigError(f"the dashboard needs uvicorn: {INSTALL_HINT}") from None
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))


def serve(config: ServeConfig, *, on_ready: Callable[[str, str], None] | None = None,
          on_warning: Callable[[str], None] | None = None) -> ServeResult:
    """Serve the dashboard until interrupted. ``on_ready(url, db)`` is called once it listens;
    ``on_warning`` gets a database that cannot be read yet (the pages show it until fixed)."""
    source = StoreSource(config.db or default_db_url(create=False))
    try:
        source.check_url()
    except StoreError as exc:
        raise ConfigError(f"--db: {exc}") from None
    app = build_app(source, remote=config.allow_remote)
    sock = bind(config.host, config.port)
    port = sock.getsockname()[1]
    url = display_url(config.host, port)
    try:
        try:
            source.get()
        except StoreError as exc:
            if on_warning is not None:
                on_warning(f"{exc} (the dashboard shows this until it is fixed)")
        server = make_server(app, config.host, port)
        if on_ready is not None:
            on_ready(url, source.label)
        server.run(sockets=[sock])
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        sock.close()
        source.close()
    return ServeResult(url=url, db=source.label)


__all__ = ["bind", "build_app", "display_url", "make_server", "serve"]
