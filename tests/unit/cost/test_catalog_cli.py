from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokenfab.cli.hardware import hardware_group
from tokenfab.cost.catalog import load_catalog
from tokenfab.errors import ConfigError
from tokenfab.host import cpu as lc


def no_measure(threads: int) -> float:
    raise AssertionError("this command must not measure")


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOKENFAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(lc, "measure_mem_read_gb_s", no_measure)
    return tmp_path / "cache" / "local_cpu.json"


def run(*args: str) -> str:
    result = CliRunner().invoke(hardware_group, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_shows_every_accelerator_without_measuring() -> None:
    out = run("list")
    for key in load_catalog():
        assert key in out
    for figure in ("989.5", "1,979", "10,066", "1.275", "3.00"):
        assert figure in out
    assert "local CPU" not in out
    assert "indicative 2025–2026 public price" in out


def test_list_adds_cached_local_cpu() -> None:
    lc.local_cpu(measure=lambda threads: 25.0)
    out = run("list")
    assert "local CPU" in out
    assert "0.025" in out  # 25 GB/s shown as TB/s
    assert "measured" in out


def test_show_prints_fields_and_sources() -> None:
    out = run("show", "h100-sxm5-80gb")
    assert "H100: H100 SXM5 80GB" in out
    assert "dense_fp8_tflops" in out
    assert "1979" in out
    assert "datasheet" in out
    assert "rental_usd_per_hour.reserved_1y" in out


def test_show_json_is_the_model() -> None:
    data = json.loads(run("show", "MI300X", "--json"))
    assert data == load_catalog()["MI300X"].model_dump(mode="json")
    assert data["sources"]["dense_bf16_tflops"].startswith("AMD Instinct MI300X")


def test_show_unknown_raises_config_error() -> None:
    result = CliRunner().invoke(hardware_group, ["show", "H900"])
    assert isinstance(result.exception, ConfigError)
    assert str(result.exception).startswith("unknown hardware 'H900'; known: A100, H100")


def test_user_catalog_option(tmp_path: Path) -> None:
    path = tmp_path / "hw.toml"
    path.write_text('[X1]\nvendor = "Acme"\nname = "X1"\nfamily = "f"\n'
                    "dense_bf16_tflops = 123.0\nmemory_gb = 1.0\nmemory_tb_s = 1.0\n"
                    "tdp_w = 1.0\n", encoding="utf-8")
    out = run("list", "--catalog", str(path))
    assert "X1" in out and "123.0" in out and "H100" not in out
    assert json.loads(run("show", "x1", "--json", "--catalog", str(path)))["key"] == "X1"


def test_local_measures_once_and_refreshes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake(threads: int) -> float:
        calls.append(threads)
        return 40.0 + len(calls)

    monkeypatch.setattr(lc, "measure_mem_read_gb_s", fake)
    out = run("local")
    assert "41.0" in out and "measured" in out and "assumed" in out
    data = json.loads(run("local", "--json"))
    assert data["mem_read_gb_s"] == 41.0 and data["mem_bw_provenance"] == "measured"
    assert len(calls) == 1
    assert json.loads(run("local", "--refresh", "--json"))["mem_read_gb_s"] == 42.0
    assert len(calls) == 2
