"""Re-sending a captured DHCPINFORM to a server today, and collecting what comes back.

The INFORM goes out as captured (same options, same layout); only the
transaction id, the client MAC and the client address are kept or replaced, as
the user chooses. It is unicast to one server from an unprivileged port (the
server must then answer the sender's port, as Communications Server DHCP and
phonesim's lab do), or goes through any live DHCP transport: broadcast on an
interface, from the phone's MAC, as the phone sent it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
from dataclasses import dataclass

from phonesim.codec.dhcp_message import DhcpMessage, decode_dhcp_message
from phonesim.codec.dhcp_rewrite import rewrite_client
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.errors import PhonesimError, UsageError
from phonesim.replay.sessions import DhcpSession, SessionMessage

KEEP = "keep"
FRESH = "fresh"
MIN_GRACE = 0.25
"""Seconds to keep listening after the first live answer, for other servers' answers."""


@dataclass(frozen=True)
class ResendPlan:
    payload: bytes
    xid: int
    mac: str
    ciaddr: str
    captured: SessionMessage


@dataclass(frozen=True)
class LiveAnswer:
    t: float
    """Seconds after the INFORM went out."""
    source: str
    payload: bytes
    message: DhcpMessage | None
    error: str | None = None

    @property
    def server(self) -> str:
        if self.message is not None and self.message.server_id:
            return self.message.server_id
        return self.source.rsplit(":", 1)[0]


def plan_resend(
    session: DhcpSession,
    *,
    xid: str = FRESH,
    mac: str = KEEP,
    ciaddr: str | None = None,
    oui: str = "00:04:f2",
    rng: random.Random | None = None,
) -> ResendPlan:
    """The INFORM to send: the session's captured one, with the identity the user chose."""
    captured = session.inform
    if captured is None:
        raise UsageError(f"session {session.number} has no captured DHCPINFORM to re-send")
    draw = rng or random.Random()
    new_xid = session.xid if xid == KEEP else draw.getrandbits(32)
    if mac == KEEP:
        new_mac = session.client_mac
    elif mac == FRESH:
        new_mac = oui + "".join(f":{draw.getrandbits(8):02x}" for _ in range(3))
    else:
        new_mac = mac
    address = ciaddr or captured.message.ciaddr
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise UsageError(f"--address {address!r} is not an IPv4 address") from None
    try:
        payload = rewrite_client(captured.payload, xid=new_xid, mac=new_mac, ciaddr=address)
    except PhonesimError as error:
        raise UsageError(f"cannot re-send session {session.number}: {error}") from None
    return ResendPlan(payload=payload, xid=new_xid, mac=new_mac, ciaddr=address, captured=captured)


@dataclass(frozen=True)
class LiveExchange:
    sent_from: str
    """ip:port the INFORM left from."""
    answers: list[LiveAnswer]


async def resend(
    plan: ResendPlan,
    server: tuple[str, int],
    *,
    wait: float,
    servers_expected: int = 1,
    grace: float = MIN_GRACE,
    local: tuple[str, int] | None = None,
    endpoint: DhcpClientEndpoint | None = None,
) -> LiveExchange:
    """Send the INFORM once; collect answers with its xid.

    Stops when `servers_expected` different servers have answered, `grace`
    seconds after the first answer, or after `wait` seconds, whichever comes
    first. `endpoint`, already open, is any DHCP transport (e.g. one broadcasting
    on an interface); without it the INFORM leaves from a plain UDP socket.
    """
    loop = asyncio.get_running_loop()
    answers: list[LiveAnswer] = []
    done = asyncio.Event()
    first: list[float] = []
    if endpoint is None:
        endpoint = await _plain_endpoint(server, local)
    sent_at = loop.time()
    host, port = endpoint.local_address

    def received(payload: bytes, source: str) -> None:
        try:
            message: DhcpMessage | None = decode_dhcp_message(payload)
            error = None
        except PhonesimError as problem:
            message, error = None, str(problem)
        answers.append(LiveAnswer(round(loop.time() - sent_at, 6), source, payload, message, error))
        if not first:
            first.append(loop.time())
            loop.call_later(grace, done.set)
        if len({a.server for a in answers}) >= servers_expected:
            done.set()

    endpoint.listen(plan.xid, received, plan.mac)
    try:
        endpoint.send(plan.payload)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), wait)
    finally:
        endpoint.close()
    return LiveExchange(f"{host}:{port}", answers)


async def _plain_endpoint(
    server: tuple[str, int], local: tuple[str, int] | None
) -> DhcpClientEndpoint:
    endpoint = DhcpClientEndpoint(server)
    bind = local or (
        ("127.0.0.1", 0) if ipaddress.ip_address(server[0]).is_loopback else ("0.0.0.0", 0)
    )
    try:
        await endpoint.open(bind)
    except OSError as error:
        hint = (
            " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
            if bind[1] and bind[1] < 1024
            else ""
        )
        raise UsageError(
            f"cannot open a UDP socket on {bind[0]}:{bind[1]}: {error.strerror}{hint}"
        ) from None
    return endpoint
