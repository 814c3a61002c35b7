"""RAPL: package + DRAM summed, core/uncore/psys skipped, wraps undone, bad windows rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakes.energy import FakeClock, FakeRaplTree

from tokenfab.energy import EnergyMeasurement, MeterUnavailable, RaplMeter

RANGE_UJ = 262143328850  # a real max_energy_range_uj (262 kJ)


def _window(
    meter: RaplMeter, tree: FakeRaplTree, clock: FakeClock, seconds: float, ends: dict[str, int]
) -> EnergyMeasurement:
    window = meter.begin()
    clock.advance_s(seconds)
    for zone, energy_uj in ends.items():
        tree.set_energy(zone, energy_uj)
    return meter.end(window)


def test_sums_packages_and_dram_but_not_core_uncore_or_psys(tmp_path: Path) -> None:
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", 1_000_000)
    tree.zone("0:0", "core", 500_000)
    tree.zone("0:1", "uncore", 100_000)
    tree.zone("0:2", "dram", 2_000_000)
    tree.zone("1", "package-1", 10_000_000)
    tree.zone("2", "psys", 90_000_000)
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock_ns=clock)
    assert meter.source == "rapl:package-0,dram-0,package-1"

    got = _window(
        meter,
        tree,
        clock,
        2.0,
        {
            "0": 51_000_000,  # +50 J
            "0:0": 40_500_000,  # core +40 J: inside package-0, not added again
            "0:1": 3_100_000,
            "0:2": 7_000_000,  # +5 J
            "1": 30_000_000,  # +20 J
            "2": 190_000_000,  # psys +100 J: contains the packages, not added
        },
    )

    assert got.valid and got.provenance == "measured"
    assert got.per_device_j == {"package-0": 50.0, "dram-0": 5.0, "package-1": 20.0}
    assert got.energy_j == pytest.approx(75.0)
    assert got.duration_s == pytest.approx(2.0)
    assert got.avg_power_w == pytest.approx(37.5)


@pytest.mark.parametrize(
    ("start_uj", "end_uj", "expected_j"),
    [
        (100, 1_000_100, 1.0),  # no wrap
        (RANGE_UJ - 328_850, 500_000, 0.82885),  # wrapped once: end + range - start
        (RANGE_UJ, 0 + 1_000_000, 1.0),  # wrapped exactly at the top
    ],
)
def test_one_wrap_is_undone_with_max_energy_range(
    tmp_path: Path, start_uj: int, end_uj: int, expected_j: float
) -> None:
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", start_uj, max_range_uj=RANGE_UJ)
    clock = FakeClock()
    got = _window(RaplMeter(tmp_path, clock_ns=clock), tree, clock, 1.0, {"0": end_uj})
    assert got.valid
    assert got.energy_j == pytest.approx(expected_j)


def test_window_long_enough_for_two_wraps_is_invalid(tmp_path: Path) -> None:
    # 1 kJ range at 500 W wraps in 2 s; a 3 s window may hide a second wrap.
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", 100, max_range_uj=1_000_000_000)
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock_ns=clock, max_plausible_power_w=500.0)
    got = _window(meter, tree, clock, 3.0, {"0": 200_000_100})
    assert not got.valid and got.energy_j is None
    assert got.note is not None and "more than one wrap" in got.note
    # Just under the wrap period is fine.
    got = _window(meter, tree, clock, 1.9, {"0": 900_000_100})
    assert got.valid and got.energy_j == pytest.approx(700.0)


def test_backwards_counter_without_range_is_invalid(tmp_path: Path) -> None:
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", 5_000_000, max_range_uj=None)
    clock = FakeClock()
    got = _window(RaplMeter(tmp_path, clock_ns=clock), tree, clock, 1.0, {"0": 1_000})
    assert not got.valid
    assert got.note is not None and got.note.startswith("counter went backwards")


def test_window_shorter_than_update_period_is_invalid(tmp_path: Path) -> None:
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", 0)
    clock = FakeClock()
    got = _window(RaplMeter(tmp_path, clock_ns=clock), tree, clock, 0.005, {"0": 1_000})
    assert not got.valid and got.energy_j is None
    assert got.note is not None
    assert got.note.startswith("window shorter than the counter update period")


def test_unchanged_counter_is_invalid(tmp_path: Path) -> None:
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", 123_456)
    clock = FakeClock()
    got = _window(RaplMeter(tmp_path, clock_ns=clock), tree, clock, 1.0, {"0": 123_456})
    assert not got.valid
    assert got.note is not None and got.note.startswith("counter did not advance")
    assert "package-0" in got.note


def test_dram_that_never_counted_is_skipped(tmp_path: Path) -> None:
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", 1)
    tree.zone("0:0", "dram", 0)
    assert RaplMeter(tmp_path).source == "rapl:package-0"


def test_permission_denied_energy_uj_means_unavailable(tmp_path: Path) -> None:
    tree = FakeRaplTree(tmp_path)
    tree.zone("0", "package-0", 1)

    def root_only(path: Path) -> str:  # tests run as root here, so chmod cannot deny
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return path.read_text()

    with pytest.raises(MeterUnavailable, match="permission denied"):
        RaplMeter(tmp_path, read_text=root_only)


@pytest.mark.parametrize("layout", ["missing", "empty", "psys-only"])
def test_no_usable_tree_means_unavailable(tmp_path: Path, layout: str) -> None:
    root = tmp_path / "powercap"
    if layout != "missing":
        tree = FakeRaplTree(root)
        if layout == "psys-only":
            tree.zone("0", "psys", 1)
    with pytest.raises(MeterUnavailable) as info:
        RaplMeter(root)
    if layout == "missing":
        assert str(info.value) == f"{root} is not readable on this machine"


def test_counter_vanishing_mid_run_gives_invalid_not_an_exception(tmp_path: Path) -> None:
    tree = FakeRaplTree(tmp_path)
    zone = tree.zone("0", "package-0", 1)
    clock = FakeClock()
    meter = RaplMeter(tmp_path, clock_ns=clock)
    window = meter.begin()
    clock.advance_s(1.0)
    (zone / "energy_uj").unlink()
    got = meter.end(window)
    assert not got.valid and got.energy_j is None
    assert got.note is not None and "FileNotFoundError" in got.note
