"""Number formatting shared by the terminal, the report and the dashboard (display only)."""

from __future__ import annotations


def num(v: float | None, digits: int = 1, missing: str = "-") -> str:
    """Thousands-separated integers from 1,000 up; ``digits`` decimals below."""
    if v is None:
        return missing
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def usd(v: float | None, missing: str = "-") -> str:
    """$1,234.56 at or above a dollar, $0.1234 below."""
    if v is None:
        return missing
    return f"${v:,.2f}" if v >= 1 else f"${v:.4f}"
