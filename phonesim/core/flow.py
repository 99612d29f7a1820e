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
* Before either, a phone that brings itself onto the network (`BRINGUP`) runs the
  bring-up stages it was given, in this order: it listens for LLDP-MED, asks DHCP for
  its voice VLAN (`CPE-OCPHONE`) unless LLDP gave one, moves to the VLAN and takes its
  lease; then it starts as any other phone. A boot without bring-up starts as before.
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

BRINGUP: tuple[Stage, ...] = (Stage.LLDP, Stage.VLAN, Stage.LEASE)
"""The bring-up stages in the order a phone runs those it was given; after the last one
given, the boot goes on where it would have started (`ENTRY`)."""

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
    Stage.LEASE,
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

_RANK = {stage: rank for rank, stage in enumerate((*BRINGUP[:-1], *STOP_AFTER))}
_BY_NAME = {str(stage): stage for stage in STOP_AFTER}
_NOT_BEGUN = {stop: STOP_AFTER[index + 1 :] for index, stop in enumerate(STOP_AFTER)}


def first_stage(start: Start, stop: Stage, bringup: frozenset[Stage] = frozenset()) -> Stage:
    """The stage a boot begins with: its first bring-up stage, else the entry for how it
    starts, or the part of it the boot was asked to stop after."""
    return after_bringup(None, start, stop, bringup)


def after_bringup(
    done: Stage | None, start: Start, stop: Stage, bringup: frozenset[Stage]
) -> Stage:
    """What follows the bring-up stage `done` (None: power-on): the next one the phone was
    given, else where a boot that starts this way begins."""
    later = BRINGUP if done is None else BRINGUP[BRINGUP.index(done) + 1 :]
    for stage in later:
        if stage in bringup:
            return stage
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
    "BRINGUP",
    "ENTRY",
    "FOLLOWS",
    "HELD_AFTER",
    "LAST",
    "PART_OF",
    "REDIRECTED_TO",
    "REDISCOVER_AFTER",
    "STOP_AFTER",
    "Start",
    "after_bringup",
    "begins",
    "first_stage",
    "not_begun",
    "stop_stage",
    "within",
]
