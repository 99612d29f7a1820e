"""The fleet's one-socket DNS answers exactly as the single phone's dnspython resolver does."""

from __future__ import annotations

import asyncio

from phonesim.drivers.dns_client import PhoneResolver
from phonesim.drivers.shared_resolver import SharedResolver
from phonesim.lab.dns_server import LabDnsServer, LabZone

ZONE = LabZone(
    origin="phonesim.test",
    srv={
        "_sipinternaltls._tcp.phonesim.test": [
            (0, 0, 5061, "pool01.phonesim.test"),
            (1, 5, 5061, "pool02.phonesim.test"),
        ]
    },
    a={"pool01.phonesim.test": ["127.0.0.1"], "web01.phonesim.test": ["127.0.0.1", "127.0.0.2"]},
)
QUESTIONS = [
    ("srv", "_sipinternaltls._tcp.phonesim.test"),  # answered
    ("srv", "_sip._tls.phonesim.test"),  # nxdomain
    ("srv", "pool01.phonesim.test"),  # name exists, no SRV: no_answer
    ("address", "web01.phonesim.test"),
    ("address", "nope.phonesim.test"),
    ("address", "www.example.com"),  # outside the zone: refused
]


def test_same_events_as_the_phone_resolver() -> None:
    async def scenario():
        server = LabDnsServer(ZONE)
        await server.start()
        single = PhoneResolver("127.0.0.1", server.port, 2.0)
        shared = SharedResolver("127.0.0.1", server.port, 2.0)
        await shared.open()
        try:
            expected = [await getattr(single, kind)(name) for kind, name in QUESTIONS]
            # All at once, twice over: answers must go to their own question.
            got = await asyncio.gather(*[getattr(shared, k)(n) for k, n in QUESTIONS * 2])
        finally:
            shared.close()
            await server.close()
        return expected, got

    expected, got = asyncio.run(scenario())
    assert got == expected * 2
    assert expected[1].error == "nxdomain" and expected[2].error == "no_answer"
    assert expected[5].error == "refused"


def test_a_silent_server_is_a_timeout() -> None:
    async def scenario():
        server = LabDnsServer(ZONE, silent=True)
        await server.start()
        shared = SharedResolver("127.0.0.1", server.port, 0.2)
        await shared.open()
        try:
            return await shared.address("web01.phonesim.test")
        finally:
            shared.close()
            await server.close()

    answer = asyncio.run(scenario())
    assert answer.addresses == () and answer.error == "timeout"
