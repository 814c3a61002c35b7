from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokenfab.host import cpu as lc
from tokenfab.host.cpu import (
    cache_file,
    cached_local_cpu,
    local_cpu,
    measure_mem_read_gb_s,
    parse_cpu_model,
    parse_mem_total_gib,
)


class FakeMeasure:
    """Stands in for the bandwidth probe: returns a fixed GB/s and counts calls."""

    def __init__(self, gb_s: float = 42.0) -> None:
        self.gb_s = gb_s
        self.threads: list[int] = []

    def __call__(self, threads: int) -> float:
        self.threads.append(threads)
        return self.gb_s


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOKENFAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "local_cpu.json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t: fpu\n"
         "model name\t: second\n", "Intel(R) Xeon(R) Processor"),
        ("processor\t: 0\nBogoMIPS\t: 108.00\nModel\t: Raspberry Pi 5 Model B Rev 1.0\n",
         "Raspberry Pi 5 Model B Rev 1.0"),
        ("model name\t:\nHardware\t: BCM2835\n", "BCM2835"),
        ("", None),
    ],
)
def test_parse_cpu_model(text: str, expected: str | None) -> None:
    assert parse_cpu_model(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MemTotal:       24682932 kB\nMemFree: 1 kB\n", 24682932 * 1024 / 1024**3),
        ("MemTotal:       1048576 kB\n", 1.0),  # 1 Mi kB = 1 GiB
        ("MemFree: 1 kB\n", None),
        ("MemTotal: lots\n", None),
    ],
)
def test_parse_mem_total_gib(text: str, expected: float | None) -> None:
    got = parse_mem_total_gib(text)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_cache_path_follows_env(tmp_cache: Path) -> None:
    assert cache_file() == tmp_cache


def test_cache_path_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TOKENFAB_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_file() == tmp_path / ".cache" / "tokenfab" / "local_cpu.json"


def test_measures_once_then_reads_cache(tmp_cache: Path) -> None:
    fake = FakeMeasure(42.0)
    assert cached_local_cpu() is None
    first = local_cpu(measure=fake, now=lambda: 1_700_000_000.0)
    assert first.mem_read_gb_s == 42.0
    assert first.mem_bw_provenance == "measured"
    assert first.measured_unix_s == 1_700_000_000.0
    assert first.cache_path == str(tmp_cache)
    assert fake.threads == [first.logical_cores]  # one thread per logical core
    assert json.loads(tmp_cache.read_text())["mem_read_gb_s"] == 42.0

    second = local_cpu(measure=fake)
    assert second == first
    assert len(fake.threads) == 1
    assert cached_local_cpu() == first


def test_refresh_remeasures(tmp_cache: Path) -> None:
    local_cpu(measure=FakeMeasure(10.0))
    again = local_cpu(refresh=True, measure=FakeMeasure(20.0))
    assert again.mem_read_gb_s == 20.0
    assert local_cpu(measure=FakeMeasure(99.0)).mem_read_gb_s == 20.0


@pytest.mark.parametrize(
    "change",
    [
        {"model": "Some Other CPU"},
        {"logical_cores": 999},
    ],
)
def test_other_cpu_in_cache_remeasures(tmp_cache: Path, change: dict[str, object]) -> None:
    local_cpu(measure=FakeMeasure(10.0))
    stored = json.loads(tmp_cache.read_text())
    tmp_cache.write_text(json.dumps({**stored, **change}))
    assert cached_local_cpu() is None
    fake = FakeMeasure(30.0)
    assert local_cpu(measure=fake).mem_read_gb_s == 30.0
    assert len(fake.threads) == 1


@pytest.mark.parametrize("content", ["not json", "{}", '{"model": "x", "surprise": 1}'])
def test_unreadable_cache_remeasures(tmp_cache: Path, content: str) -> None:
    tmp_cache.parent.mkdir(parents=True)
    tmp_cache.write_text(content)
    assert local_cpu(measure=FakeMeasure(12.0)).mem_read_gb_s == 12.0


def test_unwritable_cache_still_returns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TOKENFAB_CACHE", str(blocker / "sub"))  # parent is a file
    assert local_cpu(measure=FakeMeasure(5.0)).mem_read_gb_s == 5.0


def test_measure_returns_positive_bandwidth() -> None:
    # Small and single-pass: checks the arithmetic runs, not how fast this machine is.
    assert measure_mem_read_gb_s(threads=2, size_mib=4, repeats=1) > 0


def test_measure_rejects_zero_repeats() -> None:
    with pytest.raises(ValueError):
        measure_mem_read_gb_s(threads=1, size_mib=1, repeats=0)


def test_default_measure_is_the_module_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeMeasure(7.0)
    monkeypatch.setattr(lc, "measure_mem_read_gb_s", fake)
    assert local_cpu().mem_read_gb_s == 7.0
