"""Where a fleet's servers were, as typed, for the report's settings: "DHCP 192.0.2.5"
says which pool was measured, not with which relay address, client port or domain, and
a run read weeks later must be repeatable from its report alone."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

WHERE = (
    "lab",
    "scenario",
    "lab_endpoints",
    "dhcp_server",
    "dns",
    "domain",
    "address",
    "iface",
    "giaddr",
    "client_port",
)
"""`phonesim fleet`'s "where the servers are" options, by their argparse names."""


def where_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The options of `WHERE` given to this run, as JSON values (a path as text)."""
    settings = {}
    for name in WHERE:
        value = getattr(args, name, None)
        settings[name] = str(value) if isinstance(value, Path) else value
    return settings
