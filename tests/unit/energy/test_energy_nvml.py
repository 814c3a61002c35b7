"""NVML: mJ counters of the selected GPUs become joules; failures never escape ``end``."""

from __future__ import annotations

import importlib.util

import pytest
from tests.fakes.energy import FakeClock, FakeNvml, FakeNvmlError

from tokenfab.energy import MeterUnavailable, NvmlMeter


def test_two_gpus_millijoules_to_joules() -> None:
    nvml = FakeNvml({0: 1_000_000, 1: 2_000_000})
    clock = FakeClock()
    meter = NvmlMeter(nvml=nvml, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(2.0)
    nvml.energy_mj = {0: 1_250_000, 1: 2_300_500}
    got = meter.end(window)

    assert got.valid and got.provenance == "measured"
    assert got.source == "nvml:0,1"
    assert got.per_device_j == {"gpu0": 250.0, "gpu1": 300.5}
    assert got.energy_j == pytest.approx(550.5)
    assert got.avg_power_w == pytest.approx(275.25)
    assert meter.device_names[0].startswith("NVIDIA H100")


def test_selected_indices_only() -> None:
    nvml = FakeNvml({0: 0, 1: 1_000})
    clock = FakeClock()
    meter = NvmlMeter([1], nvml=nvml, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(1.0)
    nvml.energy_mj = {0: 999_999, 1: 101_000}
    got = meter.end(window)
    assert got.source == "nvml:1"
    assert got.energy_j == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("nvml", "indices", "reason"),
    [
        (FakeNvml({}, init_error=FakeNvmlError("Driver Not Loaded")), None, "did not initialise"),
        (FakeNvml({}), None, "no NVIDIA GPU"),
        (FakeNvml({0: 1}), [3], "GPU index 3 is not present"),
        (FakeNvml({0: 1}, unsupported={0}), None, "Volta or newer"),
    ],
)
def test_unavailable_reasons(nvml: FakeNvml, indices: list[int] | None, reason: str) -> None:
    with pytest.raises(MeterUnavailable, match=reason):
        NvmlMeter(indices, nvml=nvml)
    if nvml.init_error is None:
        assert nvml.shutdown_calls == 1  # whatever failed after init is released


def test_short_window_and_stalled_counter_are_invalid() -> None:
    nvml = FakeNvml({0: 5_000})
    clock = FakeClock()
    meter = NvmlMeter(nvml=nvml, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(0.05)  # under the 0.1 s NVML floor
    nvml.energy_mj = {0: 6_000}
    short = meter.end(window)
    assert not short.valid and short.note is not None
    assert short.note.startswith("window shorter than the counter update period")

    window = meter.begin()
    clock.advance_s(1.0)
    stalled = meter.end(window)
    assert not stalled.valid and stalled.note is not None
    assert stalled.note.startswith("counter did not advance (gpu0)")


def test_driver_failure_mid_run_is_invalid_not_raised() -> None:
    nvml = FakeNvml({0: 5_000})
    clock = FakeClock()
    meter = NvmlMeter(nvml=nvml, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(1.0)
    nvml.fail_reads = True
    got = meter.end(window)
    assert not got.valid and got.energy_j is None
    assert got.note == "nvml meter failed at end: FakeNvmlError: GPU is lost"
    # begin() failing is reported by end() too.
    window = meter.begin()
    clock.advance_s(1.0)
    assert meter.end(window).note == "nvml meter failed at begin: FakeNvmlError: GPU is lost"


def test_counter_reset_is_invalid() -> None:
    nvml = FakeNvml({0: 5_000})
    clock = FakeClock()
    meter = NvmlMeter(nvml=nvml, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(1.0)
    nvml.energy_mj = {0: 10}  # driver reloaded
    got = meter.end(window)
    assert not got.valid and got.note is not None
    assert got.note.startswith("counter went backwards on gpu0")


def test_close_shuts_nvml_down_once() -> None:
    nvml = FakeNvml({0: 1})
    with NvmlMeter(nvml=nvml) as meter:
        pass
    meter.close()
    assert nvml.init_calls == 1 and nvml.shutdown_calls == 1


@pytest.mark.skipif(importlib.util.find_spec("pynvml") is not None, reason="pynvml installed")
def test_missing_pynvml_names_the_extra() -> None:
    with pytest.raises(MeterUnavailable, match=r"tokenfab\[nvidia\]"):
        NvmlMeter()
