"""AMD GPU energy from amdsmi's energy accumulator (``measured``).

``amdsmi_get_energy_count(handle)`` returns a dict with the accumulator (key
``energy_accumulator`` since amdsmi 6.2.1, ``power`` before) and ``counter_resolution``
in microjoules per count. energy_j = sum over GPUs of (end - start) × resolution / 1e6.

The import is guarded hard: ``import amdsmi`` raises ``KeyError: 'libamd_smi.so'`` when the
Python package is installed without ROCm, and ``amdsmi_init`` can raise anything. Every
such failure means "unavailable", never a crash.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from tokenfab.energy.base import ClockNs, CounterMeter, MeterUnavailable

UJ_PER_J = 1_000_000
# The SMU refreshes the accumulator every few milliseconds; 0.1 s is a conservative floor
# matching the NVML meter.
AMD_MIN_WINDOW_S = 0.1


def import_amdsmi() -> Any:
    """The ``amdsmi`` module, or ``MeterUnavailable`` saying why it cannot be used."""
    try:
        return importlib.import_module("amdsmi")
    except ImportError:
        raise MeterUnavailable("amdsmi is not installed (needs ROCm)") from None
    except KeyError as exc:
        raise MeterUnavailable(
            f"amdsmi is installed but its library is missing (KeyError: {exc}); ROCm absent"
        ) from None
    except Exception as exc:
        raise MeterUnavailable(f"amdsmi failed to import: {type(exc).__name__}: {exc}") from None


def _energy_uj(reading: Mapping[str, Any]) -> float:
    """Accumulator × resolution, in microjoules."""
    count = reading["energy_accumulator"] if "energy_accumulator" in reading else reading["power"]
    return float(count) * float(reading["counter_resolution"])


class AmdSmiMeter(CounterMeter):
    """Total energy of the selected AMD GPUs (all by default); ``amdsmi`` injectable."""

    name: ClassVar[str] = "amd"
    MIN_WINDOW_S: ClassVar[float] = AMD_MIN_WINDOW_S

    def __init__(
        self,
        gpu_indices: Sequence[int] | None = None,
        *,
        amdsmi: Any = None,
        clock_ns: ClockNs = time.monotonic_ns,
    ) -> None:
        super().__init__(clock_ns=clock_ns)
        self._smi: Any = amdsmi if amdsmi is not None else import_amdsmi()
        try:
            flags = getattr(getattr(self._smi, "AmdSmiInitFlags", None), "INIT_AMD_GPUS", None)
            if flags is None:
                self._smi.amdsmi_init()
            else:
                self._smi.amdsmi_init(flags)
        except Exception as exc:
            raise MeterUnavailable(
                f"amdsmi did not initialise ({type(exc).__name__}: {exc})"
            ) from None
        try:
            self._handles = self._open(gpu_indices)
        except MeterUnavailable:
            self._shutdown()
            raise
        except Exception as exc:
            self._shutdown()
            raise MeterUnavailable(f"amdsmi query failed: {type(exc).__name__}: {exc}") from None

    def _open(self, gpu_indices: Sequence[int] | None) -> dict[int, object]:
        all_handles = list(self._smi.amdsmi_get_processor_handles())
        if not all_handles:
            raise MeterUnavailable("amdsmi found no AMD GPU")
        indices = list(range(len(all_handles))) if gpu_indices is None else list(gpu_indices)
        if not indices:
            raise MeterUnavailable("no GPU indices selected")
        handles: dict[int, object] = {}
        for index in indices:
            if not 0 <= index < len(all_handles):
                raise MeterUnavailable(
                    f"GPU index {index} is not present (amdsmi sees {len(all_handles)})"
                )
            try:
                _energy_uj(self._smi.amdsmi_get_energy_count(all_handles[index]))
            except Exception as exc:
                raise MeterUnavailable(
                    f"AMD GPU {index} has no readable energy counter ({type(exc).__name__})"
                ) from None
            handles[index] = all_handles[index]
        return handles

    @property
    def source(self) -> str:
        return "amdsmi:" + ",".join(str(i) for i in self._handles)

    def _read(self) -> Mapping[str, float]:
        return {
            f"gpu{index}": _energy_uj(self._smi.amdsmi_get_energy_count(handle))
            for index, handle in self._handles.items()
        }

    def _to_j(self, key: str, raw_delta: float) -> float:
        return raw_delta / UJ_PER_J

    def _shutdown(self) -> None:
        try:
            self._smi.amdsmi_shut_down()
        except Exception:  # nothing left to release
            pass

    def close(self) -> None:
        if not self._closed:
            self._shutdown()
        super().close()
