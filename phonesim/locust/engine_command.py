"""The command line that starts one engine slice, from the bridge's `--phonesim-*` options.

Kept apart from the bridge (which imports Locust) so that it is plain and testable:
the engine is the unchanged `phonesim fleet`, told its slice and the descriptor to
write its records to; it says when it is ready and reads the shared start from its
standard input.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FLEET_OPTIONS = (
    ("phones", "--phones"),
    ("duration", "--duration"),
    ("rate", "--rate"),
    ("ramp", "--ramp"),
    ("concurrency", "--concurrency"),
    ("stage", "--stage"),
    ("seed", "--seed"),
    ("profile", "--profile"),
    ("mix", "--mix"),
    ("key_pool", "--key-pool"),
    ("max_failures", "--max-failures"),
    ("trust_ca", "--trust-ca"),
    ("lab_endpoints", "--lab-endpoints"),
    ("dhcp_server", "--dhcp-server"),
    ("dns", "--dns"),
    ("domain", "--domain"),
    ("warm", "--warm"),
    ("fresh_pool", "--fresh-pool"),
)
"""Options the master decides for the whole fleet (forwarded to every worker)."""

MASTER_ONLY = frozenset({"max_failures"})
"""Counted over the whole fleet by the master, which stops every slice: each engine
counting its own would stop the fleet only after n times as many."""

MACHINE_OPTIONS = (
    ("users", "--users"),
    ("address", "--address"),
    ("iface", "--iface"),
    ("giaddr", "--giaddr"),
    ("client_port", "--client-port"),
    ("state_dir", "--state-dir"),
)
"""Options each load machine decides for itself: its own network, its own users file
(PINs stay on the machine that holds them, and so do warm phones' caches: each
machine's phones keep their certificates in its own state folder)."""


def engine_command(
    fleet: Mapping[str, Any],
    machine: Mapping[str, Any],
    *,
    slice_index: int,
    slices: int,
    record_fd: int,
    report: Path,
) -> list[str]:
    command = [sys.executable, "-m", "phonesim", "fleet", "--json"]
    for options, table in ((fleet, FLEET_OPTIONS), (machine, MACHINE_OPTIONS)):
        for key, flag in table:
            value = None if key in MASTER_ONLY else options.get(key)
            if value is not None and value != "":
                command += [flag, str(value)]
    return [
        *command,
        "--slice",
        f"{slice_index}/{slices}",
        "--start-at",
        "ready",
        "--record-stream",
        str(record_fd),
        "--report",
        str(report),
    ]
