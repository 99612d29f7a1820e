"""A DHCP responder that answers exactly as the servers in a capture did.

Given the ACKs a customer's servers sent to a phone's DHCPINFORM (and how
long each took), it answers every INFORM of the same vendor class with those
ACKs, byte for byte, only moved to the new client: its transaction id, MAC,
address, relay and flags. Several captured servers give several answers, with
their captured delays, so "who answers first" is reproduced too. The captured
server identifiers stay as they were: they are part of what the phone saw.

It has the interface of `LabDhcpResponder` (`replies(data)`, `answer(data)`,
`start`, `close`, `port`, `counts`) so the embedded lab can run either.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from phonesim.codec.dhcp_message import BOOTREQUEST, DHCPINFORM, decode_dhcp_message
from phonesim.codec.dhcp_rewrite import rewrite_client
from phonesim.errors import PhonesimError
from phonesim.lab.dhcp_responder import ScheduledReply
from phonesim.lab.responder_socket import ResponderSocket


@dataclass(frozen=True)
class CapturedAnswer:
    delay: float
    """Seconds from the INFORM to this answer in the capture."""
    payload: bytes
    server: str


@dataclass(frozen=True)
class CapturedExchange:
    """What the lab serves: the captured answers to one INFORM, and which class asked."""

    vendor_class: str | None
    answers: tuple[CapturedAnswer, ...]
    origin: str = ""
    """Where it came from, e.g. `site-A.pcapng session 3`, for the lab's banner."""


class CaptureResponder:
    def __init__(self, exchange: CapturedExchange) -> None:
        self.exchange = exchange
        self.counts: Counter[str] = Counter()
        self.port = 0
        self._socket = ResponderSocket(self.replies)

    def replies(self, data: bytes) -> list[ScheduledReply]:
        """Each captured ACK with its delay, moved to the client that sent `data`."""
        try:
            request = decode_dhcp_message(data)
        except PhonesimError:
            self.counts["malformed"] += 1
            return []
        if request.op != BOOTREQUEST or request.message_type != DHCPINFORM:
            self.counts["not_inform"] += 1
            return []
        wanted = self.exchange.vendor_class
        if wanted is not None and request.vendor_class != wanted:
            self.counts["other_vendor_class"] += 1
            return []
        replies = []
        for captured in self.exchange.answers:
            try:
                reply = rewrite_client(
                    captured.payload,
                    xid=request.xid,
                    mac=request.chaddr,
                    ciaddr=request.ciaddr,
                    giaddr=request.giaddr,
                    flags=request.flags,
                )
            except PhonesimError:
                self.counts["unusable_capture"] += 1
                continue
            replies.append(ScheduledReply(captured.delay, reply, captured.server))
        if replies:
            self.counts["answered"] += 1
        return replies

    def answer(self, data: bytes) -> bytes | None:
        """The first captured answer for one datagram, or None when the servers stayed silent."""
        replies = sorted(self.replies(data), key=lambda reply: reply.delay)
        return replies[0].payload if replies else None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.port = await self._socket.start(host, port)

    async def close(self) -> None:
        await self._socket.close()
