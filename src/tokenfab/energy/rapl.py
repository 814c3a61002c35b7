"""CPU package and DRAM energy from Linux powercap RAPL counters (``measured``).

Layout read (``root`` defaults to ``/sys/class/powercap``)::

    intel-rapl:N/        name = "package-N"; energy_uj; max_energy_range_uj
    intel-rapl:N:M/      name = "dram" | "core" | "uncore"
    intel-rapl:K/        name = "psys" (platform domain, contains the packages)

energy_j = sum(package domains) + sum(dram sub-domains). ``core`` and ``uncore`` are
inside their package and ``psys`` contains the packages, so they are skipped, never added.
AMD Zen CPUs expose the same tree (package domains only).

Wrap: ``energy_uj`` counts up to ``max_energy_range_uj`` and restarts at 0. One wrap per
window is undone by adding the range. If the window is at least as long as the shortest
time the counter can take to wrap at ``max_plausible_power_w`` (range_j / max_plausible_w),
more than one wrap is possible and the window is reported invalid.

Since Linux 5.10 ``energy_uj`` is readable by root only; unreadable means unavailable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from tokenfab.energy.base import (
    NOTE_WENT_BACKWARDS,
    ClockNs,
    CounterMeter,
    InvalidWindow,
    MeterUnavailable,
)

DEFAULT_POWERCAP_ROOT = Path("/sys/class/powercap")
UJ_PER_J = 1_000_000
# RAPL counters refresh about every 1 ms; 10 ms keeps quantization well under 10 %.
RAPL_MIN_WINDOW_S = 0.01
# At or above the TDP of current server sockets (EPYC 9005, Xeon 6: 500 W).
RAPL_MAX_PLAUSIBLE_POWER_W = 500.0

ReadText = Callable[[Path], str]


def _read_text(path: Path) -> str:
    return path.read_text()


@dataclass(frozen=True)
class RaplDomain:
    """One counted RAPL domain: ``key`` like ``package-0`` or ``dram-0``."""

    key: str
    energy_path: Path
    max_range_uj: int | None


def _zone_index(path: Path) -> tuple[int, ...] | None:
    """``intel-rapl:0:2`` -> (0, 2); anything else -> None."""
    parts = path.name.split(":")
    if parts[0] != "intel-rapl" or len(parts) < 2:
        return None
    try:
        return tuple(int(p) for p in parts[1:])
    except ValueError:
        return None


class RaplMeter(CounterMeter):
    """Sum of RAPL package and DRAM counters. Raises ``MeterUnavailable`` when unusable."""

    name: ClassVar[str] = "rapl"
    MIN_WINDOW_S: ClassVar[float] = RAPL_MIN_WINDOW_S

    def __init__(
        self,
        root: Path = DEFAULT_POWERCAP_ROOT,
        *,
        max_plausible_power_w: float = RAPL_MAX_PLAUSIBLE_POWER_W,
        read_text: ReadText = _read_text,
        clock_ns: ClockNs = time.monotonic_ns,
    ) -> None:
        super().__init__(clock_ns=clock_ns)
        if max_plausible_power_w <= 0:
            raise ValueError("max_plausible_power_w must be positive")
        self._root = root
        self._read_text = read_text
        self._max_plausible_power_w = max_plausible_power_w
        self.domains: tuple[RaplDomain, ...] = self._discover()

    @property
    def source(self) -> str:
        return "rapl:" + ",".join(d.key for d in self.domains)

    def _discover(self) -> tuple[RaplDomain, ...]:
        try:
            zones = [(idx, p) for p in self._root.iterdir() if (idx := _zone_index(p))]
        except OSError:
            raise MeterUnavailable(f"{self._root} is not readable on this machine") from None
        names: dict[tuple[int, ...], str] = {}
        for idx, path in zones:
            try:
                names[idx] = self._read_text(path / "name").strip()
            except OSError:
                continue
        domains: list[RaplDomain] = []
        for idx, path in sorted(zones):
            name = names.get(idx, "")
            if len(idx) == 1 and name.startswith("package"):
                key = name
            elif name == "dram" and len(idx) <= 2:
                key = f"dram-{idx[0]}"
            else:
                continue  # core/uncore are inside the package; psys contains it
            energy_path = path / "energy_uj"
            try:
                first_uj = int(self._read_text(energy_path))
            except PermissionError:
                raise MeterUnavailable(
                    f"{energy_path} is not readable (permission denied; root-only since Linux 5.10)"
                ) from None
            except (OSError, ValueError) as exc:
                raise MeterUnavailable(f"{energy_path} is not readable: {exc}") from None
            if key.startswith("dram") and first_uj == 0:
                continue  # never counted since boot: this platform does not meter DRAM
            try:
                max_range_uj: int | None = int(self._read_text(path / "max_energy_range_uj"))
            except (OSError, ValueError):
                max_range_uj = None
            domains.append(RaplDomain(key, energy_path, max_range_uj))
        if not any(d.key.startswith("package") for d in domains):
            raise MeterUnavailable(
                f"{self._root} has no readable intel-rapl package domains on this machine"
            )
        return tuple(domains)

    def _read(self) -> Mapping[str, float]:
        return {d.key: int(self._read_text(d.energy_path)) for d in self.domains}

    def _delta(self, key: str, start: float, end: float, duration_s: float) -> float:
        domain = next(d for d in self.domains if d.key == key)
        range_uj = domain.max_range_uj
        if range_uj:
            wrap_s = range_uj / UJ_PER_J / self._max_plausible_power_w
            if duration_s >= wrap_s:
                raise InvalidWindow(
                    f"window of {duration_s:.1f} s may span more than one wrap of {key} "
                    f"(max_energy_range_uj {range_uj} wraps in {wrap_s:.1f} s at "
                    f"{self._max_plausible_power_w:g} W); use shorter windows"
                )
        if end >= start:
            return end - start
        if not range_uj:
            raise InvalidWindow(
                f"{NOTE_WENT_BACKWARDS} on {key} and max_energy_range_uj is unknown"
            )
        return end + range_uj - start

    def _to_j(self, key: str, raw_delta: float) -> float:
        return raw_delta / UJ_PER_J
