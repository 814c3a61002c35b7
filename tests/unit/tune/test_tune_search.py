from __future__ import annotations

from tokenfab.tune.search import (
    DEFAULT,
    Trial,
    TrialConfig,
    best_trial,
    closest_trial,
    pareto_set,
    space,
    trial_order,
)


def t(prec: str, usd: float | None, q: float, slo: bool = True, qok: bool = True) -> Trial:
    return Trial(config=TrialConfig(precision=prec), usd_per_mtok_output=usd, output_tok_s=1.0,
                 tpot_ms_p50=10.0, quality=q, meets_slo=slo, meets_quality=qok)


def test_order_is_seeded_default_first_and_complete() -> None:
    sp = space()
    a, b = trial_order(sp, seed=1), trial_order(sp, seed=1)
    assert a == b and a[0] == DEFAULT and len(set(c.key() for c in a)) == len(sp) == 48


def test_best_is_cheapest_feasible() -> None:
    trials = [t("A", 0.30, 0.4), t("B", 0.20, 0.1, qok=False), t("C", 0.25, 0.5),
              t("D", 0.10, 0.6, slo=False)]
    best = best_trial(trials)
    assert best is not None and best.config.precision == "C"


def test_nothing_feasible_gives_the_closest() -> None:
    trials = [t("A", 0.3, 0.1, qok=False), t("B", 0.2, 0.15, qok=False), t("C", 0.1, 0.9,
                                                                             slo=False)]
    assert best_trial(trials) is None
    near = closest_trial(trials)
    assert near is not None and near.config.precision == "B"  # meets the SLO, best quality


def test_pareto_cost_vs_quality() -> None:
    trials = [t("A", 0.30, 0.4), t("B", 0.20, 0.4), t("C", 0.25, 0.5), t("D", 0.40, 0.3)]
    assert [x.config.precision for x in pareto_set(trials)] == ["B", "C"]
