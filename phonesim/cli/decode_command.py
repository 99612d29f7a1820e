"""`phonesim decode`: what a pasted option value means to the phone."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    decode = commands.add_parser(
        "decode", help="decode a DHCP option value (43, 60, 120) pasted as hex"
    )
    decode.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return 0
