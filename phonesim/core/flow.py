"""The boot as data: which stage follows which, where a boot starts, where it may stop.

This table is the only place the order of the boot is written. The conductor
(`phonesim.core.phone`) reads it to decide what to begin next; the command
line reads `STOP_AFTER` for its choices; the README's diagram is drawn from it
(`phonesim.core.flow_diagram`). It imports nothing heavier than the `Stage`
enum, so `phonesim --help` can read it without loading the core.

Rules the table encodes, in the words of a boot:

* A phone with a usable discovery cache skips discovery and starts at the time
  step; any other phone starts with discovery, where the DHCPINFORM exchange
  and the DNS registrar search run side by side (`PART_OF`).
* A boot asked to stop after a stage never begins a later one: it ends with
  `<stage>.stopped_as_asked`, whichever way (DHCP, DNS or the cache) it got
  there. Asked to stop after a part of a stage (`dhcp`), it runs that part
  alone in the stage's place: a DHCP storm measures DHCP alone.
* A stage that failed on servers the cache named sends the phone back to
  discovery, once (`REDISCOVER_AFTER`). The TLS-DSK sign-in is one: the
  cache names the registrar that challenged the phone, and a registrar that
  then fails the sign-in (no answer, a refusal, a wrong signature) may be one
  the pool no longer uses. A fault of the phone's own TLS is not the servers'.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from phonesim.core.stage import Stage


class Start(StrEnum):
    DISCOVER = "discover"
    """No usable discovery cache: the phone asks DHCP and DNS."""
    FROM_CACHE = "from_cache"
    """The discovery cache stands in for DHCP and DNS."""


ENTRY: Mapping[Start, Stage] = {
    Start.DISCOVER: Stage.DISCOVERY,
    Start.FROM_CACHE: Stage.TIME,
}

FOLLOWS: Mapping[Stage, Stage | None] = {
    Stage.DHCP: None,
    Stage.DISCOVERY: Stage.TIME,
    Stage.TIME: Stage.ROOTCHAIN,
    Stage.ROOTCHAIN: Stage.WEBTICKET,
    Stage.WEBTICKET: Stage.CERTPROV,
    Stage.CERTPROV: Stage.REGISTRAR,
    Stage.REGISTRAR: Stage.TLSDSK,
    Stage.TLSDSK: Stage.PROVISIONING,
    Stage.PROVISIONING: Stage.HELD,
    Stage.HELD: None,
}
"""What begins when a stage is done; None: the boot is over (signed in and provisioned,
or, for a phone held registered, signed out at the end of the hold)."""

PART_OF: Mapping[Stage, Stage] = {
    Stage.DHCP: Stage.DISCOVERY,
    Stage.DNS: Stage.DISCOVERY,
}
"""Stages that run inside another one, side by side."""

STOP_AFTER: tuple[Stage, ...] = (
    Stage.DHCP,
    Stage.DISCOVERY,
    Stage.TIME,
    Stage.ROOTCHAIN,
    Stage.WEBTICKET,
    Stage.CERTPROV,
    Stage.REGISTRAR,
    Stage.TLSDSK,
    Stage.PROVISIONING,
)
"""The stages a boot can be asked to stop after (`--stop-after`, `fleet --stage`), in the
order the phone runs them."""

REDISCOVER_AFTER: frozenset[Stage] = frozenset(
    {Stage.ROOTCHAIN, Stage.WEBTICKET, Stage.CERTPROV, Stage.REGISTRAR, Stage.TLSDSK}
)
"""Stages whose failure on the servers the cache named sends a cached boot back to discovery
(once). Time never fails a boot; a refusal that is the user's (a wrong PIN) is not the
servers' fault and ends the boot wherever the servers came from."""

REDIRECTED_TO: Mapping[Stage, Stage] = {Stage.TLSDSK: Stage.REGISTRAR}
"""Where a boot goes on when a stage's server redirects it (a Director's signed 301 to the
signed REGISTER): the registrar stage again, with the home pool as its only registrar, and
from there a new TLS-DSK handshake with the home pool (`tls-dsk.md` §3.6)."""

LAST: Stage = Stage.PROVISIONING
"""Where a boot that is not asked to stop earlier ends."""

HELD_AFTER: Stage = LAST
"""A boot given a hold duration stays registered after this stage (`Stage.HELD`): not a
stop a boot can be asked for, but a boot that runs to the end and then goes on."""

_RANK = {stage: rank for rank, stage in enumerate(STOP_AFTER)}
_BY_NAME = {str(stage): stage for stage in STOP_AFTER}
_NOT_BEGUN = {stop: STOP_AFTER[rank + 1 :] for stop, rank in _RANK.items()}


def first_stage(start: Start, stop: Stage) -> Stage:
    """The stage a boot begins with: the entry for how it starts, or the part of it the
    boot was asked to stop after."""
    return within(ENTRY[start], stop)


def within(stage: Stage, stop: Stage) -> Stage:
    """`stage`, or its part `stop` when the boot is to stop after that part."""
    if PART_OF.get(stop) is stage:
        return stop
    return stage


def begins(stage: Stage, stop: Stage, *, holding: bool = False) -> bool:
    """Whether a boot asked to stop after `stop` may begin `stage`; the held stage only for
    a boot `holding` that runs to the end."""
    if stage is Stage.HELD:
        return holding and stop is HELD_AFTER
    return _RANK[stage] <= _RANK[stop]


def not_begun(stop: Stage) -> tuple[Stage, ...]:
    """The stages a boot stopped after `stop` never begins."""
    return _NOT_BEGUN[stop]


def stop_stage(name: str) -> Stage:
    """The stop stage spelt `name`; ValueError names the choices."""
    stage = _BY_NAME.get(name)
    if stage is None:
        raise ValueError(f"final_stage must be one of {tuple(_BY_NAME)}")
    return stage


__all__ = [
    "ENTRY",
    "FOLLOWS",
    "HELD_AFTER",
    "LAST",
    "PART_OF",
    "REDIRECTED_TO",
    "REDISCOVER_AFTER",
    "STOP_AFTER",
    "Start",
    "begins",
    "first_stage",
    "not_begun",
    "stop_stage",
    "within",
]
