"""AMD SMI: accumulator × resolution (µJ) becomes joules; a broken amdsmi is just unavailable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.fakes.energy import FakeAmdSmi, FakeClock

from tokenfab.energy import AmdSmiMeter, MeterUnavailable
from tokenfab.energy.amd import import_amdsmi


@pytest.mark.parametrize("legacy_key", [False, True])
def test_accumulator_times_resolution(legacy_key: bool) -> None:
    smi = FakeAmdSmi({0: 1_000, 1: 0}, resolution_uj=15.3, legacy_key=legacy_key)
    clock = FakeClock()
    meter = AmdSmiMeter(amdsmi=smi, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(1.0)
    smi.accumulator = {0: 1_000_000, 1: 2_000_000}
    got = meter.end(window)
    assert got.valid and got.source == "amdsmi:0,1"
    # (1_000_000 - 1_000) × 15.3 µJ = 15.2847 J; 2_000_000 × 15.3 µJ = 30.6 J
    assert got.per_device_j["gpu0"] == pytest.approx(15.2847)
    assert got.per_device_j["gpu1"] == pytest.approx(30.6)
    assert got.energy_j == pytest.approx(45.8847)


def test_import_keyerror_without_rocm_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `import amdsmi` does when the wheel is installed but ROCm is not.
    (tmp_path / "amdsmi.py").write_text("raise KeyError('libamd_smi.so')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "amdsmi", raising=False)
    with pytest.raises(MeterUnavailable, match="libamd_smi.so"):
        import_amdsmi()
    with pytest.raises(MeterUnavailable, match="library is missing"):
        AmdSmiMeter()


@pytest.mark.parametrize(
    ("smi", "reason"),
    [
        (FakeAmdSmi({}, init_error=RuntimeError("AMDSMI_STATUS_INIT_ERROR")), "did not initialise"),
        (FakeAmdSmi({}), "no AMD GPU"),
    ],
)
def test_init_failures_are_unavailable(smi: FakeAmdSmi, reason: str) -> None:
    with pytest.raises(MeterUnavailable, match=reason):
        AmdSmiMeter(amdsmi=smi)


def test_read_failure_mid_run_is_invalid() -> None:
    smi = FakeAmdSmi({0: 10})
    clock = FakeClock()
    meter = AmdSmiMeter(amdsmi=smi, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(1.0)
    smi.fail_reads = True
    got = meter.end(window)
    assert not got.valid and got.note is not None and "RuntimeError" in got.note
    meter.close()
    assert smi.shutdown_calls == 1
