"""Assumed power of a CPU from its core count and memory. Pure.

idle_w = idle_w_per_vcpu × logical_cores + w_per_gib_memory × memory_gib
busy_w = busy_w_per_vcpu × logical_cores + w_per_gib_memory × memory_gib

No CPU TDP is readable inside a VM, so the coefficients are the Cloud Carbon Footprint
methodology's (cloudcarbonfootprint.org/docs/methodology): AWS fleet averages derived from
SPECpower results, 0.74 W per idle vCPU, 3.5 W per busy vCPU and 0.392 W per GB of memory.
Provenance: assumed. The CPU facts themselves come from ``tokenfab.host.cpu``.
"""

from __future__ import annotations

from typing import Protocol

IDLE_W_PER_VCPU = 0.74
BUSY_W_PER_VCPU = 3.5
W_PER_GIB_MEMORY = 0.392


class CpuFacts(Protocol):
    """What the power model needs to know about a CPU (e.g. ``tokenfab.host.cpu.LocalCpu``)."""

    @property
    def logical_cores(self) -> int: ...

    @property
    def memory_gib(self) -> float: ...


def assumed_cpu_power_w(cpu: CpuFacts, *, idle_w_per_vcpu: float = IDLE_W_PER_VCPU,
                        busy_w_per_vcpu: float = BUSY_W_PER_VCPU,
                        w_per_gib_memory: float = W_PER_GIB_MEMORY) -> tuple[float, float]:
    """(idle_w, busy_w) of a CPU; provenance ``assumed``; formula in the module docstring.

    The default coefficients model a cloud vCPU's share of a server CPU, not a desktop part;
    pass your own where the machine is known.
    """
    mem_w = w_per_gib_memory * cpu.memory_gib
    return (idle_w_per_vcpu * cpu.logical_cores + mem_w,
            busy_w_per_vcpu * cpu.logical_cores + mem_w)
