"""``python -m tokenfab.engines.sim --config-json '{...}'``: what ``SimServer`` starts."""

import sys

from tokenfab.engines.sim.server import main

sys.exit(main())
