"""tokenfab.host: facts about the machine tokenfab runs on (read from the OS or measured).

This is an I/O edge: it reads ``/proc``, the clock and a cache file, and times a memory sweep.
Pure figures derived from these facts live with their stage, e.g. the assumed CPU wattage in
``tokenfab.cost.cpu_power``.
"""
