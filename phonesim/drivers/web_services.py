"""The phone's side of the pool's web services: root chain, metadata, web ticket, certificate.

Plain GETs (root chain, mex) go through httpx; the two SOAP calls are posted to the
addresses the phone read from mex, written as zeep writes them (`client_requests`)
and their answers read by zeep against the WSDL files phonesim ships — never
fetched, because zeep loads WSDL synchronously and the lab often runs in this
very event loop. Every way a call can go wrong comes out as one
WebServiceFailure whose `kind` tells the phone, and whoever reads its report, where
it stopped.

zeep is imported on the first SOAP call, so that importing this module (and
`phonesim --help`) stays fast.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import importlib
import logging
import os
import ssl
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from phonesim.codec.certificate import certificates_from_pkcs7, summarize_certificate
from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.client_replies import (
    CertificateAnswer,
    read_certificate_answer,
    read_ticket_answer,
)
from phonesim.codec.ocauthws.client_requests import (
    SoapRequest,
    get_and_publish_cert_request,
    issue_token_request,
)
from phonesim.codec.ocauthws.diagnostics import HEADER as DIAGNOSTICS_HEADER
from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, parse_header, read_error_id
from phonesim.codec.ocauthws.endpoints import (
    CERT_PROV_PROOF_PORT,
    WEB_TICKET_PIN_PORT,
)
from phonesim.codec.ocauthws.faults import read_ms_diagnostics
from phonesim.codec.ocauthws.metadata import ServiceMetadata, parse_metadata
from phonesim.codec.ocauthws.pin_formats import DEFAULT_PIN_FORMAT
from phonesim.codec.ocauthws.saml import find_assertion, read_assertion
from phonesim.codec.ocauthws.soap import read_envelope, read_fault
from phonesim.codec.ocauthws.wsdl import CERT_PROV_WSDL, WEB_TICKET_WSDL, wsdl_path
from phonesim.codec.web_address import is_tls_url
from phonesim.core.identity import Pin
from phonesim.drivers.address_book import AddressBook
from phonesim.drivers.http_transport import PhoneHttpTransport, TransportFactory
from phonesim.drivers.trust import trust_context
from phonesim.drivers.web_bounds import (
    DEFAULT_WEB_LIMITS,
    IDENTITY,
    BoundedTransport,
    WebLimits,
    check_xml_depth,
)
from phonesim.drivers.web_failure import WebServiceFailure
from phonesim.errors import MalformedCertificate, MalformedServiceDocument

__all__ = [
    "MsDiagnostics",
    "Pin",
    "ServiceMetadata",
    "WebServiceFailure",
    "WebServicesClient",
    "WebTicket",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebTicket:
    assertion_xml: str = field(repr=False)
    """The saml:Assertion exactly as issued; a bearer credential, so kept out of repr."""
    sip_uri: str
    expires: datetime
    assertion_id: str


class WebServicesClient:
    """One phone's web-service client. HTTPS trusts nothing until `trust()` is called
    with the chain the phone downloaded, exactly as a phone out of the box."""

    def __init__(
        self,
        *,
        address_book: AddressBook | None = None,
        user_agent: str,
        timeout: float,
        chain: Sequence[bytes] = (),
        transport: TransportFactory = PhoneHttpTransport,
        limits: WebLimits = DEFAULT_WEB_LIMITS,
    ) -> None:
        """`transport` carries the requests: the network by default; a test may put a
        lab in memory there, which then verifies servers with the same trust. `limits`
        bound every answer (see `web_bounds`)."""
        self._timeout = timeout
        self._limits = limits
        self._transport = transport(address_book, verify=trust_context(chain))
        self._http = httpx.AsyncClient(
            transport=BoundedTransport(self._transport, limits),
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept-Encoding": IDENTITY},
            trust_env=False,
            follow_redirects=False,
        )
        self._soap_transport: Any = None
        self._soap_clients: dict[str, Any] = {}

    async def fetch_root_chain(self, url: str) -> list[bytes]:
        response = await self._get(url)
        try:
            chain = certificates_from_pkcs7(response.content)
        except MalformedCertificate as exc:
            raise WebServiceFailure("malformed", url, str(exc)) from None
        if not chain:
            raise WebServiceFailure("malformed", url, "the PKCS#7 bundle holds no certificate")
        log.info("root chain from %s: %d certificate(s)", url, len(chain))
        return chain

    def trust(self, chain: Sequence[bytes]) -> None:
        self._transport.verify_with(trust_context(chain))
        log.info("HTTPS now trusts %d downloaded certificate(s) and nothing else", len(chain))

    async def fetch_metadata(self, url: str) -> ServiceMetadata:
        response = await self._get(url)
        try:
            metadata = parse_metadata(response.content)
        except MalformedServiceDocument as exc:
            raise WebServiceFailure("malformed", url, str(exc)) from None
        log.info("metadata from %s: ports %s", url, ", ".join(metadata.ports))
        return metadata

    async def request_web_ticket(
        self,
        address: str,
        *,
        applies_to: str,
        username: str,
        pin: Pin,
        pin_format: str = DEFAULT_PIN_FORMAT,
    ) -> WebTicket:
        from phonesim.codec.ocauthws.pin_credentials import pin_security_header

        _refuse_plain_http(address, "the PIN")
        request = issue_token_request(
            address,
            applies_to=applies_to,
            security=pin_security_header(username, pin.reveal(), pin_format),
        )
        log.info("web ticket requested from %s for %r (%s)", address, username, pin_format)
        async with self._failures(address):
            response = await self._post(address, request)
            assertions = read_ticket_answer(response.content) if _plain_answer(response) else None
            if assertions is None:
                result = self._zeep_reply(
                    WEB_TICKET_WSDL, WEB_TICKET_PIN_PORT, "IssueToken", response
                )
                assertions = _assertions_from(result)
        ticket = _ticket_from(assertions, address)
        log.info("web ticket for %s, valid until %s", ticket.sip_uri, ticket.expires.isoformat())
        return ticket

    async def get_and_publish_cert(
        self,
        address: str,
        *,
        ticket: WebTicket,
        entity: str,
        device_id: str,
        csr_der: bytes,
        request_id: str,
        created: datetime,
    ) -> bytes:
        """DER of the user certificate the pool issued. `device_id` may be given with or
        without braces; it is sent as {GUID}, as the protocol writes it. `created` is the
        phone's clock, the security timestamp's `Created` (see `codec.ocauthws.security`)."""
        from phonesim.codec.ocauthws.security import ticket_security_header

        _refuse_plain_http(address, "the web ticket")
        try:
            header = ticket_security_header(
                ticket.assertion_xml, created=created, expires=ticket.expires
            )
        except MalformedServiceDocument as exc:
            raise WebServiceFailure("malformed", address, str(exc)) from None
        request = get_and_publish_cert_request(
            address,
            security=header,
            csr_base64=base64.b64encode(csr_der).decode("ascii"),
            request_id=request_id,
            device_id=_braced(device_id),
            entity=entity,
        )
        log.info("certificate requested from %s for %s", address, entity)
        async with self._failures(address):
            response = await self._post(address, request)
            answer = read_certificate_answer(response.content) if _plain_answer(response) else None
            if answer is None:
                result = self._zeep_reply(
                    CERT_PROV_WSDL, CERT_PROV_PROOF_PORT, "GetAndPublishCert", response
                )
                answer = _certificate_answer_from(result)
        certificate = _certificate_from(answer, address)
        log.info("certificate issued for %s", entity)
        return certificate

    async def aclose(self) -> None:
        if self._soap_transport is not None:
            self._soap_transport.wsdl_client.close()
        await self._http.aclose()

    async def __aenter__(self) -> WebServicesClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # -- plumbing ------------------------------------------------------------

    async def _get(self, url: str) -> httpx.Response:
        log.debug("GET %s", url)
        async with self._failures(url):
            response = await self._http.get(url)
        check_xml_depth(response.content, url, self._limits)
        if not response.is_success:
            raise WebServiceFailure(
                "http_status",
                url,
                response.reason_phrase or "unexpected status",
                http_status=response.status_code,
                diagnostics=parse_header(response.headers.get(DIAGNOSTICS_HEADER, "")),
            )
        return response

    async def _post(self, address: str, request: SoapRequest) -> httpx.Response:
        if self._soap_transport is None:
            self._soap_transport = _soap_transport_class()(self._http)
        response: httpx.Response = await self._soap_transport.post(
            address, request.envelope, request.headers
        )
        check_xml_depth(response.content, address, self._limits)
        return response

    def _zeep_reply(self, wsdl: str, binding: str, operation: str, response: httpx.Response) -> Any:
        """The answer as zeep reads it against the WSDL."""
        client = self._soap_clients.get(wsdl)
        if client is None:
            client = _zeep("zeep").AsyncClient(
                wsdl=_wsdl_document(wsdl), transport=self._soap_transport, settings=_settings()
            )
            self._soap_clients[wsdl] = client
        bound = client.wsdl.bindings[f"{{{ns.AUTH_WEB_SERVICES}}}{binding}"]
        # zeep reads the status, headers, body and encoding of the answer, all of which an
        # httpx response has: no copy into a requests.Response, as zeep's transport makes.
        return bound.process_reply(client, bound.get(operation), response)

    @contextlib.asynccontextmanager
    async def _failures(self, url: str) -> AsyncIterator[None]:
        try:
            yield
        except WebServiceFailure:
            raise
        except httpx.TransportError as exc:
            # The cause decides, not the httpx class: the connection pool below
            # reports some refusals and TLS failures as timeouts.
            tls = _in_chain(exc, ssl.SSLError)
            if tls is not None:
                presented = None
                if isinstance(tls, ssl.SSLCertVerificationError):
                    presented = await self._transport.presented_certificate(url, self._timeout)
                raise WebServiceFailure(
                    "tls", url, _describe_ssl(tls), presented=presented
                ) from exc
            refused = _in_chain(exc, ConnectionError)
            if refused is not None:
                raise WebServiceFailure("connect", url, _os_error_text(refused)) from exc
            if isinstance(exc, httpx.TimeoutException) or _in_chain(exc, TimeoutError):
                raise WebServiceFailure(
                    "timeout", url, f"no answer within {self._timeout:g} s ({type(exc).__name__})"
                ) from exc
            raise WebServiceFailure("connect", url, str(exc) or type(exc).__name__) from exc
        except (MalformedServiceDocument, MalformedCertificate) as exc:
            raise WebServiceFailure("malformed", url, str(exc)) from exc
        except httpx.InvalidURL as exc:
            raise WebServiceFailure(
                "malformed", url, f"not a URL the phone can use: {exc}"
            ) from exc
        except Exception as exc:
            # Every network step ends in an answer to the phone: what a library raises
            # while reading a hostile answer (requests_toolbelt's multipart decoder raises
            # AttributeError, zeep IndexError) is an answer that could not be read.
            failure = _zeep_failure(url, exc) or WebServiceFailure(
                "malformed", url, f"the answer could not be read ({type(exc).__name__}: {exc})"
            )
            raise failure from exc


_Cause = TypeVar("_Cause", bound=BaseException)


def _in_chain(exc: BaseException, kind: type[_Cause]) -> _Cause | None:
    """The innermost exception of `kind` among `exc` and its causes: the original
    error, not a library's wrapper of it (aiohttp wraps TLS errors in a subclass)."""
    seen: set[int] = set()
    found: _Cause | None = None
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            found = current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return found


def _os_error_text(error: OSError) -> str:
    if error.errno:
        return os.strerror(error.errno)
    return error.strerror or str(error)


def _describe_ssl(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {error.verify_message}"
    return error.reason or str(error)


def _refuse_plain_http(address: str, secret: str) -> None:
    """The PIN and the web ticket go over TLS only, whatever the metadata says: a server
    that names a plain-HTTP endpoint would have them travel in clear text."""
    if not is_tls_url(address):
        raise WebServiceFailure(
            "tls", address, f"not an https address: {secret} is sent over verified TLS only"
        )


def _braced(device_id: str) -> str:
    device_id = device_id.strip()
    return device_id if device_id.startswith("{") else f"{{{device_id}}}"


def _plain_answer(response: httpx.Response) -> bool:
    """An answer `client_replies` may read: zeep treats any other status, and a
    multipart one, in ways of its own."""
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return response.status_code == 200 and media_type != "multipart/related"


def _assertions_from(result: Any) -> list[Any]:
    """What zeep found in each response's token slot."""
    # zeep unwraps a wrapper element with a single child: the collection comes back
    # as the list of its responses.
    if isinstance(result, list):
        responses = result
    else:
        responses = getattr(result, "RequestSecurityTokenResponse", None) or []
    return [
        _any_element(getattr(response, "RequestedSecurityToken", None)) for response in responses
    ]


def _ticket_from(tokens: list[Any], address: str) -> WebTicket:
    for token in tokens:
        assertion = find_assertion(token)
        if assertion is None:
            continue
        try:
            facts = read_assertion(assertion)
        except MalformedServiceDocument as exc:
            raise WebServiceFailure("malformed", address, str(exc)) from None
        from lxml import etree

        return WebTicket(
            assertion_xml=etree.tostring(assertion, encoding="unicode"),
            sip_uri=facts.sip_uri,
            expires=facts.not_on_or_after,
            assertion_id=facts.assertion_id,
        )
    raise WebServiceFailure("malformed", address, "the answer holds no saml:Assertion")


def _any_element(token: Any) -> Any:
    """The element zeep left unparsed in an xs:any slot."""
    if token is None:
        return None
    value = getattr(token, "_value_1", None)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def _certificate_answer_from(result: Any) -> CertificateAnswer:
    """The token's text and the ErrorInfo, as zeep read them."""
    error = getattr(result, "ErrorInfo", None)
    response = getattr(result, "RequestSecurityTokenResponse", None)
    token = getattr(getattr(response, "RequestedSecurityToken", None), "BinarySecurityToken", None)
    text = getattr(token, "_value_1", None)
    return CertificateAnswer(
        token_text=None if text is None else str(text),
        error=None if error is None else (_error_id(error.ErrorId), str(error.Reason or "")),
    )


def _error_id(value: object) -> int | None:
    """zeep gives None for an empty or unreadable xs:int, and any int for a readable one."""
    return None if value is None else read_error_id(str(value))


def _certificate_from(answer: CertificateAnswer, address: str) -> bytes:
    if answer.error is not None:
        error_id, reason = answer.error
        diagnostics = None if error_id is None else MsDiagnostics(error_id=error_id, reason=reason)
        raise WebServiceFailure("rejected", address, reason or "refused", diagnostics=diagnostics)
    text = answer.token_text
    if not text:
        raise WebServiceFailure("malformed", address, "the answer holds no certificate")
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
        summarize_certificate(der)
    except (ValueError, MalformedCertificate) as exc:
        raise WebServiceFailure("malformed", address, f"the issued certificate: {exc}") from None
    return der


def _soap_failure(address: str, response: httpx.Response) -> WebServiceFailure | None:
    """What went wrong, judged on the HTTP answer itself, where the X-Ms-diagnostics
    header is still at hand (zeep's Fault does not carry HTTP headers)."""
    status = response.status_code
    content = response.content
    if 200 <= status < 300 and b"Fault" not in content:
        return None
    header = parse_header(response.headers.get(DIAGNOSTICS_HEADER, ""))
    try:
        fault = read_fault(read_envelope(content, "SOAP answer")) if content else None
    except MalformedServiceDocument:
        fault = None
    if fault is not None:
        source = header.source if header else None
        diagnostics = read_ms_diagnostics(fault.detail, source) or header
        return WebServiceFailure(
            "fault",
            address,
            fault.reason or fault.code or "SOAP fault",
            http_status=status,
            diagnostics=diagnostics,
            fault_code=fault.qualified_code or None,
            server_date=_server_date(response),
        )
    if 200 <= status < 300:
        return None
    return WebServiceFailure(
        "http_status",
        address,
        response.reason_phrase or "unexpected status",
        http_status=status,
        diagnostics=header,
        server_date=_server_date(response),
    )


def _server_date(response: httpx.Response) -> datetime | None:
    """The server's clock when it answered, from its `Date` header; None without one."""
    try:
        date = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    # HTTP dates are GMT; a zone of -0000 reads as naive, and naive would read as local.
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def _zeep_failure(url: str, exc: Exception) -> WebServiceFailure | None:
    if "zeep" not in sys.modules:
        return None
    from lxml import etree

    exceptions = _zeep("zeep.exceptions")
    if isinstance(exc, exceptions.Fault):
        return WebServiceFailure(
            "fault", url, exc.message or "SOAP fault", diagnostics=read_ms_diagnostics(exc.detail)
        )
    if isinstance(exc, exceptions.TransportError):
        status = exc.status_code or None
        if status is not None and not 200 <= status < 300:
            return WebServiceFailure("http_status", url, "unexpected status", http_status=status)
        return WebServiceFailure("malformed", url, "the answer is not readable XML")
    if isinstance(exc, exceptions.Error | etree.XMLSyntaxError):
        return WebServiceFailure("malformed", url, f"{type(exc).__name__}: {exc}")
    return None


@functools.cache
def _settings() -> Any:
    return _zeep("zeep").Settings(
        strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )


@functools.cache
def _wsdl_document(name: str) -> Any:
    """Parsed once per process: every phone of a fleet shares it."""

    class LocalOnly(_zeep("zeep.transports").Transport):  # type: ignore[misc]
        def _load_remote_data(self, url: str) -> bytes:
            raise MalformedServiceDocument(name, f"refers to {url}; shipped WSDL must be whole")

    return _zeep("zeep.wsdl").Document(str(wsdl_path(name)), LocalOnly(), settings=_settings())


@functools.cache
def _soap_transport_class() -> type:
    class PhoneSoapTransport(_zeep("zeep.transports").AsyncTransport):  # type: ignore[misc]
        """zeep over the phone's own httpx client.

        zeep's AsyncTransport would log every envelope at DEBUG — the Web Ticket
        request holds the PIN — and replaces the client's headers with its own
        User-Agent; here nothing is logged but the address, and the phone's headers
        are put back.
        """

        def __init__(self, http: httpx.AsyncClient) -> None:
            headers = httpx.Headers(http.headers)
            super().__init__(
                client=http,
                wsdl_client=httpx.Client(transport=httpx.MockTransport(_refuse), trust_env=False),
            )
            http.headers = headers

        async def post(self, address: str, message: bytes, headers: dict[str, str]) -> Any:
            log.debug("SOAP POST %s (%s)", address, headers.get("SOAPAction", ""))
            response = await self.client.post(address, content=message, headers=headers)
            failure = _soap_failure(address, response)
            if failure is not None:
                raise failure
            return response

        def _load_remote_data(self, url: str) -> bytes:
            raise MalformedServiceDocument("WSDL", f"refusing to fetch {url} over the network")

    return PhoneSoapTransport


def _zeep(module: str) -> Any:
    """zeep, imported on first use; typed loosely because zeep is only partly annotated."""
    return importlib.import_module(module)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("the phone never fetches WSDL over the network", request=request)
