"""``tokenfab claims`` as one library call: :func:`claims` (ClaimsConfig -> ClaimsResult).

Re-derives the seed articles' headline figures with ``tokenfab.session.project.project`` (the
same projection ``tokenfab project`` prints, band included) and prices them through ``cost/``,
then judges each claimed figure by :func:`judge` (rule: ``schemas.claims.VERDICT_RULE``). Every
modelled value is ``modelled``; every input not in the catalog is listed in the claim's
assumptions. Lengths are :data:`ISL`/:data:`OSL` tokens (a chat turn, assumed): the seeds state
none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tokenfab.cost.catalog import Accelerator, find_accelerator, load_catalog
from tokenfab.cost.price import price_modelled
from tokenfab.cost.tco import hourly_cost
from tokenfab.errors import ConfigError
from tokenfab.roofline.project import all_in_kw
from tokenfab.schemas.claims import (
    HOLDS_FACTOR,
    VERDICT_ORDER,
    Claim,
    ClaimsConfig,
    ClaimsResult,
    ClaimValue,
    Verdict,
)
from tokenfab.schemas.config import LengthSpec
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.projection import ProjectConfig
from tokenfab.schemas.types import Precision
from tokenfab.session.project import project

ProgressFn = Callable[[str], None]
ISL = LengthSpec(mean=512)
OSL = LengthSpec(mean=256)
SEED_TOKENOMICS = "seed 000/001: 'Token Economics: Why Nvidia Is Rewriting the Rules' (AINews)"
SEED_PER_TOKEN = "seed 003: NVIDIA's cost-per-token blog as summarised (Blackwell vs Hopper)"
LENGTHS = f"{ISL.mean:.0f} prompt + {OSL.mean:.0f} output tokens per request (assumed)"
Band = tuple[float, float]


def judge(claimed: float, band: Band) -> tuple[Verdict, float]:
    """(verdict, factor): factor = max(claimed/edge, edge/claimed) to the band's nearer edge
    (1 inside the band); consistent inside, holds only if factor ≤ HOLDS_FACTOR, else
    inconsistent."""
    lo, hi = min(band), max(band)
    if lo <= claimed <= hi:
        return "consistent", 1.0
    edge = lo if claimed < lo else hi
    factor = max(claimed / edge, edge / claimed) if claimed > 0 and edge > 0 else float("inf")
    return ("holds only if" if factor <= HOLDS_FACTOR else "inconsistent"), factor


def ratio_band(num: Band, den: Band) -> Band:
    """The widest ratio of two bands' edges: (num_lo / den_hi, num_hi / den_lo)."""
    return (min(num) / max(den), max(num) / min(den))


@dataclass(frozen=True)
class Modelled:
    """One projected point of one hardware, priced."""

    acc: Accelerator
    gpus: int
    tpot_ms: float
    tpot_band: Band
    tok_s_per_gpu: float
    tok_s_band: Band
    tokens_per_s_per_mw: float
    band_kind: str
    usd: float | None
    usd_band: Band | None
    price_basis: str

    @property
    def per_user_tok_s(self) -> float:
        return 1000.0 / self.tpot_ms

    @property
    def per_user_band(self) -> Band:
        return (1000.0 / max(self.tpot_band), 1000.0 / min(self.tpot_band))


def _price(cfg: ClaimsConfig, acc: Accelerator, gpus: int, tok_s: float, tok_s_band: Band,
           kind: str) -> tuple[float | None, Band | None, str]:
    """$/1M output tokens of a catalog part without a rental price: owned at its list price
    (amortised, plus energy) or, on a device, its energy alone; (None, None, why) otherwise."""
    if acc.list_capex_usd is not None:
        profile = TcoProfile(name=f"{acc.key} owned", accelerators=gpus,
                             capex_usd=acc.list_capex_usd, power_w=all_in_kw(acc) * 1000,
                             pue=cfg.pue, usd_per_kwh=cfg.usd_per_kwh)
        basis = (f"owned at the catalog list price ${acc.list_capex_usd:,.0f} per unit, "
                 f"4 y at 8%, plus energy at ${cfg.usd_per_kwh}/kWh, PUE {cfg.pue} (assumed)")
    elif acc.architecture == "on_device":
        profile = TcoProfile(name=f"{acc.key} energy", rental_usd_per_hour=0.0,
                             power_w=acc.tdp_w, pue=1.0, usd_per_kwh=cfg.usd_per_kwh)
        basis = (f"device energy only: {acc.tdp_w:g} W at ${cfg.usd_per_kwh}/kWh (assumed); "
                 "the device itself is bought for other reasons")
    else:
        return None, None, "the catalog has no price for it"
    cost = price_modelled(hourly_cost(profile), output_tok_s=tok_s * gpus,
                          total_tok_s=tok_s * gpus,
                          output_tok_s_range=(tok_s_band[0] * gpus, tok_s_band[1] * gpus),
                          band_kind=kind)
    band = cost.band.get("usd_per_mtok_output_all_in")
    return cost.usd_per_mtok_output_all_in, (band[0], band[1]) if band else None, basis


def model_point(cfg: ClaimsConfig, model: str, hardware: str, precision: Precision, *,
                concurrency: int, gpus: int = 1, tp: int | None = None) -> Modelled:
    """Project one point through ``session.project.project`` and price it (catalog rental at
    ``cfg.tier`` where the part has it, else :func:`_price`)."""
    acc = find_accelerator(hardware)
    tier = cfg.tier if cfg.tier in acc.rental_usd_per_hour else None
    result = project(ProjectConfig(model=model, hardware=(hardware,), precision=precision,
                                   gpus=gpus, tp=tp, isl=ISL, osl=OSL,
                                   concurrency=(concurrency,), tier=tier))
    point = result.points[0]
    stats = point.latency_ms.get("tpot")
    if stats is None:
        raise ConfigError(f"{hardware}: the projection of {model} produced no TPOT")
    tpot = stats.p50
    band = point.band.tpot_p50_ms
    tok_s = point.throughput.output_tok_s_per_gpu
    tok_band = point.throughput.output_tok_s_per_gpu_range or (tok_s, tok_s)
    kind = point.band.kind
    if point.cost is not None and point.cost.usd_per_mtok_output_all_in is not None:
        usd = point.cost.usd_per_mtok_output_all_in
        edges = point.cost.band.get("usd_per_mtok_output_all_in") or [usd, usd]
        rent = point.cost.usd_per_hour / point.gpus
        price: tuple[float | None, Band | None, str] = (
            usd, (edges[0], edges[1]), f"catalog rental ${rent:.2f} per GPU-hour, energy "
                                       "included (assumed)")
    else:
        price = _price(cfg, acc, point.gpus, tok_s, (tok_band[0], tok_band[1]), kind)
    return Modelled(acc, point.gpus, tpot, (band[0], band[1]), tok_s,
                    (tok_band[0], tok_band[1]), point.tokens_per_s_per_mw, kind, *price)


def value(label: str, unit: str, claimed: float, modelled: float | None, band: Band | None,
          kind: str, holds: Callable[[float], str]) -> ClaimValue:
    """A ClaimValue judged by :func:`judge`; ``holds(factor)`` words the condition."""
    if modelled is None or band is None:
        return ClaimValue(label=label, unit=unit, claimed=claimed, modelled=None, band=None,
                          band_kind=kind, verdict="holds only if", condition=holds(0.0))
    verdict, factor = judge(claimed, band)
    cond = holds(factor) if verdict != "consistent" else ""
    return ClaimValue(label=label, unit=unit, claimed=claimed, modelled=modelled,
                      band=(min(band), max(band)), band_kind=kind, verdict=verdict,
                      condition=cond)


def price_value(hw: str, m: Modelled, claimed: float, streams: int) -> ClaimValue:
    """$/1M output tokens; without a price, the hourly price at which the claim holds."""
    breakeven = claimed * m.tok_s_per_gpu * 3600 / 1e6

    def holds(factor: float) -> str:
        if m.usd is None:
            return (f"{hw} costs ${breakeven:.2f} per chip-hour all-in ({m.price_basis}); at "
                    f"{m.tok_s_per_gpu:,.1f} modelled output tok/s per chip")
        way = ("cheaper per hour or faster" if m.usd is not None and claimed < m.usd
               else "dearer per hour or slower")
        return (f"{hw} is {factor:.1f}x {way} than modelled: ${breakeven:.2f} per "
                f"chip-hour at the modelled {m.tok_s_per_gpu:,.1f} tok/s ({m.price_basis})")

    return value(f"{hw} $/1M output tokens ({streams} streams)", "usd_per_mtok_output",
                 claimed, m.usd, m.usd_band, m.band_kind, holds)


def latency_value(hw: str, m: Modelled, claimed: float) -> ClaimValue:
    """p50 ms per output token of one stream."""
    return value(f"{hw} p50 TPOT, 1 stream", "tpot_p50_ms", claimed, m.tpot_ms, m.tpot_band,
                 m.band_kind, lambda f: f"{hw} decodes one stream {f:.1f}x "
                 f"{'faster' if claimed < m.tpot_ms else 'slower'} than modelled")


def rate_value(label: str, m: Modelled, claimed: float) -> ClaimValue:
    """Output tok/s of one stream (1000 / p50 TPOT)."""
    return value(label, "output_tok_s_per_stream", claimed, m.per_user_tok_s, m.per_user_band,
                 m.band_kind, lambda f: f"the serving stack runs {f:.1f}x "
                 f"{'faster' if claimed > m.per_user_tok_s else 'slower'} than modelled")


def finish(cid: str, source: str, text: str, assumptions: list[str],
           values: list[ClaimValue]) -> Claim:
    worst = max((v.verdict for v in values), key=lambda v: VERDICT_ORDER[v])
    summary = "; ".join(f"{v.label}: {v.verdict}" for v in values)
    return Claim(id=cid, source=source, claim=text, assumptions=assumptions, values=values,
                 verdict=worst, summary=summary)


GROQ_CHIPS = 576  # eight 72-chip GroqRacks: the deployment size reported for 70B models
PLATFORM_TABLE: tuple[tuple[str, float, float], ...] = (
    ("H100", 0.45, 8.2), ("B200", 0.32, 6.1), ("MI300X", 0.52, 9.5), ("Groq", 0.38, 0.8),
    ("CS3", 0.36, 5.0))


def platform_table(cfg: ClaimsConfig) -> Claim:
    c = cfg.concurrency
    values: list[ClaimValue] = []
    for hw, usd, ms in PLATFORM_TABLE:
        units = GROQ_CHIPS if hw == "Groq" else 1
        values.append(latency_value(hw, model_point(cfg, "llama-2-70b", hw, "int4",
                                                    concurrency=1, gpus=units), ms))
        values.append(price_value(hw, model_point(cfg, "llama-2-70b", hw, "int4",
                                                  concurrency=c, gpus=units), usd, c))
    return finish(
        "platform-table", SEED_TOKENOMICS,
        "Llama-2 70B INT4 costs $0.45 (H100), $0.32 (B200), $0.52 (MI300X), $0.38 (Groq), "
        "$0.36 (Cerebras CS-3) per 1M tokens at p50 8.2 / 6.1 / 9.5 / 0.8 / 5.0 ms per token",
        ["INT4 weights (AWQ-style, 16-bit compute where the part lacks INT4 math), FP8 KV",
         f"latency at 1 stream; price at {c} concurrent streams per system (batch serving)",
         LENGTHS, "GPUs: one; Groq: one pipeline of 576 chips (8 GroqRacks, the size "
         "reported for 70B models: weights in SRAM, the rest KV room); CS-3: one wafer, "
         "weights streamed from MemoryX if they do not fit",
         "prices: catalog rental (cheapest on-demand tier) or list price amortised; parts "
         "without a price get the hourly price at which the claim would hold"],
        values)


def quantization_table(cfg: ClaimsConfig) -> Claim:
    rows: tuple[tuple[str, Precision, float], ...] = (
        ("FP16", "fp16", 12.0), ("INT8 (GPTQ)", "int8", 22.0), ("INT4 (AWQ)", "int4", 38.0))
    values = [rate_value(f"Llama-2 70B {name} on A100, tok/s", model_point(
        cfg, "llama-2-70b", "A100", prec, concurrency=1, gpus=2), tps)
        for name, prec, tps in rows]
    return finish(
        "quantization-table", SEED_TOKENOMICS,
        "Llama-2 70B on A100 decodes at 12 (FP16), 22 (INT8), 38 (INT4) tokens/s",
        ["one stream (batch 1): tok/s = 1000 / p50 TPOT",
         "two A100 80GB SXM (FP16 70B needs two); the smallest tensor parallelism that fits",
         "INT8/INT4 weight-only (GPTQ/AWQ), 16-bit activations", LENGTHS], values)


def h200_vs_h100(cfg: ClaimsConfig) -> Claim:
    c = cfg.concurrency
    h200 = model_point(cfg, "llama-3.1-70b", "H200", "fp8", concurrency=c, gpus=1)
    h100 = model_point(cfg, "llama-3.1-70b", "H100", "fp8", concurrency=c, gpus=2, tp=2)
    vals: list[ClaimValue] = []
    if h200.usd is not None and h100.usd is not None and h200.usd_band and h100.usd_band:
        lo, hi = ratio_band(h200.usd_band, h100.usd_band)
        saving = 1 - h200.usd / h100.usd
        vals.append(value("H200 token-cost saving vs H100", "fraction", 0.30, saving,
                          (1 - hi, 1 - lo), h200.band_kind,
                          lambda f: "H200 rents for less or H100 for more than the catalog "
                                    "prices, or the load differs from the one assumed"))
    fits = h200.gpus == 1
    vals.append(ClaimValue(label="Llama-3 70B FP8 on one H200", unit="fits", claimed=1.0,
                           modelled=1.0 if fits else 0.0, band=None, band_kind="capacity",
                           verdict="consistent" if fits else "inconsistent",
                           condition="" if fits else "it needs more than one H200"))
    return finish(
        "h200-vs-h100", SEED_TOKENOMICS,
        "H200 (141 GB) serves Llama-3 70B on a single GPU at 30% lower token cost than H100",
        ["Llama-3.1 70B as the Llama-3 70B architecture; FP8 weights and KV (BF16 weights, "
         "141 GB, would fill the H200 with no KV room)",
         f"{c} concurrent streams; H200 on 1 GPU, H100 on 2 at tensor parallelism 2 (on "
         "one H100 the FP8 weights leave ~1.5 GB of KV room)",
         "catalog rental prices (cheapest on-demand tier)", LENGTHS], vals)


def mixtral_vs_llama2(cfg: ClaimsConfig) -> Claim:
    mix = model_point(cfg, "mixtral-8x7b", "A100", "fp16", concurrency=1, gpus=2)
    llama = model_point(cfg, "llama-2-70b", "A100", "fp16", concurrency=1, gpus=2)
    ratio = mix.per_user_tok_s / llama.per_user_tok_s
    vals = [rate_value("Mixtral 8x7B FP16 on A100, tok/s", mix, 40.0),
            rate_value("Llama-2 70B FP16 on A100, tok/s", llama, 12.0),
            value("Mixtral / Llama-2 70B speed", "ratio", 40.0 / 12.0, ratio,
                  ratio_band(mix.per_user_band, llama.per_user_band), mix.band_kind,
                  lambda f: "the two stacks differ beyond their weight bytes")]
    return finish(
        "mixtral-vs-llama2", SEED_TOKENOMICS,
        "On an A100, Mixtral 8x7B achieves 40 tokens/s versus Llama-2 70B's 12",
        ["one stream, FP16 weights, two A100 80GB (both need two at FP16)", LENGTHS], vals)


def blackwell_vs_hopper(cfg: ClaimsConfig) -> Claim:
    c = cfg.concurrency
    hop = model_point(cfg, "deepseek-r1", "H200", "fp8", concurrency=c, gpus=8)
    bw = model_point(cfg, "deepseek-r1", "GB200", "fp4", concurrency=c, gpus=8)
    tpw_hop = (hop.tok_s_band[0] / all_in_kw(hop.acc), hop.tok_s_band[1] / all_in_kw(hop.acc))
    tpw_bw = (bw.tok_s_band[0] / all_in_kw(bw.acc), bw.tok_s_band[1] / all_in_kw(bw.acc))
    vals = [value("tokens per watt, GB200 / H200", "ratio", 50.0,
                  bw.tokens_per_s_per_mw / hop.tokens_per_s_per_mw,
                  ratio_band(tpw_bw, tpw_hop), bw.band_kind,
                  lambda f: "Hopper is compared at an interactivity it cannot reach (a "
                            "collapsed Hopper throughput), not at equal load")]
    if hop.usd is not None and bw.usd is not None and hop.usd_band and bw.usd_band:
        vals.append(value("cost per token, H200 / GB200", "ratio", 35.0, hop.usd / bw.usd,
                          ratio_band(hop.usd_band, bw.usd_band), bw.band_kind,
                          lambda f: "Hopper is compared at an interactivity it cannot reach, "
                                    "or with prices other than the catalog's"))
    return finish(
        "blackwell-vs-hopper", SEED_PER_TOKEN,
        "Blackwell vs Hopper: 50x more tokens per watt and 35x lower cost per token",
        ["DeepSeek-R1 (a large MoE, the kind NVIDIA's comparison uses): 8x H200 FP8 vs 8x "
         "GB200 NVL72 GPUs FP4 (weights and compute)",
         f"the same {c} concurrent streams on each; tokens per watt over all-in power",
         "catalog rental prices (cheapest on-demand tier)", LENGTHS], vals)


FLEET_GPUS = 10_000
WORST_PUE = 1.5


def h100_fleet_power(cfg: ClaimsConfig) -> Claim:
    acc = find_accelerator("H100")
    boards_mw = FLEET_GPUS * acc.tdp_w / 1e6
    modelled_mw = FLEET_GPUS * all_in_kw(acc) * cfg.pue / 1000
    high_mw = FLEET_GPUS * all_in_kw(acc) * WORST_PUE / 1000
    per_gpu_kw = 30.0 * 1000 / FLEET_GPUS
    val = value("10,000 H100 facility power", "MW", 30.0, modelled_mw, (boards_mw, high_mw),
                f"GPU boards only ({acc.tdp_w:g} W) to all-in at PUE {WORST_PUE} (assumed)",
                lambda f: f"each GPU's share of the facility is {per_gpu_kw:.1f} kW "
                          f"({per_gpu_kw / all_in_kw(acc):.1f}x the DGX H100 all-in "
                          f"{all_in_kw(acc):.3f} kW per GPU)")
    return finish(
        "h100-fleet-power", SEED_TOKENOMICS,
        "A data center running 10,000 H100 GPUs for inference consumes ~30 MW",
        [f"power = GPUs x all-in kW per GPU (DGX H100 system power / 8 = {all_in_kw(acc):.3f}"
         f" kW, catalog) x PUE {cfg.pue} (assumed); band from the GPU boards alone to PUE "
         f"{WORST_PUE}", "every GPU busy (the worst case for power)"], [val])


ON_DEVICE_SHARE = 0.10  # "essentially zero": below this share of the cloud price (assumed)


def on_device_cost(cfg: ClaimsConfig) -> Claim:
    phone = model_point(cfg, "llama-3.1-8b", "A17Pro", "int4", concurrency=1)
    cloud = model_point(cfg, "llama-3.1-8b", "H100", "int4", concurrency=cfg.concurrency)
    vals: list[ClaimValue] = []
    if phone.usd is not None and phone.usd_band and cloud.usd is not None and cloud.usd_band:
        share = phone.usd / cloud.usd
        lo, hi = ratio_band(phone.usd_band, cloud.usd_band)
        ok = hi <= ON_DEVICE_SHARE
        vals.append(ClaimValue(
            label="on-device energy $ / cloud H100 $ per 1M tokens", unit="fraction",
            claimed=0.0, modelled=share, band=(lo, hi), band_kind=phone.band_kind,
            verdict="consistent" if ok else "holds only if",
            condition="" if ok else (
                f"'essentially zero' ignores device energy worth {share:.0%} of the cloud "
                f"price (${phone.usd:.3f} vs ${cloud.usd:.3f} per 1M tokens)")))
    vals.append(ClaimValue(
        label=f"a 7B-class model fits on the phone (Llama-3.1 8B INT4, "
              f"{phone.per_user_tok_s:.0f} tok/s modelled)", unit="fits", claimed=1.0,
        modelled=1.0, band=None, band_kind="capacity", verdict="consistent"))
    return finish(
        "on-device-cost", SEED_TOKENOMICS,
        "Token cost on-device is essentially zero (no cloud fees); phones run 7B-class models",
        [f"Llama-3.1 8B INT4 on an A17 Pro phone (51.2 GB/s LPDDR5, {phone.acc.tdp_w:g} W "
         "assumed), one stream; marginal cost = device energy at "
         f"${cfg.usd_per_kwh}/kWh", f"cloud: the same model on one H100 at {cfg.concurrency} "
         "streams, catalog rental", f"'essentially zero' = below {ON_DEVICE_SHARE:.0%} of the "
         "cloud price (assumed threshold)", LENGTHS], vals)


CLAIMS: dict[str, Callable[[ClaimsConfig], Claim]] = {
    "on-device-cost": on_device_cost,
    "platform-table": platform_table, "quantization-table": quantization_table,
    "h200-vs-h100": h200_vs_h100, "mixtral-vs-llama2": mixtral_vs_llama2,
    "blackwell-vs-hopper": blackwell_vs_hopper, "h100-fleet-power": h100_fleet_power,
}


def claims(cfg: ClaimsConfig, *, progress: ProgressFn | None = None) -> ClaimsResult:
    """Re-derive and judge every selected claim; ``progress`` is told each claim's id."""
    if cfg.tier is not None:
        tiers = sorted({t for a in load_catalog().values() for t in a.rental_usd_per_hour})
        if cfg.tier not in tiers:
            raise ConfigError(f"--tier {cfg.tier!r} is not a catalog rental tier; use one of: "
                              f"{', '.join(tiers)}")
    out: list[Claim] = []
    for cid in cfg.selected():
        if progress is not None:
            progress(f"checking {cid}")
        out.append(CLAIMS[cid](cfg))
    return ClaimsResult(config=cfg, claims=out)


__all__ = ["ISL", "OSL", "claims", "judge", "model_point", "ratio_band"]
