"""How fast ``tokenfab plan`` solves a 100 MW plan over 3 hardware types and 4 tiers.

    .venv/bin/python benchmarks/plan_speed.py [--repeats 5] [--model llama-3.1-70b]

Frontiers: ``tokenfab project`` curves of the model on H100, H200 and B200 (8 GPUs per node,
FP8, 1024/1024 tokens, concurrency 1-256), projected once. Tiers: the gtc2026 preset's $3, $6,
$45 and $150 tiers with demand caps (50,000 / 5,000 / 500 Mtok/day on the upper three), and at
most 20,000 B200s, so that the plan mixes tiers and hardware. Timed: ``plan.assemble.solve_plan`` — the integer program, its LP
relaxation (shadow prices), the +1 MW integer re-solve, six sensitivity re-solves and the world
checks — at accelerator, node and rack granularity; the median of ``--repeats`` runs. The
projections are timed separately (they are the simulator's cost, not the solver's).
"""

from __future__ import annotations

import argparse
import statistics
import time

from tokenfab.plan.assemble import solve_plan
from tokenfab.plan.inputs import preset_tiers
from tokenfab.schemas.plan import HardwareSpec, PlanConfig
from tokenfab.session.plan import resolve

HARDWARE = ("H100", "H200", "B200")
AVAILABLE = {"B200": 20_000}
"""B200s that can be bought (supply-limited): the rest of the budget goes to other hardware."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--model", default="llama-3.1-70b")
    ap.add_argument("--power-mw", type=float, default=100.0)
    args = ap.parse_args()
    caps = {"$3": None, "$6": 50_000.0, "$45": 5_000.0, "$150": 500.0}
    tiers = tuple(t.model_copy(update={"max_mtok_per_day": caps[t.name]})
                  for t in preset_tiers("gtc2026") if t.name in caps)
    specs = tuple(HardwareSpec(name=h, frontier="projection",
                               max_accelerators=AVAILABLE.get(h)) for h in HARDWARE)
    base = PlanConfig(power_mw=args.power_mw, hardware=specs, tiers=tiers, model=args.model)
    t0 = time.perf_counter()
    resolved = resolve(base)
    project_s = time.perf_counter() - t0
    print(f"frontiers: {len(resolved.frontiers)} projected in {project_s:.2f} s "
          f"({sum(len(f.points) for f in resolved.frontiers)} Pareto points)")
    for granularity in ("accelerator", "node", "rack"):
        cfg = base.model_copy(update={"granularity": granularity})
        times, result = [], None
        for _ in range(args.repeats):
            t1 = time.perf_counter()
            result = solve_plan(cfg, resolved)
            times.append(time.perf_counter() - t1)
        assert result is not None and result.totals is not None
        gap = result.integrality_gap or 0.0
        print(f"{granularity:>11}: median {statistics.median(times):.3f} s (max "
              f"{max(times):.3f}) for 9 solves; {result.totals.accelerators:,} accelerators "
              f"({', '.join(f'{h.hardware} {h.accelerators:,}' for h in result.hardware)}), "
              f"margin ${result.totals.margin_usd_per_year:,.0f}/year, gap to LP {gap:.4%}")


if __name__ == "__main__":
    main()
