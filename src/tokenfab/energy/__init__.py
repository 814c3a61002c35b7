"""tokenfab.energy: meters behind one interface (NVML, AMD SMI, RAPL, modelled fallback).

    meter = probe_meter("auto", idle_w=..., busy_w=...)
    window = meter.begin()
    ...                                   # run a load point
    measurement = meter.end(window)       # never raises; valid=False with a note on failure

Derived figures (J/token, tokens/kWh, energy cost) are pure functions in ``derived``.
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
    energy_usd,
    j_per_token,
    modelled_energy_j,
    tok_s_per_kw,
    tokens_per_kwh,
    tokens_per_mwh,
    usd_per_hour_from_power,
)
from tokenfab.energy.modelled import ModelledCpuMeter, ModelledTdpMeter, cpu_ticks
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
    "ModelledTdpMeter",
    "NvmlMeter",
    "RaplMeter",
    "available_meters",
    "cpu_ticks",
    "energy_usd",
    "j_per_token",
    "modelled_energy_j",
    "probe_meter",
    "tok_s_per_kw",
    "tokens_per_kwh",
    "tokens_per_mwh",
    "usd_per_hour_from_power",
]
