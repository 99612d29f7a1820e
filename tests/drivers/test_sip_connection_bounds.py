"""A registrar's answer over the profile's bounds in the middle of a sign-in is a named
failure of that exchange, not an exception out of the driver."""

from __future__ import annotations

import asyncio

from phonesim.codec.sip_message import SipLimits
from phonesim.core.commands import SendSipMessage
from phonesim.drivers.sip_client import SipConnection


class _Registrar:
    """Stands for the socket: what the registrar sends, in 4 KiB reads."""

    def __init__(self, sent: bytes) -> None:
        self._sent = sent

    async def read(self, size: int) -> bytes:
        chunk, self._sent = self._sent[:size], self._sent[size:]
        return chunk

    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False


def _exchange(sent: bytes, limits: SipLimits):
    connection = SipConnection(_Registrar(sent), limits)  # type: ignore[arg-type]
    command = SendSipMessage("pool01", "127.0.0.1", 5061, b"REGISTER", 5.0)
    return asyncio.run(connection.exchange(command))


def test_too_many_headers_fail_the_exchange_naming_the_bound() -> None:
    answer = b"SIP/2.0 200 OK\r\n" + b"X: y\r\n" * 20 + b"Content-Length: 0\r\n\r\n"
    received = _exchange(answer, SipLimits(max_headers=10))
    assert received.failure is not None
    assert received.failure.kind == "malformed"
    assert "(sip.max_headers)" in received.failure.detail


def test_an_answer_within_the_bounds_is_handed_over() -> None:
    answer = b"SIP/2.0 200 OK\r\nX: y\r\nContent-Length: 0\r\n\r\n"
    received = _exchange(answer, SipLimits())
    assert received.failure is None
    assert received.data == answer
