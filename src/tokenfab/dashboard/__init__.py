"""tokenfab.dashboard: a local web dashboard over the results database (``tokenfab serve``).

Needs the ``dashboard`` extra (FastAPI, uvicorn): ``pip install 'tokenfab[dashboard]'``. The app
is imported on first use, so :mod:`tokenfab.dashboard.source` works without the extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tokenfab.dashboard.app import LOOPBACK_HOSTS, create_app

__all__ = ["LOOPBACK_HOSTS", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tokenfab.dashboard import app

        return getattr(app, name)
    raise AttributeError(f"module 'tokenfab.dashboard' has no attribute {name!r}")
