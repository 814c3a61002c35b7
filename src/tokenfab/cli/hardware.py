"""``tokenfab hardware list|show|local``: the accelerator catalog and the local CPU."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from tokenfab.cost.catalog import (
    NUMERIC_FIELDS,
    PRICE_NOTE,
    RENTAL,
    Accelerator,
    default_rental_tier,
    find_accelerator,
    load_catalog,
)
from tokenfab.cost.cpu_power import assumed_cpu_power_w
from tokenfab.host.cpu import BYTES_PER_GB, BYTES_PER_GIB, LocalCpu, cached_local_cpu, local_cpu
from tokenfab.report.console import make_console
from tokenfab.report.fmt import num

_catalog_opt = click.option(
    "--catalog", "catalog_path", default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="a hardware TOML with the bundled schema, used instead of the bundled catalog")


def _num(v: float | None, digits: int = 1) -> str:
    return num(v, digits)


def _kw(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


@click.group("hardware")
def hardware_group() -> None:
    """Accelerator catalog (vendor spec sheets, indicative prices) and the local CPU."""


def _cpu_row(cpu: LocalCpu) -> list[str]:
    _, busy_w = assumed_cpu_power_w(cpu)
    mem_gb = cpu.memory_gib * BYTES_PER_GIB / BYTES_PER_GB
    return [f"local CPU ({cpu.logical_cores} cores)", cpu.model, "-", "-", "-",
            _num(mem_gb), f"{cpu.mem_read_gb_s / 1000:.3f}", _num(busy_w, 0),
            _kw(busy_w / 1000), "-"]


@hardware_group.command("list")
@_catalog_opt
def list_cmd(catalog_path: Path | None) -> None:
    """Every catalogued accelerator, plus the local CPU once `hardware local` has measured it."""
    catalog = load_catalog(catalog_path)
    table = Table(header_style="bold cyan", caption_justify="left")
    for col, just in (("name", "left"), ("vendor", "left"), ("BF16 TFLOP/s", "right"),
                      ("FP8 TFLOP/s", "right"), ("FP4 TFLOP/s", "right"),
                      ("memory GB", "right"), ("TB/s", "right"), ("TDP W", "right"),
                      ("kW all-in", "right"), ("rental $/h", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for acc in catalog.values():
        tier = default_rental_tier(acc)
        rent = f"{acc.rental_usd_per_hour[tier]:.2f}" if tier else "-"
        table.add_row(acc.key, acc.vendor, _num(acc.dense_bf16_tflops),
                      _num(acc.dense_fp8_tflops), _num(acc.dense_fp4_tflops),
                      _num(acc.memory_gb, 0), f"{acc.memory_tb_s:.3g}", _num(acc.tdp_w, 0),
                      _kw(acc.all_in_kw_per_accelerator), rent)
    cpu = cached_local_cpu()
    if cpu is not None:
        table.add_row(*_cpu_row(cpu), style="dim")
    table.caption = (
        "dense peaks, memory, power: assumed (vendor spec sheets; see `hardware show NAME`). "
        f"rental = cheapest on-demand tier, {PRICE_NOTE}."
        + ("\nlocal CPU: TB/s measured; W and kW assumed (Cloud Carbon Footprint coefficients)."
           if cpu is not None else "")
    )
    make_console().print(table)


def _show_rows(acc: Accelerator) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = [
        ("vendor", acc.vendor, ""), ("name", acc.name, ""),
        ("aliases", ", ".join(acc.aliases), ""), ("family", acc.family, ""),
    ]
    for field in NUMERIC_FIELDS:
        value: float | None = getattr(acc, field)
        rows.append((field, "-" if value is None else f"{value:g}", acc.sources.get(field, "")))
    tiers = dict.fromkeys([*acc.rental_usd_per_hour,
                           *(k.partition(".")[2] for k in acc.sources if k.startswith(RENTAL))])
    for tier in tiers:
        price = acc.rental_usd_per_hour.get(tier)
        rows.append((f"{RENTAL}.{tier}", "-" if price is None else f"{price:g}",
                     acc.sources.get(f"{RENTAL}.{tier}", "")))
    return rows


@hardware_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="print the catalog entry as JSON")
@_catalog_opt
def show_cmd(name: str, as_json: bool, catalog_path: Path | None) -> None:
    """One accelerator: every field with its source (key, name or alias, any case)."""
    acc = find_accelerator(name, load_catalog(catalog_path))
    if as_json:
        click.echo(acc.model_dump_json(indent=2))
        return
    table = Table(title=f"{acc.key}: {acc.name}", title_style="bold", header_style="bold cyan",
                  caption=f"every figure: {acc.provenance} (catalog input); prices are "
                          f"{PRICE_NOTE}", caption_justify="left")
    table.add_column("field")
    table.add_column("value", justify="right")
    table.add_column("source", overflow="fold")
    for row in _show_rows(acc):
        table.add_row(*row)
    make_console().print(table)


@hardware_group.command("local")
@click.option("--refresh", is_flag=True, help="re-measure memory bandwidth, ignoring the cache")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def local_cmd(refresh: bool, as_json: bool) -> None:
    """This machine's CPU; measures memory read bandwidth once (a few seconds) and caches it."""
    cpu = local_cpu(refresh=refresh)
    if as_json:
        click.echo(cpu.model_dump_json(indent=2))
        return
    idle_w, busy_w = assumed_cpu_power_w(cpu)
    table = Table(title="local CPU", title_style="bold", header_style="bold cyan")
    table.add_column("field")
    table.add_column("value", justify="right")
    table.add_column("source")
    for field, value, prov in (
        ("model", cpu.model, "reported by the OS (/proc/cpuinfo)"),
        ("logical_cores", str(cpu.logical_cores), "reported by the OS"),
        ("memory_gib", f"{cpu.memory_gib:.2f}", "reported by the OS (/proc/meminfo)"),
        ("mem_read_gb_s", f"{cpu.mem_read_gb_s:.1f}",
         f"{cpu.mem_bw_provenance} (threaded numpy sum, best of 5)"),
        ("idle_w", f"{idle_w:.1f}", "assumed (Cloud Carbon Footprint coefficients)"),
        ("busy_w", f"{busy_w:.1f}", "assumed (Cloud Carbon Footprint coefficients)"),
        ("cache_path", cpu.cache_path, ""),
    ):
        table.add_row(field, value, prov)
    make_console().print(table)
