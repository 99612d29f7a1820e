"""`--trust-ca FILE`, shared by every command that boots a phone the way `boot` does.

Against a real pool the root chain request phonesim makes is a guess
(`fidelity.md` §2(g)); an admin who has the pool's CA certificate can give it
instead, and the boot then says the chain was supplied, not fetched.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phonesim.core.supplied_trust import SuppliedTrust


def add_trust_ca_argument(group: Any) -> None:
    group.add_argument(
        "--trust-ca",
        type=Path,
        metavar="FILE",
        help="trust the CA certificate(s) in this PEM file instead of downloading the root "
        "chain (whose request phonesim can only guess); the result says it was supplied",
    )


def trust_from_args(args: argparse.Namespace) -> SuppliedTrust | None:
    """The certificates `--trust-ca` names, read and checked; None without the option."""
    path = getattr(args, "trust_ca", None)
    if path is None:
        return None
    from phonesim.drivers.trust_ca_file import read_trust_ca

    return read_trust_ca(path)


__all__ = ["add_trust_ca_argument", "trust_from_args"]
