"""The lab's DNS answers like an authoritative server, queried with dnspython over UDP."""

from __future__ import annotations

import asyncio

from phonesim.drivers.dns_client import PhoneResolver
from phonesim.lab.dns_server import LabDnsServer, LabZone

ZONE = LabZone(
    origin="phonesim.test",
    srv={"_sipinternaltls._tcp.phonesim.test": [(0, 0, 5061, "pool01.phonesim.test")]},
    a={"pool01.phonesim.test": ["127.0.0.1"]},
)


def ask(*queries: tuple[str, str]) -> list[object]:
    async def run() -> list[object]:
        server = LabDnsServer(ZONE)
        await server.start()
        resolver = PhoneResolver("127.0.0.1", server.port, timeout=2)
        try:
            answers = []
            for kind, name in queries:
                answers.append(
                    await (resolver.srv(name) if kind == "SRV" else resolver.address(name))
                )
            return answers
        finally:
            await server.close()

    return asyncio.run(run())


def test_srv_and_a_records_are_served() -> None:
    srv, a = ask(("SRV", "_sipinternaltls._tcp.phonesim.test"), ("A", "pool01.phonesim.test"))
    assert [(r.target, r.port) for r in srv.records] == [("pool01.phonesim.test", 5061)]
    assert a.addresses == ("127.0.0.1",)


def test_missing_names_are_nxdomain_and_foreign_names_refused() -> None:
    missing, empty_type, foreign = ask(
        ("SRV", "_sip._tls.phonesim.test"),
        ("SRV", "pool01.phonesim.test"),
        ("A", "www.example.com"),
    )
    assert missing.error == "nxdomain"
    assert empty_type.error == "no_answer"
    assert foreign.error == "refused"


def test_a_repeated_question_gets_the_same_answer_under_its_own_id() -> None:
    import dns.message

    from phonesim.lab.dns_server import LabDnsServer, LabZone

    server = LabDnsServer(LabZone("phonesim.test", a={"web01.phonesim.test": ["127.0.0.1"]}))
    for query_id in (1, 2, 0xBEEF):
        query = dns.message.make_query("web01.phonesim.test", "A")
        query.id = query_id
        reply = dns.message.from_wire(server.answer(query.to_wire()))
        assert reply.id == query_id
        assert [r.address for r in reply.answer[0]] == ["127.0.0.1"]
    missing = dns.message.make_query("nope.phonesim.test", "A")
    for _ in range(2):
        assert dns.message.from_wire(server.answer(missing.to_wire())).rcode() == 3  # NXDOMAIN
    assert server.counts == {"answered": 3, "nxdomain": 2}
