"""Figures derived from energy: pure functions, formula and units in each docstring.

1 kWh = 3.6e6 J; 1 MWh = 3.6e9 J. Inputs must be finite and non-negative; anything else
raises ``ValueError`` naming the argument. Dollars are not energy: what power costs is priced
in ``tokenfab.cost.tco`` (``energy_usd_per_hour``). Ratios with a zero denominator
return ``None`` (nothing to divide by), never infinity.
"""

from __future__ import annotations

import math

J_PER_KWH = 3.6e6
J_PER_MWH = 3.6e9
W_PER_KW = 1000.0


def _check(name: str, value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite, non-negative number (got {value!r})")
    return value


def j_per_token(energy_j: float, tokens: int) -> float | None:
    """j_per_token = energy_j / tokens [J/token]; None when tokens == 0."""
    _check("energy_j", energy_j)
    _check("tokens", tokens)
    return energy_j / tokens if tokens else None


def tokens_per_kwh(energy_j: float, tokens: int) -> float | None:
    """tokens_per_kwh = tokens / (energy_j / 3.6e6) [token/kWh]; None when energy_j == 0."""
    _check("energy_j", energy_j)
    _check("tokens", tokens)
    return tokens / (energy_j / J_PER_KWH) if energy_j else None


def tokens_per_mwh(energy_j: float, tokens: int) -> float | None:
    """tokens_per_mwh = tokens / (energy_j / 3.6e9) [token/MWh]; None when energy_j == 0."""
    _check("energy_j", energy_j)
    _check("tokens", tokens)
    return tokens / (energy_j / J_PER_MWH) if energy_j else None


def tok_s_per_kw(tok_s: float, avg_power_w: float) -> float | None:
    """tok_s_per_kw = tok_s / (avg_power_w / 1000) [(token/s)/kW]; None when power == 0."""
    _check("tok_s", tok_s)
    _check("avg_power_w", avg_power_w)
    return tok_s / (avg_power_w / W_PER_KW) if avg_power_w else None


def modelled_energy_j(idle_w: float, busy_w: float, utilization: float, duration_s: float) -> float:
    """energy_j = (idle_w + (busy_w - idle_w) × utilization) × duration_s [J].

    Linear power model between an idle and a fully busy wattage; ``utilization`` in [0, 1].
    """
    _check("idle_w", idle_w)
    _check("busy_w", busy_w)
    _check("duration_s", duration_s)
    if busy_w < idle_w:
        raise ValueError(f"busy_w ({busy_w!r}) must be >= idle_w ({idle_w!r})")
    if not 0.0 <= utilization <= 1.0:
        raise ValueError(f"utilization must be within [0, 1] (got {utilization!r})")
    return (idle_w + (busy_w - idle_w) * utilization) * duration_s
