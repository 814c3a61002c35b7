"""The public surface of tokenfab.energy is exactly its __all__."""

from __future__ import annotations

import subprocess
import sys

import tokenfab.energy as energy

EXPECTED = {
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
}


def test_all_lists_the_public_api() -> None:
    assert set(energy.__all__) == EXPECTED
    assert energy.__all__ == sorted(energy.__all__)
    for name in energy.__all__:
        assert getattr(energy, name) is not None


def test_importing_energy_loads_no_device_library() -> None:
    # pynvml/amdsmi are imported only when a meter is built: a broken amdsmi (no ROCm)
    # cannot break `import tokenfab.energy`.
    code = "import sys, tokenfab.energy; print('pynvml' in sys.modules, 'amdsmi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_meter_provenance_is_part_of_the_shared_provenance() -> None:
    from typing import get_args

    from tokenfab.energy.base import METER_PROVENANCES
    from tokenfab.schemas.types import Provenance

    assert set(get_args(energy.MeterProvenance)) == set(METER_PROVENANCES)
    assert set(METER_PROVENANCES) < set(get_args(Provenance))


def test_no_dollars_in_energy() -> None:
    """Pricing has one door (tokenfab.cost): nothing in energy computes a $ figure."""
    assert not [name for name in energy.__all__ if "usd" in name.lower()]
