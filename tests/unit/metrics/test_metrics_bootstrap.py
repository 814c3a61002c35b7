from __future__ import annotations

import numpy as np
import pytest

from tokenfab.metrics.bootstrap import Group, bootstrap_ci, interval, resample_sums


def g(out: list[float], window_s: float, e2e: list[float] | None = None) -> Group:
    n = len(out)
    z = np.zeros(n)
    return Group({"out": np.asarray(out, float), "inp": np.full(n, 100.0), "cached": z,
                  "prefill_s": np.full(n, 0.1), "decode_s": np.full(n, 0.3), "good_out": z,
                  "e2e_s": np.asarray(e2e if e2e is not None else [1.0] * n, float)},
                 window_s)


def test_latency_variation_widens_the_interval_even_with_fixed_lengths() -> None:
    grp = g([128.0] * 40, 10.0, e2e=[1.0, 3.0] * 20)
    lo, hi = bootstrap_ci([grp], samples=1000)["output_tok_s"]
    est = 40 * 128 / 10.0
    assert lo < est < hi and hi - lo > 0.05 * est


def test_identical_requests_have_a_degenerate_interval() -> None:
    ci = bootstrap_ci([g([128.0] * 20, 10.0)], samples=200)
    assert ci["output_tok_s"] == pytest.approx([256.0, 256.0])  # 20*128/10


def test_interval_covers_the_point_estimate_and_narrows_with_n() -> None:
    rng = np.random.default_rng(1)
    small = g(list(rng.integers(50, 150, 10).astype(float)), 10.0)
    big = g(list(rng.integers(50, 150, 1000).astype(float)), 1000.0)
    for grp in (small, big):
        est = grp.values["out"].sum() / grp.window_s
        lo, hi = bootstrap_ci([grp], samples=1000)["output_tok_s"]
        assert lo <= est <= hi
    w_small = np.diff(bootstrap_ci([small], samples=1000)["output_tok_s"])[0] / 100
    w_big = np.diff(bootstrap_ci([big], samples=1000)["output_tok_s"])[0] / 100
    assert w_big < w_small


def test_repeats_resample_groups() -> None:
    sums = resample_sums([g([10.0] * 5, 1.0), g([20.0] * 5, 2.0)], samples=500, seed=3)
    # each draw takes 2 groups: windows are 2, 3 or 4 s
    assert set(np.unique(sums["window_s"])) <= {2.0, 3.0, 4.0}
    assert interval(np.array([1.0])) is None
