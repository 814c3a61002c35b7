"""Test doubles shared by the test suite (never shipped in the package): ``tests.fakes.energy``
stands in for the clock, NVML, AMD SMI and the RAPL sysfs tree."""
