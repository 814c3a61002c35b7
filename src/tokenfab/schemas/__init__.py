"""Pure types shared by every stage. Imports nothing internal."""

from tokenfab.schemas.config import (
    ApiKind,
    ArrivalKind,
    BenchConfig,
    LengthSpec,
    LoadMode,
    Slo,
)
from tokenfab.schemas.cost import TcoProfile
from tokenfab.schemas.records import ErrorClass, RequestRecord
from tokenfab.schemas.summary import (
    CostSummary,
    EnergySummary,
    GoodputSummary,
    LatencyStats,
    LoadSpec,
    PointSummary,
    RequestCounts,
    RunSummary,
    Target,
    ThroughputSummary,
    TokenCounts,
)

__all__ = [
    "ApiKind",
    "ArrivalKind",
    "BenchConfig",
    "CostSummary",
    "EnergySummary",
    "ErrorClass",
    "GoodputSummary",
    "LatencyStats",
    "LengthSpec",
    "LoadMode",
    "LoadSpec",
    "PointSummary",
    "RequestCounts",
    "RequestRecord",
    "RunSummary",
    "Slo",
    "Target",
    "TcoProfile",
    "ThroughputSummary",
    "TokenCounts",
]
