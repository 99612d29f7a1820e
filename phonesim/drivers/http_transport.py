"""HTTP(S) as the phone does it: names resolved by the phone, TLS checked against the name.

httpx would resolve a URL's host through the system resolver; a phone uses the
addresses its own DNS server gave it (the AddressBook). So each request is sent to
the learned address (and, in the lab, to the real port behind a standard one) while
the `Host` header and the TLS server name stay the FQDN: the server sees the
virtual host it expects, and the certificate is checked against the name, not the IP.
"""

from __future__ import annotations

import abc
import ipaddress
import ssl
from typing import Protocol

import httpx

from phonesim.codec.certificate import CertificateSummary
from phonesim.drivers.address_book import CURRENT_ADDRESS_BOOK, AddressBook
from phonesim.drivers.trust import presented_certificate, trust_context
from phonesim.drivers.web_failure import WebServiceFailure

_DEFAULT_PORTS = {"http": 80, "https": 443}
# httpx keeps 20 idle connections by default; a fleet's phones share this pool,
# and every connection closed for lack of room is a TLS handshake to redo.
POOL_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=64)


class PhoneTransport(httpx.AsyncBaseTransport, abc.ABC):
    """What a phone's web client needs of the transport under it, beyond httpx's interface."""

    @abc.abstractmethod
    def verify_with(self, verify: ssl.SSLContext | bool) -> None:
        """New connections verify servers with `verify`."""

    @abc.abstractmethod
    async def presented_certificate(self, url: str, timeout: float) -> CertificateSummary | None:
        """The certificate the server behind `url` presents, unchecked (for reports)."""


class TransportFactory(Protocol):
    def __call__(
        self, address_book: AddressBook | None = None, *, verify: ssl.SSLContext | bool = False
    ) -> PhoneTransport: ...


class PhoneHttpTransport(PhoneTransport):
    def __init__(
        self,
        address_book: AddressBook | None = None,
        *,
        verify: ssl.SSLContext | bool | None = None,
    ) -> None:
        """Without an address book, each request uses the one of the phone whose task sends
        it (CURRENT_ADDRESS_BOOK): one transport then serves a whole fleet. Without
        `verify`, HTTPS verifies every server and trusts none, as a phone out of its box:
        a caller that forgets to say gets no unverified TLS."""
        self._address_book = address_book
        self._inner = _connection_pool(trust_context(()) if verify is None else verify)
        self._retired: list[httpx.AsyncBaseTransport] = []

    def verify_with(self, verify: ssl.SSLContext | bool) -> None:
        """New connections verify with `verify`; requests already in flight keep their
        connection, so the old pool is closed only with this transport."""
        self._retired.append(self._inner)
        self._inner = _connection_pool(verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        address, port = self._destination(url)
        if address != url.host:
            request.extensions = {**request.extensions, "sni_hostname": url.host}
        request.url = url.copy_with(host=address, port=port)
        try:
            return await self._inner.handle_async_request(request)
        except Exception as error:
            refused = _refused_answer(error, str(url))
            if refused is None:
                raise
            raise refused from error

    def _book(self) -> AddressBook:
        book = self._address_book or CURRENT_ADDRESS_BOOK.get()
        if book is None:
            raise RuntimeError("no address book: give one, or set CURRENT_ADDRESS_BOOK")
        return book

    def _destination(self, url: httpx.URL) -> tuple[str, int]:
        return destination(url, self._book())

    async def presented_certificate(self, url: str, timeout: float) -> CertificateSummary | None:
        parsed = httpx.URL(url)
        address, port = self._destination(parsed)
        return await presented_certificate(address, port, parsed.host, timeout)

    async def aclose(self) -> None:
        for transport in [*self._retired, self._inner]:
            await transport.aclose()
        self._retired.clear()


def destination(url: httpx.URL, book: AddressBook) -> tuple[str, int]:
    """The learned address and real port a URL's request goes to."""
    host = url.host
    if _is_ip_literal(host):
        address = host
    else:
        learned = book.address_of(host)
        if learned is None:
            raise WebServiceFailure("unresolved", str(url), f"the phone has no address for {host}")
        address = learned
    port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme, 80)
    return address, book.real_port(port)


def _connection_pool(verify: ssl.SSLContext | bool) -> httpx.AsyncBaseTransport:
    """httpx's requests, carried by aiohttp's connection pool.

    httpcore's pool costs several milliseconds of CPU per request once many
    requests share it (its TLS runs through Python-level memory BIOs and it
    reassigns every queued request on each event), which bounds a fleet to a
    few phones per second; aiohttp's pool does the same work in a fraction.
    """
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport(verify=verify, limits=POOL_LIMITS, trust_env=False)


_HEADER_BOUNDS = ("too many headers", "when reading header line", "got more than")
"""How aiohttp's parser words an answer head over its own bounds."""


def _refused_answer(error: Exception, url: str) -> WebServiceFailure | None:
    """An answer aiohttp's parser refused (its status 400 is the client's verdict, not the
    server's), as the phone's failure; httpx-aiohttp passes these through unmapped."""
    import aiohttp

    if not isinstance(error, aiohttp.ClientResponseError) or isinstance(
        error, aiohttp.ContentTypeError
    ):
        return None
    text = str(error.message)
    if any(words in text.lower() for words in _HEADER_BOUNDS):
        bound = " (web.max_headers)" if "many" in text.lower() else ""
        return WebServiceFailure("too_large", url, text + bound)
    return WebServiceFailure("malformed", url, f"an answer head the phone cannot read: {text}")


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
