"""In-memory stand-ins for the clock, ``pynvml``, ``amdsmi`` and the RAPL sysfs tree.

For any test that needs a meter without hardware, e.g.
``probe_meter(env=MeterEnvironment(nvml=FakeNvml({0: 1_000})), ...)``. Counters are plain
attributes: set them between ``begin()`` and ``end()``.
"""

from __future__ import annotations

from pathlib import Path

from tokenfab.energy.base import NS_PER_S


class FakeClock:
    """A monotonic ns clock that moves only when told: ``clock.advance_s(2.0)``."""

    def __init__(self, start_ns: int = 1_000 * NS_PER_S) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        return self.now_ns

    def advance_s(self, seconds: float) -> None:
        self.now_ns += round(seconds * NS_PER_S)


class FakeNvmlError(Exception):
    """Stands in for ``pynvml.NVMLError``."""


class FakeNvml:
    """A ``pynvml`` with GPUs whose total energy (mJ) is ``energy_mj[index]``.

    ``init_error``: raised by ``nvmlInit``. ``unsupported``: indices with no energy
    counter (pre-Volta). ``fail_reads``: make every energy read raise (driver lost).
    """

    def __init__(
        self,
        energy_mj: dict[int, int],
        *,
        names: dict[int, str] | None = None,
        init_error: Exception | None = None,
        unsupported: set[int] | None = None,
    ) -> None:
        self.energy_mj = dict(energy_mj)
        self.names = names or {i: f"NVIDIA H100 80GB HBM3 #{i}" for i in energy_mj}
        self.init_error = init_error
        self.unsupported = unsupported or set()
        self.fail_reads = False
        self.init_calls = 0
        self.shutdown_calls = 0

    def nvmlInit(self) -> None:  # noqa: N802 - pynvml's spelling
        self.init_calls += 1
        if self.init_error is not None:
            raise self.init_error

    def nvmlShutdown(self) -> None:  # noqa: N802
        self.shutdown_calls += 1

    def nvmlDeviceGetCount(self) -> int:  # noqa: N802
        return len(self.energy_mj)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:  # noqa: N802
        if index not in self.energy_mj:
            raise FakeNvmlError("Invalid Argument")
        return index

    def nvmlDeviceGetName(self, handle: int) -> bytes:  # noqa: N802 - old pynvml returns bytes
        return self.names[handle].encode()

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:  # noqa: N802
        if handle in self.unsupported:
            raise FakeNvmlError("Not Supported")
        if self.fail_reads:
            raise FakeNvmlError("GPU is lost")
        return self.energy_mj[handle]


class FakeAmdSmi:
    """An ``amdsmi`` with GPUs whose accumulator is ``accumulator[index]``.

    ``legacy_key``: report the counter under ``power`` as amdsmi < 6.2.1 did.
    """

    def __init__(
        self,
        accumulator: dict[int, int],
        *,
        resolution_uj: float = 15.3,
        init_error: Exception | None = None,
        legacy_key: bool = False,
    ) -> None:
        self.accumulator = dict(accumulator)
        self.resolution_uj = resolution_uj
        self.init_error = init_error
        self.legacy_key = legacy_key
        self.fail_reads = False
        self.shutdown_calls = 0

    def amdsmi_init(self, flags: int | None = None) -> None:
        if self.init_error is not None:
            raise self.init_error

    def amdsmi_shut_down(self) -> None:
        self.shutdown_calls += 1

    def amdsmi_get_processor_handles(self) -> list[int]:
        return sorted(self.accumulator)

    def amdsmi_get_energy_count(self, handle: int) -> dict[str, float]:
        if self.fail_reads:
            raise RuntimeError("AMDSMI_STATUS_DRM_ERROR")
        key = "power" if self.legacy_key else "energy_accumulator"
        return {key: self.accumulator[handle], "counter_resolution": self.resolution_uj}


class FakeRaplTree:
    """Writes a ``/sys/class/powercap``-shaped tree under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def zone(
        self, zone: str, name: str, energy_uj: int, max_range_uj: int | None = 262143328850
    ) -> Path:
        """Create ``intel-rapl:<zone>`` with its ``name``, ``energy_uj`` and range files."""
        path = self.root / f"intel-rapl:{zone}"
        path.mkdir(parents=True, exist_ok=True)
        (path / "name").write_text(f"{name}\n")
        (path / "energy_uj").write_text(f"{energy_uj}\n")
        if max_range_uj is not None:
            (path / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
        return path

    def set_energy(self, zone: str, energy_uj: int) -> None:
        (self.root / f"intel-rapl:{zone}" / "energy_uj").write_text(f"{energy_uj}\n")


def proc_stat_text(
    user: int,
    nice: int,
    system: int,
    idle: int,
    iowait: int = 0,
    irq: int = 0,
    softirq: int = 0,
    steal: int = 0,
    guest: int = 0,
    guest_nice: int = 0,
) -> str:
    """A minimal ``/proc/stat`` with the aggregate ``cpu`` line (USER_HZ ticks)."""
    fields = (user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice)
    line = "cpu  " + " ".join(str(v) for v in fields)
    return f"{line}\ncpu0 {' '.join(str(v) for v in fields)}\nintr 0\nctxt 0\n"
