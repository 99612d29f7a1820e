"""Cisco IOS DHCP pool commands, as `show running-config` prints them.

`option 43 hex 010c.4d53...` (or `option ext 43 hex` for long values),
`option 60 ascii "..."`, `option 120 ip ...`; the pool's other commands
(`ip dhcp pool`, `network`, `default-router`...) carry no option value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from phonesim.codec.server_lines.found import Found, Line, PastedOption, option_code

FORM = "Cisco IOS line"

_OPTION = re.compile(r"^\s*option\s+(ext\s+)?(\d+)\s+(hex|ascii|ip)\s++(.*\S)\s*$", re.IGNORECASE)
_POOL_COMMAND = re.compile(
    r"^\s*(ip\s+dhcp\s+(pool|excluded-address|class)\b|network\s|default-router\s|dns-server\s"
    r"|domain-name\s|lease\s|class\s+[^\s\"{]+\s*$|exit\s*$|end\s*$)",
    re.IGNORECASE,
)


def read(lines: Sequence[Line]) -> Found:
    found = Found()
    for line in lines:
        option = _OPTION.match(line.text)
        if option:
            found.claimed.add(line.number)
            found.options.append(_option(line, option))
        elif _POOL_COMMAND.match(line.text):
            found.claimed.add(line.number)
    return found


def _option(line: Line, match: re.Match[str]) -> PastedOption:
    code = option_code(line, match.group(2), match.start(2))
    kind = match.group(3).lower()
    raw = match.group(4)
    if kind == "hex":
        value = line.hex(raw, match.start(4))
    elif kind == "ascii":
        value = raw.strip().strip('"').encode("latin-1", "replace")
    else:
        value = line.addresses(raw.split())
    return PastedOption(code, value, FORM, lines=line.where)


__all__ = ["FORM", "read"]
