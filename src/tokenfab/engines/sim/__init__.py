"""The OpenAI-compatible streaming simulator: tokenfab's timing ground truth.

``serve(config)`` runs it in the current event loop, ``run(config)`` blocks on uvloop, and
``SimServer(config)`` runs it in a child process (``python -m tokenfab.engines.sim``). Modules:
``config`` (SimConfig, Dist), ``server`` (connections, routing, the listening socket),
``stream`` (per-request scheduling and the write log), ``http`` (framing and payloads),
``timer`` (the timerfd deadline timer) and ``process`` (the child-process wrapper).
"""

from tokenfab.engines.sim.config import Dist, DistKind, SimConfig
from tokenfab.engines.sim.process import SimServer
from tokenfab.engines.sim.server import main, run, serve

__all__ = ["Dist", "DistKind", "SimConfig", "SimServer", "main", "run", "serve"]
