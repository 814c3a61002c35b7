"""A throwaway PostgreSQL server for integration tests.

Import the ``postgres_url`` fixture into a test module or conftest::

    from tests.integration.pg import postgres_url  # noqa: F401

It starts a private server from the Debian ``postgresql`` package (``/usr/lib/postgresql/*/bin``)
on 127.0.0.1 and a free port, trust auth, ``fsync=off``, data in a temporary directory, and
stops it when the session ends. As root it runs the server as user ``postgres`` (initdb refuses
root). Without the package the tests are skipped, except under ``CI`` where they fail: CI must
``apt-get install -y postgresql``. ``TOKENFAB_TEST_PG_URL`` points the tests at a server you
already run instead (``scripts/pg-local.sh start`` prints one).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DB_NAME = "tokenfab_test"
INSTALL_HINT = "apt-get install -y postgresql"


def find_pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<ver>/bin`` holding initdb and pg_ctl, if any."""
    candidates = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        p = Path(d)
        if (p / "initdb").is_file() and (p / "pg_ctl").is_file():
            try:
                version = float(p.parent.name)
            except ValueError:
                version = 0.0
            candidates.append((version, p))
    return max(candidates)[1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user() -> tuple[list[str], int | None, int | None]:
    """Command prefix to run server tools, and the uid/gid that must own the data dir."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(f"running as root but there is no user 'postgres'; {INSTALL_HINT}")
    if shutil.which("runuser"):
        prefix = ["runuser", "-u", "postgres", "--"]
    else:
        prefix = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups"]
    return prefix, pw.pw_uid, pw.pw_gid


def _run(cmd: list[str], cwd: Path, what: str, log: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        tail = ""
        if log is not None and log.exists():
            tail = "\n--- server log ---\n" + "\n".join(log.read_text().splitlines()[-30:])
        pytest.fail(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"{proc.stdout}\n{proc.stderr}{tail}"
        )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``postgresql+psycopg://postgres@127.0.0.1:PORT/tokenfab_test`` of a private server."""
    existing = os.environ.get("TOKENFAB_TEST_PG_URL")
    if existing:
        yield existing
        return
    bin_dir = find_pg_bin()
    if bin_dir is None:
        msg = f"PostgreSQL server binaries not found under /usr/lib/postgresql; {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI must install it)")
        pytest.skip(msg)

    prefix, uid, gid = _as_server_user()
    base = Path(tempfile.mkdtemp(prefix="tokenfab-pg-"))
    data, sock, log = base / "data", base / "sock", base / "server.log"
    sock.mkdir()
    if uid is not None and gid is not None:
        # mkdtemp made base 0700 and root's; hand it to the server user (initdb refuses root)
        os.chown(base, uid, gid)
        os.chown(sock, uid, gid)
    port = _free_port()
    started = False
    try:
        _run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            base,
            "initdb",
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sock} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                opts,
                "start",
            ],
            base,
            "pg_ctl start",
            log,
        )
        started = True
        _run(
            [
                str(bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                DB_NAME,
            ],
            base,
            "createdb",
            log,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DB_NAME}"
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                cwd=base,
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)
