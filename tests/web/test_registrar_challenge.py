"""A Lync Front End's 401 offers NTLM, Kerberos and TLS-DSK, one `WWW-Authenticate` header
each and in that order. The phone must find TLS-DSK wherever it is listed, and the lab must
answer the way a Front End does, checked with a TLS client phonesim did not write."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from dataclasses import replace

from phonesim.codec.sip_message import parse_challenges, parse_response, pick_challenge
from phonesim.core.commands import Command, ConnectRegistrar
from phonesim.core.events import Event, RegistrarAnswered
from phonesim.core.outcome import Failure, Success
from phonesim.drivers.sip_client import register
from phonesim.lab.embedded_lab import EmbeddedLab
from tests.core.world import POOL, Boot, World
from tests.netns import require_tools

# The shape of a real Lync 2013 Front End's first 401 to REGISTER (header order, bare
# `version=4`, Kerberos's `sip/` target name, `Server: RTC/5.0`), with this test's names.
FRONT_END_401 = (
    b"SIP/2.0 401 Unauthorized\r\n"
    b"Date: Mon, 30 Nov 2026 09:12:40 GMT\r\n"
    b'WWW-Authenticate: NTLM realm="SIP Communications Service", '
    b'targetname="fe01.contoso.test", version=4\r\n'
    b'WWW-Authenticate: Kerberos realm="SIP Communications Service", '
    b'targetname="sip/fe01.contoso.test", version=4\r\n'
    b'WWW-Authenticate: TLS-DSK realm="SIP Communications Service", '
    b'targetname="fe01.contoso.test", version=4, '
    b'sts-uri="https://fe01.contoso.test:443/CertProv/CertProvisioningService.svc"\r\n'
    b"From: <sip:alice@contoso.test>;tag=8c1d\r\n"
    b"To: <sip:alice@contoso.test>;tag=77aa\r\n"
    b"Call-ID: 0f3a\r\n"
    b"CSeq: 1 REGISTER\r\n"
    b"Via: SIP/2.0/TLS 192.0.2.100:50123;branch=z9hG4bK1;ms-received-port=50123\r\n"
    b"Server: RTC/5.0\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)


def test_every_challenge_is_read_and_tls_dsk_is_picked() -> None:
    challenges = parse_challenges(parse_response(FRONT_END_401).headers)
    assert [c.scheme for c in challenges] == ["NTLM", "Kerberos", "TLS-DSK"]
    tls_dsk = pick_challenge(challenges, "tls-dsk")
    assert tls_dsk is not None
    assert tls_dsk.params["version"] == "4"
    assert tls_dsk.params["sts-uri"].endswith("/CertProv/CertProvisioningService.svc")
    assert tls_dsk.params["targetname"] == "fe01.contoso.test"


def test_the_phone_takes_up_tls_dsk_from_a_front_end_s_401() -> None:
    async def exchange() -> object:
        async def front_end(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(FRONT_END_401)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(front_end, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            command = ConnectRegistrar(
                host="fe01.contoso.test",
                address="127.0.0.1",
                port=5061,
                transport="tcp",
                sip_uri="sip:alice@contoso.test",
                call_id="0f3a",
                tag="8c1d",
                branch="z9hG4bK1",
                timeout=5,
            )
            return await register(command, real_port=port, trust=None, user_agent="test", timeout=5)
        finally:
            server.close()
            await server.wait_closed()

    answer = asyncio.run(exchange())
    assert answer.status == 401  # type: ignore[attr-defined]
    assert answer.auth_scheme == "TLS-DSK"  # type: ignore[attr-defined]
    assert answer.offered_schemes == ("NTLM", "Kerberos", "TLS-DSK")  # type: ignore[attr-defined]
    assert answer.sts_uri.startswith("https://fe01.contoso.test")  # type: ignore[attr-defined]


class NtlmOnlyPool(World):
    """A registrar whose 401 offers only NTLM and Kerberos (TLS-DSK switched off)."""

    def answer(self, command: Command, now: float) -> Event | None:
        answer = super().answer(command, now)
        if isinstance(answer, RegistrarAnswered) and answer.failure is None:
            return replace(answer, auth_scheme="NTLM", offered_schemes=("NTLM", "Kerberos"))
        return answer


def booted(world: World) -> Boot:
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    return boot


def test_a_401_without_tls_dsk_is_not_the_phone_s_challenge() -> None:
    boot = booted(NtlmOnlyPool())
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "registrar.unreachable"
    answer = boot.trace("answer", stage="registrar")
    assert answer.fields["offered_schemes"] == ["NTLM", "Kerberos"]


def test_reaching_the_challenge_is_not_called_signed_in() -> None:
    boot = booted(World())
    assert isinstance(boot.phone.outcome, Success)
    challenge = boot.trace("challenge", stage="registrar")
    assert challenge.fields["offered_schemes"] == ["NTLM", "Kerberos", "TLS-DSK"]
    last = boot.traces()[-1]
    assert (last.stage, last.event) == ("registrar", "challenge_reached")
    assert not boot.traces("signed_in")


def test_the_lab_registrar_answers_as_a_front_end_to_a_tls_client_it_did_not_write() -> None:
    require_tools("openssl")

    async def lab_port() -> tuple[EmbeddedLab, int]:
        lab = EmbeddedLab()
        endpoints = await lab.start()
        return lab, endpoints.port_map[5061]

    loop = asyncio.new_event_loop()
    lab, port = loop.run_until_complete(lab_port())
    register_request = (
        "REGISTER sip:phonesim.test SIP/2.0\r\n"
        "Via: SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bKopenssl\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@phonesim.test>;tag=1\r\n"
        "To: <sip:alice@phonesim.test>\r\n"
        "Call-ID: openssl-1\r\n"
        "CSeq: 1 REGISTER\r\n"
        "Contact: <sip:127.0.0.1:5070;transport=tls>\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    try:
        client = subprocess.Popen(
            [
                shutil.which("openssl") or "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{port}",
                "-quiet",
                "-ign_eof",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        # The lab serves while openssl talks to it; openssl ends when the lab has answered
        # and the 2 s read deadline below passes.
        task = loop.run_in_executor(
            None, lambda: client.communicate(register_request.encode(), timeout=20)
        )

        async def until_answered() -> bytes:
            assert lab.registrar is not None
            for _ in range(400):
                if lab.registrar.counts["challenged"]:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
            client.terminate()
            out, _ = await task
            return out

        output = loop.run_until_complete(until_answered()).decode()
    finally:
        loop.run_until_complete(lab.close())
        loop.close()
    lines = output.split("\r\n")
    assert lines[0] == "SIP/2.0 401 Unauthorized", output
    schemes = [line.split(":", 1)[1].split()[0] for line in lines if line.startswith("WWW-Auth")]
    assert schemes == ["NTLM", "Kerberos", "TLS-DSK"]
    assert any(line.startswith("Server: RTC/") for line in lines)
