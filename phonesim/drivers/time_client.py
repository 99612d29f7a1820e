"""The phone's SNTP query."""

from __future__ import annotations

from phonesim.codec.ntp import MalformedNtp, build_time_request, decode_time_response
from phonesim.core.events import TimeAnswered
from phonesim.drivers.udp import exchange


async def query_time(server: str, address: str, port: int, timeout: float) -> TimeAnswered:
    try:
        data = await exchange(
            build_time_request(), address, port, timeout, lambda data: len(data) >= 48
        )
        return TimeAnswered(server, decode_time_response(data))
    except TimeoutError:
        return TimeAnswered(server, None, f"no answer within {timeout:g} s")
    except OSError as error:
        return TimeAnswered(server, None, error.strerror or str(error))
    except MalformedNtp as error:
        return TimeAnswered(server, None, str(error))
