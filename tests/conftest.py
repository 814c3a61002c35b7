"""Suite-wide pytest setup.

Being a module of the ``tests`` package, this conftest makes pytest put the repository root on
``sys.path`` before any test module is collected, so every test can import shared helpers as
``tests.<module>`` (e.g. the hardware stand-ins in ``tests.fakes.energy``).

Fixtures every test may ask for by name are imported here: ``isolated_env`` (see
``tests.cli_support``).
"""

from tests.cli_support import isolated_env  # noqa: F401  (fixture)
