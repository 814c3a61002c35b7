"""The measurement contract and the never-raise rules every meter shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import pytest
from pydantic import ValidationError
from tests.fakes.energy import FakeClock, FakeNvml

from tokenfab.energy import CounterMeter, EnergyMeasurement, NvmlMeter

VALID = {
    "energy_j": 10.0,
    "duration_s": 2.0,
    "avg_power_w": 5.0,
    "source": "nvml:0",
    "provenance": "measured",
    "valid": True,
    "note": None,
    "per_device_j": {"gpu0": 10.0},
}


@pytest.mark.parametrize(
    "change",
    [
        {"energy_j": None},  # valid needs energy
        {"avg_power_w": None},
        {"energy_j": -1.0},
        {"valid": False},  # invalid must carry no energy and a note
        {"valid": False, "energy_j": None, "avg_power_w": None, "per_device_j": {}},
        {"provenance": "assumed"},  # meters measure or model, never assume
        {"duration_s": -1.0},
        {"watts": 3.0},  # extra fields forbidden
    ],
)
def test_measurement_rejects_inconsistent_values(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EnergyMeasurement.model_validate({**VALID, **change})


def test_measurement_is_frozen_and_invalid_helper_is_consistent() -> None:
    ok = EnergyMeasurement.model_validate(VALID)
    with pytest.raises(ValidationError):
        ok.energy_j = 1.0  # type: ignore[misc]
    bad = EnergyMeasurement.invalid(
        source="rapl:package-0", provenance="measured", duration_s=1.5, note="why"
    )
    assert (bad.valid, bad.energy_j, bad.avg_power_w, bad.note) == (False, None, None, "why")


class StepCounter(CounterMeter):
    """A counter in millijoules whose readings come from a list."""

    name: ClassVar[str] = "step"
    MIN_WINDOW_S: ClassVar[float] = 0.5

    def __init__(self, readings: list[int], clock: FakeClock) -> None:
        super().__init__(clock_ns=clock)
        self.readings = readings

    @property
    def source(self) -> str:
        return "step:0"

    def _read(self) -> Mapping[str, float]:
        return {"dev": self.readings.pop(0)}

    def _to_j(self, key: str, raw_delta: float) -> float:
        return raw_delta / 1000


@pytest.mark.parametrize(
    ("seconds", "start_mj", "end_mj", "energy_j", "note_start"),
    [
        (1.0, 0, 3_000, 3.0, None),
        (0.5, 0, 3_000, 3.0, None),  # exactly the floor is allowed
        (0.499, 0, 3_000, None, "window shorter than the counter update period"),
        (1.0, 7, 7, None, "counter did not advance"),
        (1.0, 9, 7, None, "counter went backwards"),
    ],
)
def test_counter_window_rules(
    seconds: float, start_mj: int, end_mj: int, energy_j: float | None, note_start: str | None
) -> None:
    clock = FakeClock()
    meter = StepCounter([start_mj, end_mj], clock)
    window = meter.begin()
    clock.advance_s(seconds)
    got = meter.end(window)
    assert got.energy_j == (pytest.approx(energy_j) if energy_j is not None else None)
    assert got.valid is (energy_j is not None)
    assert got.duration_s == pytest.approx(seconds)
    if note_start is not None:
        assert got.note is not None and got.note.startswith(note_start)


def test_duration_comes_from_integer_nanoseconds() -> None:
    clock = FakeClock(start_ns=5)
    meter = StepCounter([0, 1], clock)
    window = meter.begin()
    assert window.start_ns == 5
    clock.now_ns = 5 + 1_234_567_891
    assert meter.end(window).duration_s == 1.234567891


def test_window_from_another_meter_or_after_close_is_invalid() -> None:
    clock = FakeClock()
    other = NvmlMeter(nvml=FakeNvml({0: 1}), clock_ns=clock)
    meter = StepCounter([0, 1, 2, 3], clock)
    window = other.begin()
    clock.advance_s(1.0)
    assert meter.end(window).note == "window was begun by meter 'nvml', not 'step'"
    window = meter.begin()
    meter.close()
    clock.advance_s(1.0)
    assert meter.end(window).note == "step meter is closed"
