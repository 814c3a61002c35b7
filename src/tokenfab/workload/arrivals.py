"""Open-loop arrival processes: inter-arrival gaps and send offsets, in seconds."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from tokenfab.errors import ConfigError
from tokenfab.schemas.config import ArrivalKind


def interarrival_s(
    kind: ArrivalKind,
    rate_per_s: float,
    n: int,
    rng: np.random.Generator,
    gamma_shape: float = 1.0,
) -> npt.NDArray[np.float64]:
    """Draw ``n`` gaps (seconds) between consecutive requests at mean rate ``rate_per_s``.

    - poisson: ``gap ~ Exponential(mean = 1 / rate_per_s)``; CV = 1.
    - gamma: ``gap ~ Gamma(shape = k, scale = 1 / (k * rate_per_s))`` with ``k = gamma_shape``,
      so ``mean = k * scale = 1 / rate_per_s`` and ``CV = 1 / sqrt(k)``; k < 1 is burstier than
      Poisson, k > 1 smoother, k = 1 is Poisson.
    - constant: ``gap = 1 / rate_per_s`` exactly; CV = 0.

    Pure: all randomness comes from ``rng`` (constant draws nothing).
    """
    if not math.isfinite(rate_per_s) or rate_per_s <= 0:
        raise ConfigError(f"arrival rate must be a positive number of req/s (got {rate_per_s:g})")
    if n < 0:
        raise ValueError(f"cannot draw a negative number of gaps (n={n})")
    mean_s = 1.0 / rate_per_s
    if kind == "poisson":
        return rng.exponential(mean_s, size=n)
    if kind == "gamma":
        if not math.isfinite(gamma_shape) or gamma_shape <= 0:
            raise ConfigError(
                f"gamma shape k must be a positive number (got {gamma_shape:g}); k=1 is Poisson"
            )
        return rng.gamma(gamma_shape, mean_s / gamma_shape, size=n)
    if kind == "constant":
        return np.full(n, mean_s, dtype=np.float64)
    raise ConfigError(f"unknown arrival process {kind!r}; use poisson, gamma or constant")


def arrival_offsets_s(
    kind: ArrivalKind,
    rate_per_s: float,
    n: int,
    rng: np.random.Generator,
    gamma_shape: float = 1.0,
) -> npt.NDArray[np.float64]:
    """Send times in seconds from the start of ``n`` requests.

    ``t_0 = 0`` and ``t_i = sum_{j<i} gap_j`` (cumulative gaps, starting at 0).

    Draws the same ``n`` gaps as :func:`interarrival_s` with the same ``rng`` state, so
    ``offsets[1:] == cumsum(gaps)[:-1]``. The first request goes at 0.
    """
    gaps = interarrival_s(kind, rate_per_s, n, rng, gamma_shape)
    if n == 0:
        return gaps
    offsets = np.empty(n, dtype=np.float64)
    offsets[0] = 0.0
    np.cumsum(gaps[:-1], out=offsets[1:])
    return offsets
