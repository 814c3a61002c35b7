"""Modelled energy when no counter exists: wattages (``assumed``) × utilization (``measured``).

energy_j = (idle_w + (busy_w - idle_w) × utilization) × duration_s

``ModelledCpuMeter`` measures system-wide CPU utilization from ``/proc/stat`` deltas:

    busy  = user + nice + system + irq + softirq + steal
    total = busy + idle + iowait          (guest time is already inside user/nice)
    utilization = Δbusy / Δtotal           (fraction of all CPUs busy over the window)

The result's provenance is ``modelled``; its note states the formula and the assumed inputs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar

from tokenfab.energy.base import (
    NOTE_NOT_ADVANCED,
    NOTE_WENT_BACKWARDS,
    ClockNs,
    EnergyMeasurement,
    EnergyMeter,
    InvalidWindow,
    MeterProvenance,
    MeterUnavailable,
)
from tokenfab.energy.derived import modelled_energy_j

PROC_STAT = Path("/proc/stat")
# /proc/stat counts in USER_HZ ticks (10 ms); 0.1 s gives ≥ 10 ticks per CPU.
CPU_MIN_WINDOW_S = 0.1
_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user nice system irq softirq steal
_IDLE_FIELDS = (3, 4)  # idle iowait

ReadProcStat = Callable[[], str]


def read_proc_stat() -> str:
    """The text of ``/proc/stat``."""
    return PROC_STAT.read_text()


def cpu_ticks(proc_stat: str) -> tuple[int, int]:
    """(busy_ticks, total_ticks) from the aggregate ``cpu`` line of ``/proc/stat``."""
    for line in proc_stat.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(v) for v in fields[1:]] + [0] * 8
            busy = sum(values[i] for i in _BUSY_FIELDS)
            return busy, busy + sum(values[i] for i in _IDLE_FIELDS)
    raise ValueError("no aggregate 'cpu' line in /proc/stat")


def check_watts(idle_w: float, busy_w: float, busy_name: str = "busy_w") -> None:
    """ValueError unless both wattages are finite, non-negative and busy >= idle."""
    for name, value in (("idle_w", idle_w), (busy_name, busy_w)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite, non-negative number (got {value!r})")
    if busy_w < idle_w:
        raise ValueError(f"{busy_name} ({busy_w:g} W) must be >= idle_w ({idle_w:g} W)")


def _modelled(
    *,
    source: str,
    device: str,
    provenance: MeterProvenance,
    idle_w: float,
    busy_w: float,
    utilization: float,
    duration_s: float,
    note: str,
) -> EnergyMeasurement:
    energy_j = modelled_energy_j(idle_w, busy_w, utilization, duration_s)
    return EnergyMeasurement(
        energy_j=energy_j,
        duration_s=duration_s,
        avg_power_w=energy_j / duration_s,
        source=source,
        provenance=provenance,
        valid=True,
        note=note,
        per_device_j={device: energy_j},
    )


class ModelledCpuMeter(EnergyMeter):
    """CPU energy modelled from assumed idle/busy wattages and measured utilization."""

    name: ClassVar[str] = "modelled"
    provenance: ClassVar[MeterProvenance] = "modelled"
    MIN_WINDOW_S: ClassVar[float] = CPU_MIN_WINDOW_S

    def __init__(
        self,
        idle_w: float,
        busy_w: float,
        *,
        read_proc_stat: ReadProcStat = read_proc_stat,
        clock_ns: ClockNs = time.monotonic_ns,
    ) -> None:
        super().__init__(clock_ns=clock_ns)
        check_watts(idle_w, busy_w, "busy_w")
        self.idle_w = idle_w
        self.busy_w = busy_w
        self._read_proc_stat = read_proc_stat
        try:
            cpu_ticks(read_proc_stat())
        except (OSError, ValueError):
            raise MeterUnavailable(f"{PROC_STAT} is not readable on this machine") from None

    @property
    def source(self) -> str:
        return "modelled:cpu-utilization"

    def _read(self) -> Mapping[str, float]:
        busy, total = cpu_ticks(self._read_proc_stat())
        return {"busy_ticks": busy, "total_ticks": total}

    def _finish(
        self, start: Mapping[str, float], end: Mapping[str, float], duration_s: float
    ) -> EnergyMeasurement:
        d_busy = end["busy_ticks"] - start["busy_ticks"]
        d_total = end["total_ticks"] - start["total_ticks"]
        if d_busy < 0 or d_total < 0:
            raise InvalidWindow(f"{NOTE_WENT_BACKWARDS} in /proc/stat")
        if d_total == 0:
            raise InvalidWindow(f"{NOTE_NOT_ADVANCED} (/proc/stat) over {duration_s:.3f} s")
        utilization = min(d_busy / d_total, 1.0)
        return _modelled(
            source=self.source,
            device="cpu",
            provenance=self.provenance,
            idle_w=self.idle_w,
            busy_w=self.busy_w,
            utilization=utilization,
            duration_s=duration_s,
            note=(
                "modelled: energy_j = (idle_w + (busy_w - idle_w) × utilization) × duration_s "
                f"with idle_w={self.idle_w:g} W and busy_w={self.busy_w:g} W assumed, "
                f"utilization={utilization:.3f} measured from /proc/stat"
            ),
        )

