"""Checks against the world: the plan's arithmetic reproduces published figures. Pure.

1. InferenceX fleet planner: accelerators per GW = 1e6 kW ÷ all-in kW, GPU-hours per GW-year
   = that × 8,760 (H100 at the catalog's DGX H100 all-in 1.275 kW).
2. InferenceX $/1M = $/GPU-hour × 10⁶ ÷ (tok/s/GPU × 3,600) on a published InferenceMAX point
   (gpt-oss-120b on H100, vLLM TP2, 1k/1k, concurrency 32: 1,400.35 output tok/s/GPU), priced
   at the catalog's H100 neocloud rate, computed by the plan's own solver (one tier, one GPU).
3. "10,000 H100 for inference ≈ 30 MW" (seed 000) from catalog all-in power × PUE.
4. The seed's chatbot: 10M tokens/day at $0.45 vs $0.32 per 1M = $4.50 vs $3.20 a day,
   $474.50 a year apart.
"""

from __future__ import annotations

from tokenfab.cost.catalog import find_accelerator, rental_usd_per_hour
from tokenfab.plan.economics import (
    S_PER_DAY,
    accelerators_in,
    gpu_hours_per_gw_year,
    mtok_per_day,
    usd_per_mtok_at,
    utility_mw,
)
from tokenfab.plan.outcome import tier_outcomes
from tokenfab.plan.solver import Problem, build, solve_milp
from tokenfab.schemas.plan import (
    Frontier,
    FrontierPoint,
    HardwareEconomics,
    TierSpec,
    WorldCheck,
)

REL_EXACT = 1e-12
IMAX_POINT = "imax-gptoss120b-h100-vllm-tp2-1024-1024-c32"
IMAX_SOURCE = (f"SemiAnalysis InferenceMAX (InferenceX) point {IMAX_POINT} "
               "(roofline/data/points/inferencemax_gptoss_h100.csv)")
IMAX_TOK_S_PER_GPU = 1400.35
IMAX_TOK_S_PER_USER = 90.39
SEED_000 = "seed 000 ('Token Economics: Why Nvidia Is Rewriting the Rules...', May 2026)"
FLEET_GPUS = 10_000


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= REL_EXACT * max(abs(a), abs(b), 1.0)


def _check(name: str, source: str, expected: float, computed: float, unit: str,
           text: str) -> WorldCheck:
    return WorldCheck(name=name, source=source, expected=expected, computed=computed, unit=unit,
                      exact=_same(expected, computed), text=text)


def solver_usd_per_mtok(usd_per_gpu_hour: float, tok_s_per_gpu: float) -> float:
    """$/1M output tokens of a one-GPU, one-tier plan at full utilization, read off the
    solver's tier outcome (TCO ÷ sold tokens)."""
    econ = HardwareEconomics(hardware="H100", kw_it_per_accelerator=1.0, kw_provenance="assumed",
                             kw_source="check", usd_per_hour_per_accelerator=usd_per_gpu_hour,
                             breakdown_usd_per_hour={"hardware": usd_per_gpu_hour},
                             price_source="check", accelerators_per_node=1,
                             accelerators_per_rack=1, max_accelerators=1)
    tier = TierSpec(name="check", usd_per_mtok_output=1e6, utilization=1.0)
    front = Frontier(hardware="H100", kind="published", source=IMAX_SOURCE,
                     provenance="measured", points=(FrontierPoint(
                         tok_s_per_user=IMAX_TOK_S_PER_USER, output_tok_s_per_gpu=tok_s_per_gpu),))
    problem = Problem(power_mw=1.0, power_basis="critical_it", pue=1.0,
                      granularity="accelerator", tiers=(tier,), economics=(econ,),
                      frontiers=(front,))
    model = build(problem)
    outcome = tier_outcomes(problem, model, solve_milp(model))[0]
    assert outcome.cost_usd_per_mtok_output is not None
    return outcome.cost_usd_per_mtok_output


def world_checks(pue: float = 1.2) -> list[WorldCheck]:
    h100 = find_accelerator("H100")
    kw = h100.all_in_kw_per_accelerator or h100.tdp_w / 1000.0
    rent = rental_usd_per_hour(h100, "neocloud_on_demand")
    out = [
        _check("InferenceX: H100 per GW", "InferenceX fleet planner: GPUs = 1e6 kW / all-in kW",
               1e6 / kw, accelerators_in(1000.0, kw), "accelerators",
               f"1 GW of critical IT ÷ {kw:g} kW all-in per H100 (catalog, DGX H100 / 8)"),
        _check("InferenceX: H100 GPU-hours per GW-year",
               "InferenceX fleet planner: 1e6 kW / all-in kW × 8,760", 1e6 / kw * 8760.0,
               gpu_hours_per_gw_year(kw), "GPU-hours", f"at {kw:g} kW all-in per H100"),
    ]
    direct = rent * 1e6 / (IMAX_TOK_S_PER_GPU * 3600.0)
    out.append(_check("InferenceX: $/1M on a published point", IMAX_SOURCE, direct,
                      usd_per_mtok_at(rent, IMAX_TOK_S_PER_GPU), "USD per 1M output tokens",
                      f"${rent:g}/GPU-hour × 1e6 ÷ ({IMAX_TOK_S_PER_GPU:g} tok/s/GPU × 3,600)"
                      " by the pricing door"))
    out.append(_check("InferenceX: $/1M from the plan solver", IMAX_SOURCE, direct,
                      solver_usd_per_mtok(rent, IMAX_TOK_S_PER_GPU), "USD per 1M output tokens",
                      "the same point as a one-GPU plan: TCO/year ÷ tokens/year"))
    fleet_mw = utility_mw(FLEET_GPUS * kw, pue)
    per_gpu_kw = 30.0 * 1000.0 / FLEET_GPUS
    out.append(WorldCheck(
        name="10,000 H100 ≈ 30 MW", source=SEED_000, expected=30.0, computed=fleet_mw,
        unit="MW", exact=False,
        text=(f"10,000 × {kw:g} kW all-in (catalog) × PUE {pue:g} = {fleet_mw:,.2f} MW; the "
              f"seed's 30 MW implies {per_gpu_kw:.1f} kW of facility power per GPU "
              f"({30.0 / fleet_mw:.2f}x the catalog at this PUE)")))
    tok_s = 10_000_000 / S_PER_DAY
    day_45 = mtok_per_day(tok_s, 1.0) * 0.45
    day_32 = mtok_per_day(tok_s, 1.0) * 0.32
    out.append(_check("chatbot at $0.45 per 1M", SEED_000, 4.50, day_45, "USD/day",
                      "10M tokens/day × $0.45 per 1M"))
    out.append(_check("chatbot at $0.32 per 1M", SEED_000, 3.20, day_32, "USD/day",
                      "10M tokens/day × $0.32 per 1M"))
    out.append(_check("chatbot saving per year", SEED_000 + ": 'nearly $500 per year'", 474.50,
                      (day_45 - day_32) * 365, "USD/year", "($4.50 − $3.20) × 365"))
    return out


__all__ = ["IMAX_TOK_S_PER_GPU", "solver_usd_per_mtok", "world_checks"]
