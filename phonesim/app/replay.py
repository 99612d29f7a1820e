"""Replay a capture through the phone, or re-send one of its INFORMs and compare.

`replay_capture` walks the capture's DHCP sessions as they are read, each
with what the phone would have decided (or why it cannot be replayed), so a
caller shows each one as it comes. A re-send is planned first
(`plan_resend_session`: which session, what goes out, where), then sent
(`resend_session`), so the plan can be shown before anything leaves.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from phonesim.app.network import host_port
from phonesim.core.identity import normalise_mac
from phonesim.core.profile import DeviceProfile
from phonesim.drivers.network import BROADCAST
from phonesim.errors import UsageError
from phonesim.replay.answer_diff import ResendDiff, diff_answers
from phonesim.replay.cache_file import cache_file_path, read_cache_file
from phonesim.replay.capture_skim import CaptureSkim
from phonesim.replay.live_resend import FRESH, KEEP, LiveExchange, ResendPlan, plan_resend, resend
from phonesim.replay.phone_boots import BootGrouper, LateRelease, PhoneBoot
from phonesim.replay.session_replayer import SessionReplay, SessionReplayer
from phonesim.replay.sessions import DhcpSession

if TYPE_CHECKING:
    from phonesim.drivers.dhcp_interface import InterfaceFacts


@dataclass(frozen=True)
class ReplayRequest:
    capture: Path
    profile: DeviceProfile
    session: int | None = None
    """Only this session (numbered from 1 in capture order), alone; None: every one, each
    phone's VLAN query, lease and INFORM as one boot."""
    domain: str | None = None
    """The phone's DNS domain, when the capture does not show it."""
    seed: int = 0
    cache: Path | None = None
    """The discovery cache the phones start with (the file a boot keeps in its state folder)."""


@dataclass(frozen=True)
class ReplayedSession:
    session: DhcpSession
    chosen: bool
    """False for a session read on the way to the one asked for: neither replayed nor shown."""
    replay: SessionReplay | None = None
    why_not: str | None = None
    """Why the session cannot be replayed (then `replay` is None)."""
    boot: PhoneBoot | None = None
    """The boot this session is part of; its replay comes with the boot's last session."""


def replay_capture(request: ReplayRequest, skim: CaptureSkim) -> Iterator[ReplayedSession]:
    """Each session `skim` reads (only the one asked for, if one is), replayed; a phone's
    sessions of one boot come together, the boot's replay with the last of them.

    The caller keeps `skim` to read the capture's statistics, and its error, after.
    """
    cache_file = cache_file_path(request.cache) if request.cache is not None else None
    cache = read_cache_file(cache_file) if cache_file is not None else None
    replayer = SessionReplayer(
        request.profile,
        dns=skim.dns,
        domain=request.domain,
        lease_domains=skim.lease_domains,
        seed=request.seed,
        cache=cache,
        cache_file=cache_file,
    )
    sessions = skim.sessions()
    if request.session is not None:
        for session in sessions:
            if session.number != request.session:
                yield ReplayedSession(session, chosen=False)
                continue
            yield _alone(replayer, session, skim)
            sessions.close()
            return
        return
    grouper = BootGrouper(phone_oui=request.profile.device.mac_oui, any_lease=cache is not None)
    for session in sessions:
        for item in grouper.add(session):
            yield from _replayed(replayer, item, skim)
    for item in grouper.finish():
        yield from _replayed(replayer, item, skim)


def _alone(replayer: SessionReplayer, session: DhcpSession, skim: CaptureSkim) -> ReplayedSession:
    why_not = replayer.replayable(session)
    replay = None if why_not else replayer.replay(session, skim.coverage())
    return ReplayedSession(session, chosen=True, replay=replay, why_not=why_not)


def _replayed(
    replayer: SessionReplayer, item: PhoneBoot | DhcpSession | LateRelease, skim: CaptureSkim
) -> Iterator[ReplayedSession]:
    if isinstance(item, DhcpSession):
        yield _alone(replayer, item, skim)
        return
    if isinstance(item, LateRelease):
        yield ReplayedSession(item.session, chosen=True, boot=item.boot)
        return
    *parts, last = item.sessions
    for session in parts:
        yield ReplayedSession(session, chosen=True, boot=item)
    replay = replayer.replay_boot(item, skim.coverage())
    yield ReplayedSession(last, chosen=True, replay=replay, boot=item)


@dataclass(frozen=True)
class ResendRequest:
    capture: Path
    profile: DeviceProfile | str
    """A profile, or its name or file (read once the other settings are checked)."""
    session: int | None = None
    """The session to re-send; None: the first with a captured DHCPINFORM."""
    dhcp_server: str | None = None
    """IP[:PORT], unicast; None: broadcast on `iface`."""
    iface: str | None = None
    address: str | None = None
    """ciaddr of the re-sent INFORM; None: the captured one (or the interface's)."""
    bind: str | None = None
    xid: str = FRESH
    mac: str = KEEP
    """keep, fresh, or a MAC."""
    seed: int = 0
    wait: float = 4.0


@dataclass(frozen=True)
class PlannedResend:
    request: ResendRequest
    skim: CaptureSkim
    session: DhcpSession
    plan: ResendPlan
    server: tuple[str, int]
    interface: InterfaceFacts | None


@dataclass(frozen=True)
class ResendOutcome:
    exchange: LiveExchange
    diff: ResendDiff


def plan_resend_session(request: ResendRequest) -> PlannedResend:
    """The session to re-send and what goes out, checked; nothing is sent yet."""
    if request.dhcp_server is None and request.iface is None:
        raise UsageError(
            "--resend needs --dhcp-server IP[:PORT] or --iface IFACE: where to send the INFORM"
        )
    server = host_port(request.dhcp_server, 67) if request.dhcp_server else (BROADCAST, 67)
    address = request.address
    interface = None
    if request.iface is not None:
        from phonesim.drivers.dhcp_interface import interface_facts

        interface = interface_facts(request.iface)
        if address is None:
            if interface.address is None:
                raise UsageError(f"{interface.name} has no IPv4 address: give one with --address")
            address = interface.address
    if request.wait <= 0:
        raise UsageError("--wait must be more than 0 seconds")
    mac = request.mac if request.mac in (KEEP, FRESH) else normalise_mac(request.mac)
    profile = request.profile
    if isinstance(profile, str):
        from phonesim.profiles import load_profile

        profile = load_profile(profile)
    skim = CaptureSkim(request.capture)
    chosen = None
    sessions = skim.sessions()
    for session in sessions:
        wanted = (
            session.number == request.session
            if request.session is not None
            else session.inform is not None
        )
        if wanted:
            chosen = session
            sessions.close()
            break
    if chosen is None:
        if skim.error is not None:
            raise skim.error
        what = f"no session {request.session}" if request.session else "no DHCPINFORM session"
        raise UsageError(f"capture {request.capture} has {what} to re-send")
    plan = plan_resend(
        chosen,
        xid=request.xid,
        mac=mac,
        ciaddr=address,
        oui=profile.device.mac_oui,
        rng=random.Random(request.seed) if request.seed else None,
    )
    return PlannedResend(request, skim, chosen, plan, server, interface)


def resend_session(planned: PlannedResend) -> ResendOutcome:
    """Send the planned INFORM, collect the live answers, and compare them with the capture's."""
    request, session, server = planned.request, planned.session, planned.server
    local = host_port(request.bind, 0) if request.bind else None

    async def send_and_listen() -> LiveExchange:
        endpoint = None
        if planned.interface is not None:
            from phonesim.drivers.dhcp_transport import DhcpPlacement, open_dhcp_transport

            endpoint = await open_dhcp_transport(
                DhcpPlacement(
                    server=server,
                    local=("", 68),
                    phone_address=planned.plan.ciaddr,
                    phone_mac=planned.plan.mac,
                    interface=planned.interface,
                )
            )
        return await resend(
            planned.plan,
            server,
            wait=request.wait,
            servers_expected=max(1, len(session.servers)),
            local=local,
            endpoint=endpoint,
        )

    exchange = asyncio.run(send_and_listen())
    diff = diff_answers(
        session.answers, exchange.answers, vendor_class=session.vendor_class, preferred=server[0]
    )
    return ResendOutcome(exchange, diff)
