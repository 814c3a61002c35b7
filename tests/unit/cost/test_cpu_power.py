"""The assumed CPU wattage (Cloud Carbon Footprint coefficients), pinned by hand."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tokenfab.cost.cpu_power import assumed_cpu_power_w
from tokenfab.host.cpu import LocalCpu


@dataclass(frozen=True)
class Cpu:
    logical_cores: int
    memory_gib: float


@pytest.mark.parametrize(
    ("cores", "mem_gib", "idle_w", "busy_w"),
    [
        # idle = 0.74 W * cores + 0.392 W/GiB * GiB; busy = 3.5 W * cores + same memory term
        (2, 10.0, 0.74 * 2 + 3.92, 3.5 * 2 + 3.92),
        (1, 0.0, 0.74, 3.5),
        (64, 256.0, 0.74 * 64 + 0.392 * 256, 3.5 * 64 + 0.392 * 256),
    ],
)
def test_assumed_cpu_power_w(cores: int, mem_gib: float, idle_w: float, busy_w: float) -> None:
    cpu = Cpu(logical_cores=cores, memory_gib=mem_gib)
    got_idle_w, got_busy_w = assumed_cpu_power_w(cpu)
    assert got_idle_w == pytest.approx(idle_w)
    assert got_busy_w == pytest.approx(busy_w)


def test_assumed_cpu_power_w_coefficients_override() -> None:
    cpu = Cpu(logical_cores=2, memory_gib=0.0)
    assert assumed_cpu_power_w(cpu, idle_w_per_vcpu=2.0, busy_w_per_vcpu=12.0) == (4.0, 24.0)


def test_probed_cpu_is_priced_like_its_facts() -> None:
    probed = LocalCpu(model="m", logical_cores=4, memory_gib=8.0, mem_read_gb_s=1.0,
                      measured_unix_s=0.0, cache_path="/dev/null")
    # idle = 0.74 × 4 + 0.392 × 8 = 6.096 W; busy = 3.5 × 4 + 3.136 = 17.136 W
    assert assumed_cpu_power_w(probed) == pytest.approx((6.096, 17.136))
