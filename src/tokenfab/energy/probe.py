"""Pick the energy meter this machine supports.

``auto`` tries, in order: NVML (initialises and finds ≥ 1 GPU), AMD SMI, RAPL (readable),
then the modelled CPU meter (assumed wattages × measured utilization). An explicitly
requested meter that cannot run is a ``ConfigError`` with one line saying what to use
instead. ``off`` gives no meter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from tokenfab.energy.amd import AmdSmiMeter
from tokenfab.energy.base import EnergyMeter, MeterUnavailable
from tokenfab.energy.modelled import ModelledCpuMeter, ReadProcStat, check_watts, read_proc_stat
from tokenfab.energy.nvml import NvmlMeter
from tokenfab.energy.rapl import DEFAULT_POWERCAP_ROOT, RaplMeter
from tokenfab.errors import ConfigError

EnergyKind = Literal["auto", "nvml", "rapl", "amd", "modelled", "off"]
MeterKind = Literal["nvml", "amd", "rapl", "modelled"]
AUTO_ORDER: tuple[MeterKind, ...] = ("nvml", "amd", "rapl", "modelled")
AVAILABLE = "available"


@dataclass(frozen=True)
class MeterEnvironment:
    """Where meters look; the defaults are the real machine, tests inject fakes.

    ``nvml``/``amdsmi``: the ``pynvml``/``amdsmi`` modules (None: import lazily).
    """

    nvml: Any = None
    amdsmi: Any = None
    powercap_root: Path = DEFAULT_POWERCAP_ROOT
    read_proc_stat: ReadProcStat = read_proc_stat


def _build(
    kind: MeterKind,
    *,
    idle_w: float,
    busy_w: float,
    gpu_indices: Sequence[int] | None,
    env: MeterEnvironment,
) -> EnergyMeter:
    """The meter of ``kind``, or ``MeterUnavailable`` saying why not."""
    if kind == "nvml":
        return NvmlMeter(gpu_indices, nvml=env.nvml)
    if kind == "amd":
        return AmdSmiMeter(gpu_indices, amdsmi=env.amdsmi)
    if kind == "rapl":
        return RaplMeter(env.powercap_root)
    return ModelledCpuMeter(idle_w, busy_w, read_proc_stat=env.read_proc_stat)


def probe_meter(
    kind: EnergyKind = "auto",
    *,
    idle_w: float,
    busy_w: float,
    gpu_indices: list[int] | None = None,
    env: MeterEnvironment | None = None,
) -> EnergyMeter | None:
    """The meter for ``--energy KIND``; None for ``off`` (or ``auto`` when nothing works).

    ``idle_w``/``busy_w`` are the assumed CPU wattages used by the modelled fallback.
    """
    if kind not in get_args(EnergyKind):
        choices = ", ".join(get_args(EnergyKind))
        raise ConfigError(f"--energy {kind}: unknown meter; choose one of {choices}")
    if kind == "off":
        return None
    env = env or MeterEnvironment()
    if kind in ("auto", "modelled"):
        try:
            check_watts(idle_w, busy_w)
        except ValueError as exc:
            raise ConfigError(f"--energy {kind}: {exc}") from None
    if kind == "auto":
        for candidate in AUTO_ORDER:
            try:
                return _build(
                    candidate, idle_w=idle_w, busy_w=busy_w, gpu_indices=gpu_indices, env=env
                )
            except MeterUnavailable:
                continue
        return None
    try:
        return _build(kind, idle_w=idle_w, busy_w=busy_w, gpu_indices=gpu_indices, env=env)
    except MeterUnavailable as exc:
        hint = "use --energy off" if kind == "modelled" else "use --energy auto or modelled"
        raise ConfigError(f"--energy {kind}: {exc}; {hint}") from None


def available_meters(
    *, gpu_indices: list[int] | None = None, env: MeterEnvironment | None = None
) -> dict[str, str]:
    """Each meter kind -> ``"available"`` or the one-line reason it is not (diagnostics)."""
    env = env or MeterEnvironment()
    status: dict[str, str] = {}
    for kind in AUTO_ORDER:
        try:
            meter = _build(kind, idle_w=0.0, busy_w=0.0, gpu_indices=gpu_indices, env=env)
        except MeterUnavailable as exc:
            status[kind] = str(exc)
        else:
            meter.close()
            status[kind] = AVAILABLE
    return status
