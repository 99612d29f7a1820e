"""The phone's SNTP query; what it makes of an answer, or of none, is a plain function."""

from __future__ import annotations

from phonesim.codec.ntp import MalformedNtp, build_time_request, decode_time_response
from phonesim.core.events import TimeAnswered
from phonesim.drivers.udp import exchange


async def query_time(server: str, address: str, port: int, timeout: float) -> TimeAnswered:
    try:
        data = await exchange(
            build_time_request(), address, port, timeout, lambda data: len(data) >= 48
        )
    except OSError as error:  # TimeoutError is one
        return time_not_answered(server, error, timeout)
    return time_answer(server, data)


def time_answer(server: str, data: bytes) -> TimeAnswered:
    try:
        return TimeAnswered(server, decode_time_response(data))
    except MalformedNtp as error:
        return TimeAnswered(server, None, str(error))


def time_not_answered(server: str, error: OSError, timeout: float) -> TimeAnswered:
    if isinstance(error, TimeoutError):
        return TimeAnswered(server, None, f"no answer within {timeout:g} s")
    return TimeAnswered(server, None, error.strerror or str(error))
