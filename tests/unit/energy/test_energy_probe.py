"""probe_meter: NVML, then AMD, then RAPL, then modelled; explicit-but-absent is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakes.energy import FakeAmdSmi, FakeNvml, FakeNvmlError, FakeRaplTree, proc_stat_text

from tokenfab.energy import (
    AmdSmiMeter,
    EnergyMeter,
    MeterEnvironment,
    ModelledCpuMeter,
    NvmlMeter,
    RaplMeter,
    available_meters,
    probe_meter,
)
from tokenfab.errors import ConfigError

NO_NVML = FakeNvml({}, init_error=FakeNvmlError("Driver Not Loaded"))
NO_AMD = FakeAmdSmi({}, init_error=RuntimeError("AMDSMI_STATUS_INIT_ERROR"))


def _stat() -> str:
    return proc_stat_text(1, 0, 1, 10)


def _no_stat() -> str:
    raise FileNotFoundError("/proc/stat")


def _env(tmp_path: Path, *, nvml: bool, amd: bool, rapl: bool, stat: bool) -> MeterEnvironment:
    root = tmp_path / "powercap"
    if rapl:
        FakeRaplTree(root).zone("0", "package-0", 1)
    return MeterEnvironment(
        nvml=FakeNvml({0: 1, 1: 1}) if nvml else NO_NVML,
        amdsmi=FakeAmdSmi({0: 1}) if amd else NO_AMD,
        powercap_root=root,
        read_proc_stat=_stat if stat else _no_stat,
    )


@pytest.mark.parametrize(
    ("have", "expected"),
    [
        ({"nvml": True, "amd": True, "rapl": True, "stat": True}, NvmlMeter),
        ({"nvml": False, "amd": True, "rapl": True, "stat": True}, AmdSmiMeter),
        ({"nvml": False, "amd": False, "rapl": True, "stat": True}, RaplMeter),
        ({"nvml": False, "amd": False, "rapl": False, "stat": True}, ModelledCpuMeter),
        ({"nvml": False, "amd": False, "rapl": False, "stat": False}, type(None)),
    ],
)
def test_auto_order(tmp_path: Path, have: dict[str, bool], expected: type) -> None:
    meter = probe_meter("auto", idle_w=40.0, busy_w=120.0, env=_env(tmp_path, **have))
    assert isinstance(meter, expected)


def test_auto_passes_gpu_indices(tmp_path: Path) -> None:
    env = _env(tmp_path, nvml=True, amd=False, rapl=False, stat=True)
    meter = probe_meter(idle_w=40.0, busy_w=120.0, gpu_indices=[1], env=env)
    assert isinstance(meter, EnergyMeter) and meter.source == "nvml:1"


def test_explicit_rapl_unavailable_is_one_line_config_error(tmp_path: Path) -> None:
    env = _env(tmp_path, nvml=True, amd=True, rapl=False, stat=True)
    with pytest.raises(ConfigError) as info:
        probe_meter("rapl", idle_w=40.0, busy_w=120.0, env=env)
    root = tmp_path / "powercap"
    assert str(info.value) == (
        f"--energy rapl: {root} is not readable on this machine; use --energy auto or modelled"
    )


@pytest.mark.parametrize(
    ("kind", "message_start"),
    [
        ("nvml", "--energy nvml: NVML did not initialise"),
        ("amd", "--energy amd: amdsmi did not initialise"),
        ("modelled", "--energy modelled: /proc/stat is not readable"),
    ],
)
def test_explicit_unavailable(tmp_path: Path, kind: str, message_start: str) -> None:
    env = _env(tmp_path, nvml=False, amd=False, rapl=False, stat=False)
    with pytest.raises(ConfigError) as info:
        probe_meter(kind, idle_w=40.0, busy_w=120.0, env=env)  # type: ignore[arg-type]
    assert str(info.value).startswith(message_start)
    assert "\n" not in str(info.value)


def test_explicit_available_and_off(tmp_path: Path) -> None:
    env = _env(tmp_path, nvml=False, amd=False, rapl=True, stat=True)
    assert isinstance(probe_meter("rapl", idle_w=0.0, busy_w=0.0, env=env), RaplMeter)
    assert probe_meter("off", idle_w=0.0, busy_w=0.0, env=env) is None


@pytest.mark.parametrize(
    ("kind", "idle_w", "busy_w", "message"),
    [
        ("watts", 1.0, 2.0, "--energy watts: unknown meter"),
        ("auto", 200.0, 100.0, "--energy auto: busy_w (100 W) must be >= idle_w (200 W)"),
        ("modelled", -5.0, 100.0, "--energy modelled: idle_w must be a finite, non-negative"),
    ],
)
def test_bad_arguments(kind: str, idle_w: float, busy_w: float, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        probe_meter(kind, idle_w=idle_w, busy_w=busy_w)  # type: ignore[arg-type]


def test_available_meters_reports_reasons(tmp_path: Path) -> None:
    env = _env(tmp_path, nvml=True, amd=False, rapl=False, stat=True)
    status = available_meters(env=env)
    assert list(status) == ["nvml", "amd", "rapl", "modelled"]
    assert status["nvml"] == "available" and status["modelled"] == "available"
    assert status["amd"].startswith("amdsmi did not initialise")
    assert status["rapl"] == f"{tmp_path / 'powercap'} is not readable on this machine"
    assert env.nvml.shutdown_calls == 1  # probing releases what it opened
