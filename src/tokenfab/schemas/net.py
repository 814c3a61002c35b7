"""Addresses tokenfab listens on: loopback unless the user opts in (pure; imports nothing
internal). One home for the rule the dashboard and the simulator share."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP (127.0.0.0/8, ::1); every other name counts as remote."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


__all__ = ["is_loopback"]
