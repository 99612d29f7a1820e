"""The aiohttp servers add nothing to what LabWebCore answers: the same request gets the
same status, headers that matter and bytes over a socket as from the core in memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from phonesim.codec.ocauthws import CERT_PROV_PATH, ROOT_CHAIN_PATH, WEB_TICKET_PATH
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.directory import LabDirectory
from phonesim.lab.web_core import WebRequest
from phonesim.lab.web_services import LabWebServices, WebFaults

WEB = "web01.phonesim.test"
REQUESTS = [
    ("GET", ROOT_CHAIN_PATH, WEB),
    ("GET", ROOT_CHAIN_PATH + "/", WEB),  # no route: aiohttp's 404
    ("POST", ROOT_CHAIN_PATH, WEB),  # a route, not this method: 405 with Allow
    ("GET", CERT_PROV_PATH, WEB),  # the service page without ?wsdl
    ("GET", CERT_PROV_PATH + "?wsdl", WEB),
    ("GET", WEB_TICKET_PATH + "/mex", WEB),
    ("POST", WEB_TICKET_PATH + "/WinNegotiate", WEB),
    ("GET", "/broken", WEB),  # a scenario's fault status
    ("GET", CERT_PROV_PATH + "/mex", "pool01.phonesim.test"),  # another site's name
]


def test_over_a_socket_the_lab_answers_what_its_core_answers() -> None:
    lab = LabWebServices(
        web_fqdn=WEB,
        ca=LabCertificateAuthority.create(now=datetime.now(UTC)),
        directory=LabDirectory.load(),
        faults=WebFaults(status_by_path={"/broken": 503}),
    )

    async def over_sockets() -> list[tuple[int, str, str | None, bytes]]:
        await lab.start()
        answers = []
        try:
            async with httpx.AsyncClient(verify=False) as client:
                for method, target, host in REQUESTS:
                    response = await client.request(
                        method,
                        f"https://127.0.0.1:{lab.https_port}{target}",
                        headers={"Host": host},
                    )
                    answers.append(
                        (
                            response.status_code,
                            response.headers.get("Content-Type"),
                            response.headers.get("Allow"),
                            response.content,
                        )
                    )
        finally:
            await lab.close()
        return answers

    live = asyncio.run(over_sockets())
    in_memory = []
    for method, target, host in REQUESTS:
        reply = lab.core.handle(
            WebRequest(scheme="https", method=method, target=target, headers={"Host": host})
        )
        headers = httpx.Headers(dict(reply.headers))
        in_memory.append(
            (reply.status, headers.get("Content-Type"), headers.get("Allow"), reply.body)
        )
    assert live == in_memory
    assert [status for status, *_ in live] == [200, 404, 405, 200, 200, 200, 401, 503, 404]
