"""File descriptors for a fleet: enough for every connection it will hold, or a refusal.

Each phone booting holds sockets (its SIP connection, its web requests), and a
phone held registered keeps its SIP connection for as long as it is held, so a
fleet of 10,000 held phones needs over 10,000 descriptors in one process (and
as many in the lab's process, which answers each). Debian's default soft limit
is 1,024: a fleet that ran into it would fail phones mid-run with "Too many
open files", which reads like a server's fault. So the fleet raises its soft
limit within the hard one before the first phone powers on, and when even the
hard limit is too low it says so, with the figures and the way to raise it,
before anything starts. A child process (the lab) inherits the raised limit.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

from phonesim.errors import PhonesimError

RESERVED = 64
"""The process's own: standard streams, the shared DHCP and DNS sockets, the event loop's,
the report files, the lab's control pipe."""
PER_BOOTING_PHONE = 2
"""A booting phone's SIP connection and its web request in flight."""
PER_HELD_PHONE = 1
"""A phone held registered keeps its SIP connection open."""


class TooFewDescriptors(PhonesimError):
    """The hard limit on open files is below what the fleet asked for needs."""


@dataclass(frozen=True, slots=True)
class DescriptorBudget:
    needed: int
    soft_before: int
    soft: int
    hard: int

    @property
    def raised(self) -> bool:
        return self.soft > self.soft_before

    def as_json(self) -> dict[str, int]:
        return {
            "needed": self.needed,
            "soft_before": self.soft_before,
            "soft": self.soft,
            "hard": self.hard,
        }


def descriptors_needed(*, booting: int, held: int = 0) -> int:
    """Descriptors for `booting` phones at once and `held` phones registered at the end."""
    return RESERVED + PER_BOOTING_PHONE * max(0, booting) + PER_HELD_PHONE * max(0, held)


def secure_descriptors(needed: int, what: str) -> DescriptorBudget:
    """Raise this process's soft limit on open files to `needed` if it is lower, within the
    hard limit; `TooFewDescriptors` naming `what` needs them when the hard limit is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if needed <= soft or soft == resource.RLIM_INFINITY:
        return DescriptorBudget(needed, soft, soft, hard)
    if hard != resource.RLIM_INFINITY and needed > hard:
        raise TooFewDescriptors(
            f"{what} needs about {needed:,} open files, but this process may open at most "
            f"{hard:,} (hard limit; soft {soft:,}). Raise it before running: `ulimit -Hn "
            f"{needed}` as root in this shell, `LimitNOFILE={needed}` in a systemd unit, or "
            f"a `nofile` line in /etc/security/limits.conf; or ask for fewer phones."
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return DescriptorBudget(needed, soft, needed, hard)


__all__ = [
    "DescriptorBudget",
    "TooFewDescriptors",
    "descriptors_needed",
    "secure_descriptors",
]
