"""tokenfab.dashboard: a local web dashboard over the results database (``tokenfab serve``).

Needs the ``dashboard`` extra (FastAPI, uvicorn): ``pip install 'tokenfab[dashboard]'``.
"""

from tokenfab.dashboard.app import LOOPBACK_HOSTS, create_app

__all__ = ["LOOPBACK_HOSTS", "create_app"]
