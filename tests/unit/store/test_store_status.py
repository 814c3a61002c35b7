"""The status a run is shown with: a run that never finished is not shown as running."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tokenfab.errors import StoreError
from tokenfab.schemas.records import RequestRecord
from tokenfab.store import RecordWriter, Store, effective_status
from tokenfab.store.status import STALE_AFTER_NS

NOW = 10**18
HOST = "here"


def shown(stored: str, *, host: str | None = HOST, pid: int | None = 42,
          beat_ago_ns: int | None = 0, alive: bool = True) -> str:
    return effective_status(stored, owner_host=host, owner_pid=pid,
                            heartbeat_unix_ns=None if beat_ago_ns is None else NOW - beat_ago_ns,
                            started_unix_ns=NOW - 2 * STALE_AFTER_NS, now_unix_ns=NOW,
                            host=HOST, alive=lambda _pid: alive)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"stored": "complete"}, "complete"),
    ({"stored": "server_lost", "alive": False}, "server_lost"),
    ({"stored": "failed"}, "failed"),
    ({"stored": "interrupted"}, "interrupted"),
    ({"stored": "running"}, "running"),  # alive, fresh heartbeat
    ({"stored": "running", "alive": False}, "interrupted"),  # kill -9 on this host
    ({"stored": "running", "beat_ago_ns": STALE_AFTER_NS + 1}, "stale"),  # alive but silent
    ({"stored": "running", "host": "elsewhere", "alive": False}, "running"),  # cannot check
    ({"stored": "running", "host": "elsewhere", "beat_ago_ns": STALE_AFTER_NS + 1}, "stale"),
    # a run from before owners were stored: only its start time is known
    ({"stored": "running", "host": None, "pid": None, "beat_ago_ns": None}, "stale"),
    ({"stored": "mystery"}, "failed"),
])
def test_effective_status(kwargs: dict[str, object], expected: str) -> None:
    stored = str(kwargs.pop("stored"))
    assert shown(stored, **kwargs) == expected  # type: ignore[arg-type]


def new_run(store: Store, run_id: str, **owner: object) -> None:
    store.create_run(run_id, kind="bench", label=None, config={}, environment={},
                     target_url="http://x", model="m", started_unix_ns=time.time_ns(),
                     clock_offset_ns=0, **owner)  # type: ignore[arg-type]


def test_store_shows_a_dead_owner_as_interrupted(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'x.db'}") as store:
        new_run(store, "mine")
        new_run(store, "dead", owner_pid=2**22 + 12345)  # above pid_max: no such process
        assert store.get_run("mine").status == "running"
        info = store.get_run("dead")
        assert (info.stored_status, info.status) == ("running", "interrupted")
        assert store.get_run_detail("dead").status == "interrupted"
        assert {r.run_id: r.status for r in store.list_runs()} == {
            "mine": "running", "dead": "interrupted"}
        assert store.get_run("mine").owner_pid == os.getpid()


def test_heartbeat_moves_with_records_and_with_time(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'x.db'}") as store:
        new_run(store, "r")
        first = store.get_run("r").heartbeat_unix_ns
        assert first is not None
        time.sleep(0.01)
        store.append_records("r", [RequestRecord(0, 0, 1, 2)])
        after_records = store.get_run("r").heartbeat_unix_ns
        assert after_records is not None and after_records > first
        writer = RecordWriter(store, "r", heartbeat_s=0.05)  # no records: beats on its own
        time.sleep(0.3)
        writer.close()
        beat = store.get_run("r").heartbeat_unix_ns
        assert beat is not None and beat > after_records


def test_final_statuses_only(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'x.db'}") as store:
        new_run(store, "r")
        with pytest.raises(StoreError, match="running"):
            store.mark_run("r", "running")
        store.finish_run("r", {"schema": "x"}, status="server_lost")
        assert store.get_run("r").status == "server_lost"
