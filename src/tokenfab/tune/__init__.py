"""``tokenfab tune``: the cheapest engine configuration that meets a latency SLO and a quality
floor, searched with real bench + eval trials on the embedded engine."""

from tokenfab.tune.search import Trial, TrialConfig, best_trial, pareto_set, space, trial_order

__all__ = ["Trial", "TrialConfig", "best_trial", "pareto_set", "space", "trial_order"]
