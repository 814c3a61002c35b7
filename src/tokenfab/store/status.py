"""The status a run is shown with: what it stored, corrected for runs that never finished.

A run stores ``running`` when it starts and its final status when it ends. A run killed with
``kill -9`` (or on a machine that lost power) never gets to write its end, so a stored
``running`` is checked against the run's owner and heartbeat before it is shown:

- owner on this host and its pid is gone            -> ``interrupted``
- no heartbeat for ``STALE_AFTER_NS`` (any host)     -> ``stale``
- otherwise                                          -> ``running``

The heartbeat is written with every committed batch of records and at least every
``HEARTBEAT_EVERY_S`` while the run's record writer is open, so a live run never looks stale.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from tokenfab.schemas.bench import RunStatus

HEARTBEAT_EVERY_S = 30.0
STALE_AFTER_NS = 5 * 60 * 1_000_000_000  # ten missed heartbeats


def this_host() -> str:
    """The host name stored as a run's owner."""
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """True when a process with ``pid`` exists on this host (signal 0 probes, sends nothing)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def effective_status(stored: str, *, owner_host: str | None, owner_pid: int | None,
                     heartbeat_unix_ns: int | None, started_unix_ns: int, now_unix_ns: int,
                     host: str, alive: Callable[[int], bool] = pid_alive) -> RunStatus:
    """The status to show for a run that stored ``stored`` (see the module docstring).

    ``last = heartbeat_unix_ns or started_unix_ns``; stale when ``now - last > STALE_AFTER_NS``.
    Unknown stored values are shown as ``failed`` rather than guessed at.
    """
    if stored != "running":
        known: dict[str, RunStatus] = {"complete": "complete", "interrupted": "interrupted",
                                       "failed": "failed", "server_lost": "server_lost",
                                       "stale": "stale"}
        return known.get(stored, "failed")
    if owner_host is not None and owner_host == host and owner_pid is not None \
            and not alive(owner_pid):
        return "interrupted"
    last = heartbeat_unix_ns if heartbeat_unix_ns is not None else started_unix_ns
    if now_unix_ns - last > STALE_AFTER_NS:
        return "stale"
    return "running"


__all__ = ["HEARTBEAT_EVERY_S", "STALE_AFTER_NS", "effective_status", "pid_alive", "this_host"]
