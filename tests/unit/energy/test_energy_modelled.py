"""Modelled meters: assumed wattages × measured utilization, with the formula in the note."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from tests.fakes.energy import FakeClock, proc_stat_text

from tokenfab.energy import MeterUnavailable, ModelledCpuMeter, cpu_ticks

START = proc_stat_text(100, 0, 50, 800, 50)  # busy 150, total 1000
# busy 200+10+70+5+5+10 = 300, idle 840+60 = 900, total 1200; guest 99 already in user
END = proc_stat_text(200, 10, 70, 840, 60, 5, 5, 10, guest=99)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (START, (150, 1000)),
        (END, (300, 1200)),
        ("cpu  1 2 3 4\n", (6, 10)),  # old kernels: four fields
    ],
)
def test_cpu_ticks(text: str, expected: tuple[int, int]) -> None:
    assert cpu_ticks(text) == expected


class Stat:
    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)

    def __call__(self) -> str:
        return self.texts[0] if len(self.texts) == 1 else self.texts.pop(0)


def test_cpu_meter_hand_computed() -> None:
    # init read, begin read, end read. u = (300-150)/(1200-1000) = 0.75
    # power = 50 + (250 - 50) × 0.75 = 200 W; 2 s -> 400 J
    clock = FakeClock()
    meter = ModelledCpuMeter(50.0, 250.0, read_proc_stat=Stat(START, START, END), clock_ns=clock)
    window = meter.begin()
    clock.advance_s(2.0)
    got = meter.end(window)
    assert got.valid and got.provenance == "modelled"
    assert got.source == "modelled:cpu-utilization"
    assert got.energy_j == pytest.approx(400.0)
    assert got.avg_power_w == pytest.approx(200.0)
    assert got.per_device_j == {"cpu": pytest.approx(400.0)}
    assert got.note is not None
    assert "(idle_w + (busy_w - idle_w) × utilization) × duration_s" in got.note
    assert "idle_w=50 W and busy_w=250 W assumed" in got.note
    assert "utilization=0.750 measured from /proc/stat" in got.note


def test_cpu_meter_rejects_stalled_and_short_windows() -> None:
    clock = FakeClock()
    meter = ModelledCpuMeter(50.0, 250.0, read_proc_stat=Stat(START), clock_ns=clock)
    window = meter.begin()
    clock.advance_s(1.0)
    stalled = meter.end(window)
    assert not stalled.valid and stalled.note is not None
    assert stalled.note.startswith("counter did not advance")

    window = meter.begin()
    clock.advance_s(0.05)
    short = meter.end(window)
    assert short.note is not None
    assert short.note.startswith("window shorter than the counter update period")


@pytest.mark.parametrize(("idle_w", "busy_w"), [(100.0, 50.0), (-1.0, 5.0), (0.0, math.inf)])
def test_cpu_meter_rejects_bad_wattages(idle_w: float, busy_w: float) -> None:
    with pytest.raises(ValueError):
        ModelledCpuMeter(idle_w, busy_w, read_proc_stat=Stat(START))


def test_cpu_meter_unavailable_without_proc_stat(tmp_path: Path) -> None:
    def missing() -> str:
        return (tmp_path / "stat").read_text()

    with pytest.raises(MeterUnavailable, match="/proc/stat is not readable"):
        ModelledCpuMeter(10.0, 20.0, read_proc_stat=missing)


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="needs Linux /proc/stat")
def test_cpu_meter_on_this_machine() -> None:
    meter = ModelledCpuMeter(idle_w=10.0, busy_w=100.0)
    window = meter.begin()
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:  # keep one CPU a little busy
        sum(range(1000))
    got = meter.end(window)
    assert got.valid, got.note
    assert got.duration_s >= 0.2
    assert got.energy_j is not None and got.energy_j >= 10.0 * 0.2  # at least idle power
    assert got.energy_j <= 100.0 * got.duration_s
    assert got.avg_power_w is not None and 10.0 <= got.avg_power_w <= 100.0
