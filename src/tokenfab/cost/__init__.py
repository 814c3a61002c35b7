"""tokenfab.cost: what serving costs, and the one door every $ figure goes through. Pure
functions and data files; the only I/O is reading a catalog or profile file the user names.

- ``price``       the pricing door: $ per 1M tokens of a measured point, a modelled
                  (projected) throughput and a hypothetical one (``tokenfab cost --tok-s``)
- ``tco``         $ per hour: hardware (rent or amortized capex), energy, overhead
- ``attribution`` a point's cost split between input and output tokens by measured time
- ``eval_price``  what an evaluation and each correct answer cost
- ``profile``     TCO profiles from TOML, the catalog or flags
- ``catalog``     accelerator spec sheets and indicative prices (``data/hardware.toml``)
- ``cpu_power``   the assumed wattage of a CPU (facts about this CPU: ``tokenfab.host``)
"""
