"""The ``tokenfab cost`` job: price a hypothetical throughput, or re-price a stored run.

    price_rate(RateConfig(...))      -> RatePrice    (``tokenfab.cost/1``)
    reprice_run(RepriceConfig(...))  -> RunSummary   (``tokenfab.run/2``)

The profile is resolved here (a TOML file, the catalog or an hourly price, with flag
overrides); every $ figure comes from :mod:`tokenfab.cost.price`.
"""

from __future__ import annotations

from tokenfab.cost.price import price_throughput
from tokenfab.cost.profile import resolve_profile
from tokenfab.errors import ConfigError
from tokenfab.schemas.cost import PriceSpec, RateConfig, RatePrice, RepriceConfig, TcoProfile
from tokenfab.schemas.summary import RunSummary
from tokenfab.session.reprice import reprice
from tokenfab.store import Store, default_db_url


def _profile(spec: PriceSpec) -> TcoProfile:
    profile = resolve_profile(spec)
    if profile is None:
        raise ConfigError("no price given: add --hourly-usd, --profile or --hardware")
    return profile


def price_rate(config: RateConfig) -> RatePrice:
    """$/hour and $/1M output tokens at ``config.output_tok_s`` (and per day and year)."""
    return price_throughput(_profile(config.price), config.output_tok_s,
                            config.output_tokens_per_day)


def reprice_run(config: RepriceConfig) -> RunSummary:
    """Every point of a stored run recomputed from its records under the configured profile."""
    profile = _profile(config.price)
    with Store(config.db_url or default_db_url()) as store:
        detail = store.get_run_detail(config.run_id)
        return reprice(store, detail, profile.model_dump(), config.blend_ratio,
                       config.bootstrap_samples)
