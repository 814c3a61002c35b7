"""The Pareto front, once for every caller (projection curves, run comparison, tune). Pure."""

from __future__ import annotations

from collections.abc import Sequence


def pareto_indices(points: Sequence[tuple[float | None, float | None]]) -> set[int]:
    """Indices not dominated when both coordinates are better higher: j dominates i when
    x_j ≥ x_i and y_j ≥ y_i with one strictly greater. Points with a None are never on it.

    For a coordinate where lower is better (e.g. $/1M tokens), pass its negative."""
    ok = [(i, x, y) for i, (x, y) in enumerate(points) if x is not None and y is not None]
    return {i for i, x, y in ok
            if not any(xj >= x and yj >= y and (xj > x or yj > y) for _, xj, yj in ok)}


__all__ = ["pareto_indices"]
