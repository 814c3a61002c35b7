"""A results database holding one run of every status the store reports, for the tests of how
the dashboard and ``tokenfab report`` show a run that did not complete.

Each run planned 3 points (1, 4 and 8 streams) of 4 requests; all but ``failed`` measured the
first two, so a partial run "kept 8 requests" and stopped "during point 2 of 3 (4 streams)".
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
from html import unescape
from pathlib import Path

from tokenfab.metrics.compute import summarize_point
from tokenfab.schemas.records import RequestRecord
from tokenfab.schemas.summary import RunSummary, Target
from tokenfab.store import Store

MS = 1_000_000
LONG_AGO_NS = 1_700_000_000_000_000_000  # 2023: no heartbeat since -> stale

def records(point: int) -> list[RequestRecord]:
    out = []
    for i in range(4):
        sent = 10_000_000_000_000 + point * 10_000 * MS + i * 200 * MS
        chunks = [sent + 50 * MS + k * 10 * MS for k in range(10)]
        out.append(RequestRecord(point_index=point, request_index=i, sent_ns=sent,
                                 end_ns=chunks[-1], first_chunk_ns=chunks[0], chunk_ns=chunks,
                                 input_tokens=100, output_tokens=10))
    return out


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def add(store: Store, run_id: str, *, points: int = 2, started_ns: int | None = None,
        owner_pid: int | None = None, owner_host: str | None = None) -> RunSummary:
    """A run of 3 planned points (1, 4, 8 streams) that measured the first ``points``."""
    store.create_run(run_id, kind="bench", label=f"label-{run_id}",
                     config={"url": "http://127.0.0.1:9", "model": "m", "values": [1, 4, 8],
                             "requests_per_point": 4, "hourly_usd": 2.0},
                     environment={}, target_url="http://127.0.0.1:9", model="m",
                     started_unix_ns=started_ns or time.time_ns(), clock_offset_ns=0,
                     owner_pid=owner_pid, owner_host=owner_host)
    done = []
    for idx, conc in list(enumerate((1.0, 4.0, 8.0)))[:points]:
        store.add_point(run_id, idx, "concurrency", conc)
        recs = records(idx)
        store.append_records(run_id, recs)
        done.append(summarize_point(recs, mode="concurrency", value=conc))
    return RunSummary(run_id=run_id, target=Target(url="http://127.0.0.1:9", model="m"),
                      points=done)


def store_every_status(path: Path) -> str:
    """A new SQLite database at ``path`` holding the runs ``complete``, ``running``,
    ``interrupted``, ``killed`` (owner gone), ``stale``, ``server_lost`` and ``failed``; its URL."""
    url = f"sqlite:///{path}"
    with Store(url) as store:
        store.finish_run("complete", add(store, "complete"))
        add(store, "running")  # owned by this (live) process, heartbeat now
        add(store, "interrupted")
        store.mark_run("interrupted", "interrupted")
        add(store, "killed", owner_pid=dead_pid())  # kill -9: stored running, owner gone
        add(store, "stale", started_ns=LONG_AGO_NS, owner_host="another-host")
        store.finish_run("server_lost", add(store, "server_lost"), status="server_lost")
        add(store, "failed", points=0)
        store.mark_run("failed", "failed")
    with sqlite3.connect(path) as db:  # its last sign of life: long ago
        db.execute("UPDATE runs SET heartbeat_unix_ns = ? WHERE run_id = 'stale'",
                   (LONG_AGO_NS,))
    return url


def text(html: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
