"""``tokenfab tune``: the cheapest engine configuration that meets a latency SLO and a quality
floor, searched with real bench + eval trials on the embedded engine."""

from tokenfab.tune.search import (
    Space,
    Trial,
    TrialConfig,
    best_trial,
    closest_trial,
    next_config,
    pareto_set,
)

__all__ = ["Space", "Trial", "TrialConfig", "best_trial", "closest_trial", "next_config",
           "pareto_set"]
