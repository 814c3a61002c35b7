"""Shared helpers for the benchmark scripts (not part of the package)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from tokenfab.load.client import make_payload, make_spec
from tokenfab.load.wire import Endpoint

HERE = Path(__file__).resolve().parent


def specs_for(url: str, n: int, max_tokens: int, tag: str) -> list[Any]:
    ep = Endpoint.parse(url)
    out = []
    for i in range(n):
        path, body = make_payload(api="chat", model="sim-model", text=f"hello {i}",
                                  max_tokens=max_tokens, ignore_eos=True)
        out.append(make_spec(ep, path, body, None, None, max_tokens,
                             extra_headers={"X-Request-Id": f"{tag}-{i}"}))
    return out


def run_minimal(url: str, specs: list[Any], concurrency: int) -> dict[str, Any]:
    ep = Endpoint.parse(url)
    # the minimal client opens one connection per request: ask the server to close it
    payloads = [s.payload.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n", 1)
                .decode("latin-1") for s in specs]
    proc = subprocess.run([sys.executable, str(HERE / "minimal_client.py")],
                          input=json.dumps({"host": ep.host, "port": ep.port,
                                            "payloads": payloads, "concurrency": concurrency}),
                          capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout))


def pct(values: list[float] | np.ndarray, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")
