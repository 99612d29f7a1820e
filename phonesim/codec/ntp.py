"""SNTP (RFC 4330) client request and server answer, built and read with scapy."""

from __future__ import annotations

from phonesim.errors import PhonesimError

NTP_EPOCH_OFFSET = 2_208_988_800
"""Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix)."""

MODE_CLIENT = 3
MODE_SERVER = 4


class MalformedNtp(PhonesimError):
    """An NTP packet phonesim cannot read."""


def build_time_request() -> bytes:
    """A client-mode SNTPv4 request; the transmit time is left zero, as SNTP clients may."""
    from scapy.layers.ntp import NTPHeader

    return bytes(NTPHeader(version=4, mode=MODE_CLIENT, sent=0))


def build_time_response(request: bytes, server_unix: float, stratum: int = 2) -> bytes:
    """A server-mode answer: originate = the client's transmit time, so the client can match it."""
    from scapy.layers.ntp import NTPHeader

    asked = _dissect(request)
    ntp_now = server_unix + NTP_EPOCH_OFFSET
    return bytes(
        NTPHeader(
            version=asked.version,
            mode=MODE_SERVER,
            stratum=stratum,
            ref_id=b"LAB\x00",
            ref=ntp_now,
            orig=asked.sent,
            recv=ntp_now,
            sent=ntp_now,
        )
    )


def is_time_request(data: bytes) -> bool:
    try:
        return int(_dissect(data).mode) == MODE_CLIENT
    except MalformedNtp:
        return False


def decode_time_response(data: bytes) -> float:
    """The server's transmit time as Unix seconds."""
    answer = _dissect(data)
    if int(answer.mode) != MODE_SERVER:
        raise MalformedNtp(f"expected a server-mode answer (4), got mode {answer.mode}")
    if int(answer.stratum) == 0:
        raise MalformedNtp("kiss-o'-death answer (stratum 0): the server refuses to serve time")
    sent = float(answer.sent or 0)
    if sent == 0:
        raise MalformedNtp("answer carries no transmit time")
    return sent - NTP_EPOCH_OFFSET


def _dissect(data: bytes):  # type: ignore[no-untyped-def]
    from scapy.layers.ntp import NTPHeader

    if len(data) < 48:
        raise MalformedNtp(f"{len(data)} bytes; an NTP header is 48")
    try:
        return NTPHeader(data[:48])
    except Exception as error:  # scapy raises assorted types on bad input
        raise MalformedNtp(f"cannot dissect: {error}") from error
