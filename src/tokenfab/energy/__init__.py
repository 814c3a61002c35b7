"""tokenfab.energy: meters behind one interface (NVML, AMD SMI, RAPL, modelled fallback).

    meter = probe_meter("auto", idle_w=..., busy_w=...)
    window = meter.begin()
    ...                                   # run a load point
    measurement = meter.end(window)       # never raises; valid=False with a note on failure

Derived figures (J/token, tokens/kWh) are pure functions in ``derived``; what energy costs
in dollars is priced by ``tokenfab.cost.tco`` (one pricing door).
"""

from __future__ import annotations

from tokenfab.energy.amd import AmdSmiMeter
from tokenfab.energy.base import (
    CounterMeter,
    EnergyMeasurement,
    EnergyMeter,
    MeterProvenance,
    MeterUnavailable,
    MeterWindow,
)
from tokenfab.energy.derived import (
    j_per_token,
    modelled_energy_j,
    tok_s_per_kw,
    tokens_per_kwh,
    tokens_per_mwh,
)
from tokenfab.energy.modelled import ModelledCpuMeter, cpu_ticks
from tokenfab.energy.nvml import NvmlMeter
from tokenfab.energy.probe import EnergyKind, MeterEnvironment, available_meters, probe_meter
from tokenfab.energy.rapl import RaplMeter

__all__ = [
    "AmdSmiMeter",
    "CounterMeter",
    "EnergyKind",
    "EnergyMeasurement",
    "EnergyMeter",
    "MeterEnvironment",
    "MeterProvenance",
    "MeterUnavailable",
    "MeterWindow",
    "ModelledCpuMeter",
    "NvmlMeter",
    "RaplMeter",
    "available_meters",
    "cpu_ticks",
    "j_per_token",
    "modelled_energy_j",
    "probe_meter",
    "tok_s_per_kw",
    "tokens_per_kwh",
    "tokens_per_mwh",
]
