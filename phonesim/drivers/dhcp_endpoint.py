"""The phone side of DHCP: one UDP socket, any number of phones.

Answers are handed to the phone whose transaction id (xid) and client MAC
(chaddr) they carry, so a fleet shares one socket instead of opening one per
phone; the MAC keeps two phones apart even if their random xids collide.
"""

from __future__ import annotations

from collections.abc import Callable

from phonesim.udp_endpoint import UdpEndpoint

AnswerHandler = Callable[[bytes, str], None]

_XID = slice(4, 8)
_CHADDR = slice(28, 34)


class DhcpClientEndpoint:
    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        self._handlers: dict[bytes, AnswerHandler] = {}
        self._endpoint: UdpEndpoint | None = None
        self.unrouted = 0
        """Datagrams that matched no waiting phone (late, foreign, or garbage)."""

    async def open(self, local: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self._endpoint = await UdpEndpoint.open(self._datagram, local=local)

    @property
    def local_address(self) -> tuple[str, int]:
        assert self._endpoint is not None
        return self._endpoint.local_address

    def listen(self, xid: int, handler: AnswerHandler, mac: str | None = None) -> None:
        self._handlers[_key(xid, mac)] = handler

    def forget(self, xid: int, mac: str | None = None) -> None:
        self._handlers.pop(_key(xid, mac), None)

    def send(self, payload: bytes) -> None:
        assert self._endpoint is not None, "open() first"
        self._endpoint.sendto(payload, self.server)

    def _datagram(self, data: bytes, address: tuple[str, int]) -> None:
        self._deliver(data, f"{address[0]}:{address[1]}")

    def _deliver(self, data: bytes, source: str) -> None:
        handler = None
        if len(data) >= 34:
            handler = self._handlers.get(data[_XID] + data[_CHADDR]) or self._handlers.get(
                data[_XID]
            )
        if handler is None:
            self.unrouted += 1
            return
        handler(data, source)

    def close(self) -> None:
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None


def _key(xid: int, mac: str | None) -> bytes:
    key = xid.to_bytes(4, "big")
    return key + bytes.fromhex(mac.replace(":", "")) if mac else key
