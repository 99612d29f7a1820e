"""The diagnosis rules, by topic: each looks at one kind of evidence in a boot record.

A rule returns a finding or nothing. Its severity depends on what the boot
came to: the same missing option is an error when the sign-in failed because
of it, and a warning when something else covered for it. Rules never repeat a
consequence as a finding of its own: a 404 caused by a truncated option 43 is
evidence of `option43.truncated`, not a second finding. The words of every
finding are in `diagnosis/findings.toml`; the rules pass the values they name.
"""

from __future__ import annotations

from collections.abc import Callable

from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.rules import (
    bounds,
    bringup,
    dhcp,
    discovery_cache,
    dns,
    held,
    option43,
    option120,
    registrar,
    sign_in,
    time,
    web,
)

Rule = Callable[[BootRecord], Finding | None]

RULES: tuple[Rule, ...] = (
    *bringup.RULES,
    *dhcp.RULES,
    *option43.RULES,
    *option120.RULES,
    *dns.RULES,
    *time.RULES,
    *web.RULES,
    *bounds.RULES,
    *registrar.RULES,
    *sign_in.RULES,
    *held.RULES,
    *discovery_cache.RULES,
)
"""In the order findings of the same severity and priority are listed."""

__all__ = ["RULES", "Rule"]
