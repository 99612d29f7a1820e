"""A lab pool's web services and a phone's client for it, on 127.0.0.1.

Tests are plain functions that run their scenario with asyncio.run; the fixture
`web_lab` hands them an async context manager that starts a fresh lab (with a fresh
CA), a client whose AddressBook knows the web FQDN and the lab's real ports, and
stops both afterwards. aiohttp's start() returns once the listeners accept, so no
test waits on a timer.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from phonesim.codec.ocauthws import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_PORT,
    ROOT_CHAIN_PATH,
    WEB_TICKET_PIN_PORT,
)
from phonesim.drivers.address_book import AddressBook
from phonesim.drivers.http_transport import PhoneHttpTransport
from phonesim.drivers.web_services import Pin, ServiceMetadata, WebServicesClient, WebTicket
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.directory import LabDirectory
from phonesim.lab.web_services import LabWebServices, WebFaults

WEB_FQDN = "web01.phonesim.test"
USER_AGENT = "CPE/4.0.7577.4100 OCPhone/4.0.7577.4100 (Microsoft Lync 2010 (Polycom CX600))"
ALICE = ("5551234", "13579")


@dataclass
class WebLab:
    lab: LabWebServices
    client: WebServicesClient
    book: AddressBook
    ca: LabCertificateAuthority
    fqdn: str = WEB_FQDN
    user_agent: str = USER_AGENT

    def url(self, path: str, *, secure: bool = True) -> str:
        return f"{'https' if secure else 'http'}://{self.fqdn}{path}"

    async def discover(self) -> tuple[ServiceMetadata, ServiceMetadata]:
        """CertProv metadata, then that of the Web Ticket service it names as issuer."""
        cert_prov = await self.client.fetch_metadata(self.url(CERT_PROV_PATH + "/mex"))
        issuer = cert_prov.issuer_for_port(CERT_PROV_PROOF_PORT)
        assert issuer is not None
        return cert_prov, await self.client.fetch_metadata(issuer + "/mex")

    async def ticket(self, username: str = ALICE[0], pin: str = ALICE[1]) -> WebTicket:
        cert_prov, web_ticket = await self.discover()
        return await self.client.request_web_ticket(
            web_ticket.ports[WEB_TICKET_PIN_PORT],
            applies_to=cert_prov.ports[CERT_PROV_PROOF_PORT],
            username=username,
            pin=Pin(pin),
        )

    def browser(self) -> httpx.AsyncClient:
        """Resolves and trusts as the phone does, for requests the phone's API has no call for."""
        trusted = ssl.create_default_context(
            cadata="".join(ssl.DER_cert_to_PEM_cert(der) for der in self.ca.chain)
        )
        return httpx.AsyncClient(transport=PhoneHttpTransport(self.book, verify=trusted))

    @property
    def cert_prov_address(self) -> str:
        return self.url(CERT_PROV_PATH + "/WebTicket_Proof_SHA1")


@contextlib.asynccontextmanager
async def _web_lab(
    *, faults: WebFaults | None = None, trust: bool = True, timeout: float = 5.0
) -> AsyncIterator[WebLab]:
    ca = LabCertificateAuthority.create(now=datetime.now(UTC))
    lab = LabWebServices(web_fqdn=WEB_FQDN, ca=ca, directory=LabDirectory.load(), faults=faults)
    await lab.start()
    book = AddressBook({80: lab.http_port, 443: lab.https_port})
    book.learn(WEB_FQDN, "127.0.0.1")
    client = WebServicesClient(address_book=book, user_agent=USER_AGENT, timeout=timeout)
    try:
        if trust:
            client.trust(await client.fetch_root_chain(f"http://{WEB_FQDN}{ROOT_CHAIN_PATH}"))
        yield WebLab(lab=lab, client=client, book=book, ca=ca)
    finally:
        await client.aclose()
        await lab.close()


@pytest.fixture
def web_lab() -> Callable[..., contextlib.AbstractAsyncContextManager[WebLab]]:
    return _web_lab
