"""The machine tokenfab runs on, as a hardware entry: CPU model, cores, memory, and memory
read bandwidth MEASURED once and cached.

mem_read_gb_s = array_bytes / best_elapsed_s / 1e9   (provenance: measured)

The measurement sums a float64 array split into one chunk per logical core, one thread per
chunk (numpy releases the GIL inside the reduction), best of ``repeats`` passes. The result
is cached as JSON in ``$TOKENFAB_CACHE`` (default ``~/.cache/tokenfab``)``/local_cpu.json``
and re-measured when the CPU model or core count differs from the cached one.

This module is an I/O edge: it reads ``/proc``, the clock and the cache file. The assumed
wattage of this CPU is pure math and lives in ``tokenfab.cost.cpu_power``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError

CACHE_FILE = "local_cpu.json"
BYTES_PER_GIB = 1024**3
BYTES_PER_GB = 1e9
NS_PER_S = 1e9

MeasureFn = Callable[[int], float]
"""threads -> memory read bandwidth in GB/s."""


class LocalCpu(BaseModel):
    """The local CPU; ``mem_read_gb_s`` is measured, everything else is read from the OS."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(min_length=1, description="CPU model name from /proc/cpuinfo")
    logical_cores: int = Field(ge=1, description="logical cores (vCPUs) the OS reports")
    memory_gib: float = Field(ge=0, description="total memory, GiB")
    mem_read_gb_s: PositiveFloat = Field(description="measured memory read bandwidth, GB/s")
    mem_bw_provenance: Literal["measured"] = "measured"
    measured_unix_s: float = Field(description="when the bandwidth was measured, Unix seconds")
    cache_path: str = Field(description="the JSON file this result is cached in")


def parse_cpu_model(cpuinfo: str) -> str | None:
    """First ``model name`` (x86) or ``Model``/``Hardware`` (Arm) line of /proc/cpuinfo."""
    wanted = ("model name", "Model", "Hardware")
    found: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        field, sep, value = line.partition(":")
        field = field.strip()
        if sep and field in wanted and value.strip() and field not in found:
            found[field] = value.strip()
    return next((found[f] for f in wanted if f in found), None)


def parse_mem_total_gib(meminfo: str) -> float | None:
    """``MemTotal`` of /proc/meminfo (kB) in GiB."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            try:
                return int(parts[1]) * 1024 / BYTES_PER_GIB
            except (IndexError, ValueError):
                return None
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def detect_cpu() -> tuple[str, int, float]:
    """(model, logical cores, memory GiB) of this machine."""
    model = parse_cpu_model(_read("/proc/cpuinfo")) or platform.processor() \
        or platform.machine() or "unknown CPU"
    cores = os.cpu_count() or 1
    mem = parse_mem_total_gib(_read("/proc/meminfo"))
    if mem is None:
        try:
            mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / BYTES_PER_GIB
        except (ValueError, OSError, AttributeError):
            mem = 0.0
    return model, cores, round(mem, 2)


def measure_mem_read_gb_s(threads: int, size_mib: int = 512, repeats: int = 5) -> float:
    """Best-of-``repeats`` GB/s of a threaded numpy sum over a ``size_mib`` float64 array."""
    if repeats < 1 or size_mib < 1:
        raise ValueError("size_mib and repeats must be at least 1")
    n = size_mib * 1024 * 1024 // 8
    data = np.ones(n, dtype=np.float64)  # ones, not empty: every page is touched first
    chunks = np.array_split(data, max(1, threads))
    best_ns = 0
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        list(pool.map(np.sum, chunks))  # warm-up: threads started, caches settled
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            list(pool.map(np.sum, chunks))
            elapsed_ns = max(time.perf_counter_ns() - t0, 1)
            best_ns = elapsed_ns if best_ns == 0 else min(best_ns, elapsed_ns)
    return data.nbytes / (best_ns / NS_PER_S) / BYTES_PER_GB


def cache_file() -> Path:
    """``$TOKENFAB_CACHE/local_cpu.json`` (``~/.cache/tokenfab`` when unset)."""
    root = os.environ.get("TOKENFAB_CACHE") or str(Path.home() / ".cache" / "tokenfab")
    return Path(root) / CACHE_FILE


def _load_cached(path: Path, model: str, cores: int) -> LocalCpu | None:
    try:
        cpu = LocalCpu.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None
    if cpu.model != model or cpu.logical_cores != cores:
        return None
    return cpu.model_copy(update={"cache_path": str(path)})


def cached_local_cpu() -> LocalCpu | None:
    """The cached result for this CPU, or None; never measures."""
    model, cores, _ = detect_cpu()
    return _load_cached(cache_file(), model, cores)


def local_cpu(refresh: bool = False, *, measure: MeasureFn | None = None,
              now: Callable[[], float] = time.time) -> LocalCpu:
    """This machine's CPU; measures bandwidth on first use, on ``refresh`` or a new CPU."""
    model, cores, mem_gib = detect_cpu()
    path = cache_file()
    if not refresh:
        cached = _load_cached(path, model, cores)
        if cached is not None:
            return cached
    gb_s = (measure or measure_mem_read_gb_s)(cores)
    cpu = LocalCpu(model=model, logical_cores=cores, memory_gib=mem_gib, mem_read_gb_s=gb_s,
                   measured_unix_s=now(), cache_path=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(cpu.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs a re-measurement next time
    return cpu

