"""Pure types shared by every stage. Imports nothing internal."""

from tokenfab.schemas.config import (
    ApiKind,
    ArrivalKind,
    BenchConfig,
    LengthSpec,
    LoadMode,
    Slo,
)
from tokenfab.schemas.records import ErrorClass, RequestRecord
from tokenfab.schemas.summary import (
    CostSummary,
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
    "ThroughputSummary",
    "TokenCounts",
]
