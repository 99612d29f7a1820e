"""The phone's HTTP(S) to the lab's web core, in memory.

It stands where `PhoneHttpTransport` stands under the phone's own web client
(httpx, and zeep above it), so every byte the phone reads is parsed by the code
that parses it live. A request goes where the phone's address book says, as live;
the lab answers on its address at ports 80 (HTTP) and 443 (HTTPS), and refuses
anything else as a loopback host does. HTTPS costs a real TLS handshake in memory
against the lab's server certificate, verified with the trust the phone built.
"""

from __future__ import annotations

import errno
import os
import ssl
from collections.abc import Callable

import httpx

from phonesim.codec.certificate import CertificateSummary, summarize_certificate
from phonesim.drivers.address_book import AddressBook
from phonesim.drivers.http_transport import PhoneTransport, destination
from phonesim.errors import PhonesimError
from phonesim.lab.web_core import LabWebCore, WebRequest
from phonesim.testing.memory_tls import handshake, presented_certificate

HTTP_PORT = 80
HTTPS_PORT = 443


def refused() -> ConnectionRefusedError:
    """What connecting to a port nothing listens on raises on a loopback host."""
    return ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))


class LabWebSite:
    """The lab's web server as the network sees it: an address, two ports, a certificate."""

    def __init__(
        self, core: LabWebCore, *, address: str, tls: Callable[[], ssl.SSLContext]
    ) -> None:
        self.core = core
        self.address = address
        self._make_tls = tls
        self._tls: ssl.SSLContext | None = None

    def tls_for(self, address: str, port: int) -> ssl.SSLContext | None:
        """The TLS context serving (address, port): None for plain HTTP; refused elsewhere."""
        if address != self.address or port not in (HTTP_PORT, HTTPS_PORT):
            raise refused()
        if port != HTTPS_PORT:
            return None
        if self._tls is None:
            # Made when first needed: many boots stop before their first HTTPS request.
            self._tls = self._make_tls()
        return self._tls


class LabHttpTransport(PhoneTransport):
    def __init__(
        self,
        address_book: AddressBook | None = None,
        *,
        verify: ssl.SSLContext | bool = False,
        site: LabWebSite,
    ) -> None:
        if address_book is None:
            raise ValueError("the in-memory lab needs the phone's address book")
        self._book = address_book
        self._site = site
        self._verify = verify
        # One handshake per server name and trust: the answer cannot change between
        # requests, and each handshake costs a few milliseconds.
        self._checked: dict[tuple[str | None, int], bytes] = {}

    def verify_with(self, verify: ssl.SSLContext | bool) -> None:
        self._verify = verify
        self._checked.clear()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        address, port = destination(url, self._book)
        try:
            server = self._site.tls_for(address, port)
        except ConnectionRefusedError as error:
            raise httpx.ConnectError(str(error), request=request) from error
        if url.scheme == "https":
            try:
                self._check(server, url.host)
            except ssl.SSLError as error:
                raise httpx.ConnectError(str(error), request=request) from error
        elif server is not None:
            # Plain HTTP to the TLS port: the server drops a greeting it cannot read.
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        reply = self._site.core.handle(
            WebRequest(
                scheme="https" if server is not None else "http",
                method=request.method,
                target=url.raw_path.decode("ascii"),
                headers=httpx.Headers(request.headers),
                body=await request.aread(),
            )
        )
        return httpx.Response(
            reply.status, headers=dict(reply.headers), content=reply.body, request=request
        )

    def _check(self, server: ssl.SSLContext | None, host: str) -> None:
        if not isinstance(self._verify, ssl.SSLContext):
            raise ssl.SSLError("the phone has no TLS context to verify with")
        key = (host, id(server))
        if key not in self._checked:
            self._checked[key] = handshake(self._verify, server, host)

    async def presented_certificate(self, url: str, timeout: float) -> CertificateSummary | None:
        parsed = httpx.URL(url)
        try:
            server = self._site.tls_for(*destination(parsed, self._book))
            if server is None:
                return None
            return summarize_certificate(presented_certificate(server, parsed.host))
        except (OSError, PhonesimError):
            return None

    async def aclose(self) -> None:
        self._checked.clear()


def lab_transport(site: LabWebSite) -> Callable[..., PhoneTransport]:
    """A transport factory for WebServicesClient: every client reaches `site`."""

    def make(
        address_book: AddressBook | None = None, *, verify: ssl.SSLContext | bool = False
    ) -> PhoneTransport:
        return LabHttpTransport(address_book, verify=verify, site=site)

    return make
