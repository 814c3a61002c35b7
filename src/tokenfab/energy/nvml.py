"""NVIDIA GPU energy from NVML's total-energy counter (``measured``).

``nvmlDeviceGetTotalEnergyConsumption`` returns millijoules since the driver was loaded
(Volta and newer). energy_j = sum over selected GPUs of (end_mj - start_mj) / 1000.

Why not zeus: ``zeus`` reads exactly this counter on Volta+, but importing it pulls in
``amdsmi``, whose import raises ``KeyError: 'libamd_smi.so'`` on machines without ROCm and
breaks ``import ray`` in the same environment. Talking to NVML directly (package
``nvidia-ml-py``, module ``pynvml``, imported lazily) gets the same figure without that.

Install with ``pip install 'tokenfab[nvidia]'``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from tokenfab.energy.base import ClockNs, CounterMeter, MeterUnavailable

MJ_PER_J = 1000
# The energy counter is refreshed on the driver's power-sampling cadence; on older boards
# that is about every 100 ms (A100/H100 refresh faster). 0.1 s is a conservative floor.
NVML_MIN_WINDOW_S = 0.1
INSTALL_HINT = "pip install 'tokenfab[nvidia]'"


def import_pynvml() -> Any:
    """The ``pynvml`` module, or ``MeterUnavailable`` naming the extra to install."""
    try:
        return importlib.import_module("pynvml")
    except ImportError:
        raise MeterUnavailable(f"nvidia-ml-py is not installed; {INSTALL_HINT}") from None
    except Exception as exc:  # a broken install must not break the run
        raise MeterUnavailable(f"pynvml failed to import: {type(exc).__name__}: {exc}") from None


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlMeter(CounterMeter):
    """Total energy of the selected NVIDIA GPUs (all of them by default).

    ``nvml`` is the ``pynvml`` module, injectable for tests. Raises ``MeterUnavailable``
    when NVML does not initialise, finds no GPU, or a GPU has no energy counter.
    """

    name: ClassVar[str] = "nvml"
    MIN_WINDOW_S: ClassVar[float] = NVML_MIN_WINDOW_S

    def __init__(
        self,
        gpu_indices: Sequence[int] | None = None,
        *,
        nvml: Any = None,
        clock_ns: ClockNs = time.monotonic_ns,
    ) -> None:
        super().__init__(clock_ns=clock_ns)
        self._nvml: Any = nvml if nvml is not None else import_pynvml()
        try:
            self._nvml.nvmlInit()
        except Exception as exc:
            raise MeterUnavailable(
                f"NVML did not initialise ({type(exc).__name__}: {exc})"
            ) from None
        try:
            self._handles, self.device_names = self._open(gpu_indices)
        except MeterUnavailable:
            self._shutdown()
            raise
        except Exception as exc:
            self._shutdown()
            raise MeterUnavailable(f"NVML query failed: {type(exc).__name__}: {exc}") from None

    def _open(self, gpu_indices: Sequence[int] | None) -> tuple[dict[int, object], dict[int, str]]:
        count = int(self._nvml.nvmlDeviceGetCount())
        if count == 0:
            raise MeterUnavailable("NVML found no NVIDIA GPU")
        indices = list(range(count)) if gpu_indices is None else list(gpu_indices)
        if not indices:
            raise MeterUnavailable("no GPU indices selected")
        handles: dict[int, object] = {}
        names: dict[int, str] = {}
        for index in indices:
            if not 0 <= index < count:
                raise MeterUnavailable(f"GPU index {index} is not present (NVML sees {count})")
            handle = self._nvml.nvmlDeviceGetHandleByIndex(index)
            names[index] = _text(self._nvml.nvmlDeviceGetName(handle))
            try:
                self._nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
            except Exception as exc:
                raise MeterUnavailable(
                    f"GPU {index} ({names[index]}) has no total-energy counter "
                    f"({type(exc).__name__}); NVML energy needs Volta or newer"
                ) from None
            handles[index] = handle
        return handles, names

    @property
    def gpu_indices(self) -> list[int]:
        return list(self._handles)

    @property
    def source(self) -> str:
        return "nvml:" + ",".join(str(i) for i in self._handles)

    def _read(self) -> Mapping[str, float]:
        return {
            f"gpu{index}": int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(handle))
            for index, handle in self._handles.items()
        }

    def _to_j(self, key: str, raw_delta: float) -> float:
        return raw_delta / MJ_PER_J

    def _shutdown(self) -> None:
        try:
            self._nvml.nvmlShutdown()
        except Exception:  # already shut down or driver gone: nothing left to release
            pass

    def close(self) -> None:
        if not self._closed:
            self._shutdown()
        super().close()
