"""Suite-wide pytest setup.

Being a module of the ``tests`` package, this conftest makes pytest put the repository root on
``sys.path`` before any test module is collected, so every test can import shared helpers as
``tests.<module>`` (e.g. the hardware stand-ins in ``tests.fakes.energy``).
"""
