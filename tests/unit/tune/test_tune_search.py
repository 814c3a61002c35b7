from __future__ import annotations

import pytest

from tokenfab.tune.search import (
    Space,
    Trial,
    TrialConfig,
    best_trial,
    closest_trial,
    next_config,
    pareto_set,
)


def t(prec: str, usd: float | None, q: float, slo: bool = True, qok: bool = True) -> Trial:
    return Trial(config=TrialConfig(precision=prec), usd_per_mtok_output=usd, output_tok_s=1.0,
                 tpot_ms_p50=10.0, quality=q, meets_slo=slo, meets_quality=qok)


def _run(sp: Space, cost: dict[str, float], budget: int, seed: int = 0,
         feasible: bool = True) -> list[Trial]:
    """Drive the search with a fake objective: $/1M = Σ per-axis-value costs."""
    done: list[Trial] = []
    while len(done) < budget:
        cfg = next_config(sp, done, seed)
        if cfg is None:
            break
        usd = sum(cost.get(f"{k}={v}", 0.0) for k, v in cfg.model_dump().items()) + 1.0
        done.append(Trial(config=cfg, usd_per_mtok_output=usd, output_tok_s=1.0,
                          tpot_ms_p50=1.0, quality=0.5, meets_slo=feasible,
                          meets_quality=feasible))
    return done


def test_space_default_is_the_first_value_of_each_axis() -> None:
    sp = Space()
    assert sp.default() == TrialConfig()
    assert sp.default().key() == "smollm2-135m/shipped/np8/t2/c512/plain"
    assert len(sp.configs()) == 1 * 3 * 4 * 2 * 2 * 3
    assert len({c.key() for c in sp.configs()}) == len(sp.configs())


def test_neighbours_change_exactly_one_axis() -> None:
    sp = Space()
    nb = sp.neighbours(sp.default())
    assert len(nb) == (3 - 1) + (4 - 1) + (2 - 1) + (2 - 1) + (3 - 1)
    base = sp.default().model_dump()
    for c in nb:
        assert sum(base[k] != v for k, v in c.model_dump().items()) == 1


def test_search_starts_at_the_default_and_is_deterministic() -> None:
    sp = Space()
    a = _run(sp, {}, 6, seed=3)
    b = _run(sp, {}, 6, seed=3)
    assert a[0].config == sp.default()
    assert [t.config.key() for t in a] == [t.config.key() for t in b]
    assert len({t.config.key() for t in a}) == 6


def test_search_moves_to_a_cheaper_neighbour_and_explores_around_it() -> None:
    sp = Space(slots=(8, 1), threads=(2,), ctx_per_slot=(512,), lookup_n_max=(0,),
               precisions=("shipped", "Q4_0"))
    # Q4_0 is much cheaper; once found, the next trial must be a neighbour of the Q4_0 config
    done = _run(sp, {"precision=Q4_0": -0.5}, 4)
    keys = [t.config.key() for t in done]
    assert len(keys) == 4 == len(sp.configs())  # small space: exhausted, each tried once
    q4 = keys.index("smollm2-135m/Q4_0/np8/t2/c512/plain")
    if q4 < 3:
        assert done[q4 + 1].config.precision == "Q4_0"  # neighbour of the new incumbent
    assert next_config(sp, done) is None


def test_resumed_search_continues_where_it_stopped() -> None:
    sp = Space()
    full = _run(sp, {"parallel_slots=1": 0.3}, 7, seed=5)
    partial = full[:4]
    cont = next_config(sp, partial, seed=5)
    assert cont == full[4].config


@pytest.mark.parametrize("feasible", [True, False])
def test_without_feasible_trials_the_search_still_explores(feasible: bool) -> None:
    done = _run(Space(), {}, 5, feasible=feasible)
    assert len({t.config.key() for t in done}) == 5


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


def test_first_trials_change_every_axis_once() -> None:
    """Nothing feasible (the default stays the incumbent): trials 2..7 each vary a different
    axis of the default, so the model axis is reached within the first 7 trials."""
    sp = Space(models=("smollm2-135m", "gemma3-270m"))
    done = _run(sp, {}, 7, seed=11, feasible=False)
    base = sp.default().model_dump()
    axes = []
    for t in done[1:]:
        diff = [k for k, v in t.config.model_dump().items() if base[k] != v]
        assert len(diff) == 1
        axes.append(diff[0])
    assert sorted(axes) == sorted(sp.axes())
