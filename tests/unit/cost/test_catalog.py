from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tokenfab.cost.catalog import (
    NUMERIC_FIELDS,
    PRICE_NOTE,
    RENTAL,
    Accelerator,
    default_rental_tier,
    find_accelerator,
    load_catalog,
    missing_sources,
    peak_tflops,
    rental_usd_per_hour,
)
from tokenfab.errors import ConfigError
from tokenfab.schemas.types import Precision

CATALOG = load_catalog()
KEYS = ["A100", "H100", "H200", "B200", "GB200", "MI300X", "MI325X", "MI355X", "L40S",
        "B300", "GB300", "Rubin", "Groq", "CS3", "A17Pro", "SD8G3"]

MINIMAL = """
[X1]
vendor = "Acme"
name = "X1 Accelerator"
aliases = ["x1"]
family = "acme-one"
dense_bf16_tflops = 100.0
memory_gb = 64.0
memory_tb_s = 2.0
tdp_w = 500.0
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hw.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_catalog_has_every_accelerator() -> None:
    assert list(CATALOG) == KEYS
    assert all(acc.provenance == "assumed" for acc in CATALOG.values())


@pytest.mark.parametrize(
    ("key", "field", "expected"),
    [
        ("H100", "dense_bf16_tflops", 1979 / 2),  # datasheet 1,979 with sparsity
        ("H100", "dense_fp8_tflops", 3958 / 2),
        ("H100", "memory_gb", 80.0),
        ("H100", "memory_tb_s", 3.35),
        ("H100", "tdp_w", 700.0),
        ("H100", "all_in_kw_per_accelerator", 10.2 / 8),  # DGX H100 ~10.2 kW / 8
        ("H200", "memory_gb", 141.0),
        ("H200", "memory_tb_s", 4.8),
        ("A100", "dense_bf16_tflops", 624 / 2),
        ("A100", "all_in_kw_per_accelerator", 6.5 / 8),  # DGX A100 6.5 kW / 8
        ("B200", "dense_fp4_tflops", 144_000 / 8 / 2),  # HGX B200 144 PF sparse / 8 GPUs
        ("GB200", "dense_fp4_tflops", 1_440_000 / 72 / 2),  # NVL72 1,440 PF sparse / 72
        ("GB200", "dense_bf16_tflops", 360_000 / 72 / 2),
        ("MI300X", "dense_bf16_tflops", 1307.4),
        ("MI300X", "dense_fp8_tflops", 2614.9),
        ("MI300X", "memory_gb", 192.0),
        ("MI300X", "memory_tb_s", 5.3),
        ("MI300X", "tdp_w", 750.0),
        ("MI300X", "interconnect_gb_s", 7 * 128.0),
        ("MI355X", "dense_fp8_tflops", round(256 * 2.4 * 8192 / 1000, 1)),
        ("L40S", "dense_bf16_tflops", 362.05),
        ("L40S", "dense_fp8_tflops", 1466 / 2),
        ("B300", "dense_fp4_tflops", 108_000 / 8),  # HGX B300 108 PF dense FP4 / 8 GPUs
        ("B300", "memory_gb", 288.0),
        ("GB300", "dense_fp4_tflops", 1_080_000 / 72),  # NVL72 1.1 EF dense FP4 / 72
        ("Rubin", "memory_tb_s", 22.0),
        ("Rubin", "interconnect_gb_s", 3600.0),  # NVLink 6 3.6 TB/s per GPU
        ("Groq", "memory_gb", 0.230),  # 230 MB SRAM per chip
        ("Groq", "memory_tb_s", 80.0),
        ("Groq", "dense_int8_tops", 750.0),
        ("Groq", "interconnect_gb_s", 480.0),  # 16 C2C links, 480 GB/s total
        ("CS3", "memory_gb", 44.0),
        ("CS3", "memory_tb_s", 21_000.0),  # 21 PB/s
        ("CS3", "stream_gb_s", 12 * 100 / 8),  # 12 x 100 GbE = 1.2 Tb/s
        ("A17Pro", "memory_tb_s", 6400e6 * 8 / 1e12),  # LPDDR5-6400, 64-bit bus
        ("SD8G3", "memory_tb_s", 9600e6 * 8 / 1e12),  # LPDDR5X-9600 (4800 MHz), 64-bit
    ],
)
def test_hand_checked_spec_values(key: str, field: str, expected: float) -> None:
    assert getattr(CATALOG[key], field) == pytest.approx(expected)


@pytest.mark.parametrize("key", KEYS)
def test_every_number_has_a_source(key: str) -> None:
    assert missing_sources(CATALOG[key]) == []


@pytest.mark.parametrize("key", KEYS)
def test_every_left_out_field_says_why(key: str) -> None:
    acc = CATALOG[key]
    for field in NUMERIC_FIELDS:
        if getattr(acc, field) is None:
            note = acc.sources.get(field, "")
            assert note.startswith(("not supported:", "omitted:")), (key, field)


@pytest.mark.parametrize("key", KEYS)
def test_every_price_source_says_indicative_and_assumed(key: str) -> None:
    acc = CATALOG[key]
    price_keys = [f"{RENTAL}.{t}" for t in acc.rental_usd_per_hour]
    if acc.list_capex_usd is not None:
        price_keys.append("list_capex_usd")
    for k in price_keys:
        assert PRICE_NOTE in acc.sources[k], (key, k)


@pytest.mark.parametrize(
    ("key", "architecture"),
    [("H100", "hbm"), ("Rubin", "hbm"), ("Groq", "sram"), ("CS3", "wafer"),
     ("A17Pro", "on_device"), ("SD8G3", "on_device")],
)
def test_architecture_picks_the_performance_model(key: str, architecture: str) -> None:
    assert CATALOG[key].architecture == architecture


def test_assumed_architecture_figures_say_so() -> None:
    """A figure no vendor publishes (a chip-to-chip latency) is labelled assumed."""
    for key in ("Groq", "CS3"):
        assert CATALOG[key].sources["chip_link_latency_us"].startswith("assumed:")
    assert missing_sources(CATALOG["CS3"].model_copy(
        update={"sources": {**CATALOG["CS3"].sources, "stream_gb_s": ""}})) == ["stream_gb_s"]


def test_missing_sources_reports_unsourced_numbers() -> None:
    acc = CATALOG["H100"].model_copy(update={"sources": {"memory_gb": "x"}})
    missing = missing_sources(acc)
    assert "dense_bf16_tflops" in missing
    assert "memory_gb" not in missing
    assert f"{RENTAL}.reserved_1y" in missing
    assert "dense_fp4_tflops" not in missing  # no number, nothing to source


def test_fp4_only_on_blackwell_and_mi355x() -> None:
    with_fp4 = {k for k, a in CATALOG.items() if a.dense_fp4_tflops is not None}
    assert with_fp4 == {"B200", "GB200", "B300", "GB300", "Rubin", "MI355X"}
    assert CATALOG["A100"].dense_fp8_tflops is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("h100", "H100"), ("H100-SXM5-80GB", "H100"), ("h100-sxm", "H100"),
        ("h200-sxm", "H200"), ("A100-SXM4-80GB", "A100"), ("gb200-nvl72", "GB200"),
        ("Instinct MI300X", "MI300X"), ("mi355x", "MI355X"), (" l40s ", "L40S"),
        ("groq", "Groq"), ("LPU", "Groq"), ("cerebras", "CS3"), ("wse-3", "CS3"),
        ("phone-npu", "A17Pro"), ("snapdragon-8-gen-3", "SD8G3"), ("rubin", "Rubin"),
        ("gb300", "GB300"), ("b300", "B300"),
    ],
)
def test_names_and_aliases_resolve(name: str, key: str) -> None:
    assert find_accelerator(name).key == key


def test_unknown_hardware_lists_known_names() -> None:
    with pytest.raises(ConfigError) as exc:
        find_accelerator("H900")
    assert str(exc.value) == ("unknown hardware 'H900'; known: A100, H100, H200, B200, GB200, "
                              "MI300X, MI325X, MI355X, L40S, B300, GB300, Rubin, Groq, CS3, "
                              "A17Pro, SD8G3")


@pytest.mark.parametrize(
    ("key", "precision", "expected"),
    [
        ("H100", "bf16", 989.5), ("H100", "fp16", 989.5), ("H100", "fp8", 1979.0),
        ("B200", "fp4", 9000.0), ("A100", "int8", 624.0), ("A100", "int4", 1248.0),
        ("MI300X", "int8", 2614.9), ("MI355X", "fp4", 10066.3),
    ],
)
def test_peak_tflops(key: str, precision: Precision, expected: float) -> None:
    assert peak_tflops(CATALOG[key], precision) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("key", "precision", "message"),
    [
        ("H100", "fp4", "H100 has no FP4 support; use bf16 or fp8"),
        ("A100", "fp8", "A100 has no FP8 support; use bf16"),
        ("H100", "int4", "H100 has no INT4 figure in the catalog; use int8"),
        ("MI300X", "fp4", "MI300X has no FP4 support; use bf16 or fp8"),
        ("L40S", "int4", "L40S has no INT4 figure in the catalog; use int8"),
    ],
)
def test_peak_tflops_unsupported(key: str, precision: Precision, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        peak_tflops(CATALOG[key], precision)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("key", "tier", "expected"),
    [
        ("H100", None, 3.00),  # cheapest on-demand, not the cheaper reserved tier
        ("H100", "hyperscaler_on_demand", 4.25),
        ("H100", "reserved_1y", 2.10),
        ("L40S", None, 0.90),
        ("B200", None, 5.25),
    ],
)
def test_rental_usd_per_hour(key: str, tier: str | None, expected: float) -> None:
    assert rental_usd_per_hour(CATALOG[key], tier) == pytest.approx(expected)


def test_default_tier_is_cheapest_on_demand() -> None:
    assert default_rental_tier(CATALOG["H100"]) == "neocloud_on_demand"
    assert default_rental_tier(CATALOG["MI300X"]) is None


def test_unknown_rental_tier_lists_tiers() -> None:
    with pytest.raises(ConfigError) as exc:
        rental_usd_per_hour(CATALOG["H100"], "spot")
    assert str(exc.value) == ("unknown rental tier 'spot' for H100; known: "
                              "hyperscaler_on_demand, neocloud_on_demand, reserved_1y")


def test_no_rental_price_says_what_to_do() -> None:
    with pytest.raises(ConfigError, match="MI300X has no rental price in the catalog"):
        rental_usd_per_hour(CATALOG["MI300X"])


def test_reserved_only_needs_an_explicit_tier(tmp_path: Path) -> None:
    cat = load_catalog(write(tmp_path, MINIMAL + "[X1.rental_usd_per_hour]\nreserved_1y = 1.5\n"))
    with pytest.raises(ConfigError, match="no on-demand rental tier; pick one of: reserved_1y"):
        rental_usd_per_hour(cat["X1"])
    assert rental_usd_per_hour(cat["X1"], "reserved_1y") == 1.5


def test_user_toml_loads(tmp_path: Path) -> None:
    cat = load_catalog(write(tmp_path, MINIMAL))
    assert list(cat) == ["X1"]
    acc = find_accelerator("X1 ACCELERATOR", cat)
    assert acc.dense_bf16_tflops == 100.0
    assert acc.dense_fp8_tflops is None


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("dense_bf16_tflop = 1.0\n",
         "dense_bf16_tflop: Extra inputs are not permitted; check its spelling"),
        ("interconnect_gb_s = true\n", "interconnect_gb_s must be a number, not true"),
        ("[X1.rental_usd_per_hour]\nspot_on_demand = true\n",
         "rental_usd_per_hour.spot_on_demand must be a number, not true"),
        ("[X1.sources]\nmemory_gbs = 'sheet'\n", "sources names unknown field 'memory_gbs'"),
        ("[X1.rental_usd_per_hour]\nneocloud_on_demand = -1.0\n",
         "rental_usd_per_hour.neocloud_on_demand: Input should be greater than 0"),
        ("key = 'Y'\n", "unknown key 'key' in [X1]"),
        ("[X2]\nvendor = 'Acme'\nname = 'X2'\naliases = ['x1']\nfamily = 'f'\n"
         "dense_bf16_tflops = 1.0\nmemory_gb = 1.0\nmemory_tb_s = 1.0\ntdp_w = 1.0\n",
         "name 'x1' of [X2] is already used by [X1]"),
    ],
)
def test_user_toml_errors_name_key_and_file(tmp_path: Path, extra: str, fragment: str) -> None:
    path = write(tmp_path, MINIMAL + extra)
    with pytest.raises(ConfigError) as exc:
        load_catalog(path)
    msg = str(exc.value)
    assert fragment in msg
    assert str(path) in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("version = 1\n" + MINIMAL, "unknown key 'version' in "),
        ("[X1\n", "is not valid TOML"),
        ("", "no accelerators in "),
    ],
)
def test_malformed_user_toml(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[")):
        load_catalog(write(tmp_path, text))


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read hardware catalog"):
        load_catalog(tmp_path / "nope.toml")


def test_entries_are_frozen_and_catalog_copies_are_independent() -> None:
    acc = load_catalog()["H100"]
    with pytest.raises(ValidationError):
        acc.tdp_w = 1.0  # type: ignore[misc]
    mine = load_catalog()
    del mine["H100"]
    assert "H100" in load_catalog()


def test_accelerator_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        Accelerator.model_validate({**CATALOG["H100"].model_dump(), "tdp_watts": 1.0})
