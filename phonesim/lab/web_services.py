"""The pool's web services, embedded: root chain over HTTP, mex, Web Ticket and CertProv over HTTPS.

Documents name the pool the way a real one does, `https://<web fqdn>/…` on the
standard port, whatever loopback port the lab really listens on; the phone maps the
port through its AddressBook. Every request is kept in `received` (the PIN blanked)
so tests and reports can show exactly what a phone sent; it keeps the latest
`journal_size` requests, so a fleet run does not grow it without end.

GetAndPublishCert refusals are phonesim's own ErrorInfo ids (the real ones are not
public): 28060 no web ticket, 28061 unknown ticket, 28062 expired ticket, 28063
Entity is not the ticket's user, 28064 unusable certificate request.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.cert_provisioning import (
    certificate_response,
    error_info_response,
    read_get_and_publish_cert,
)
from phonesim.codec.ocauthws.diagnostics import HEADER as DIAGNOSTICS_HEADER
from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, format_header
from phonesim.codec.ocauthws.endpoints import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_SUFFIX,
    GET_AND_PUBLISH_CERT_ACTION,
    ISSUE_TOKEN_ACTION,
    ROOT_CHAIN_MEDIA_TYPE,
    ROOT_CHAIN_PATH,
    WEB_TICKET_NEGOTIATE_SUFFIX,
    WEB_TICKET_PATH,
    WEB_TICKET_PIN_SUFFIX,
)
from phonesim.codec.ocauthws.faults import ms_diagnostics_detail
from phonesim.codec.ocauthws.pin_credentials import read_pin_credentials, redact_pin
from phonesim.codec.ocauthws.saml import build_assertion
from phonesim.codec.ocauthws.security import ticket_in_header
from phonesim.codec.ocauthws.soap import CONTENT_TYPE, build_envelope, build_fault, read_envelope
from phonesim.codec.ocauthws.web_ticket import read_ticket_request, ticket_response
from phonesim.codec.ocauthws.wire import to_bytes
from phonesim.codec.ocauthws.wsdl import CERT_PROV_WSDL, WEB_TICKET_WSDL, published_wsdl
from phonesim.errors import MalformedCertificateRequest, MalformedServiceDocument
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.directory import LabDirectory, LabUser, PinRejected

log = logging.getLogger(__name__)

NO_TICKET = 28060
UNKNOWN_TICKET = 28061
EXPIRED_TICKET = 28062
ENTITY_MISMATCH = 28063
BAD_CERTIFICATE_REQUEST = 28064

TICKET_LIFETIME = timedelta(hours=8)
JOURNAL_SIZE = 1000
_PRUNE_EVERY = 1024

_PIN_PATH = WEB_TICKET_PATH + WEB_TICKET_PIN_SUFFIX
_FAILED_AUTHENTICATION = (ns.WSSE, "FailedAuthentication")
_CLIENT = (ns.SOAP_ENV, "Client")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebFaults:
    """Misbehaviour a scenario can switch on; the default is a healthy pool."""

    status_by_path: Mapping[str, int] = field(default_factory=dict)
    """Answer this HTTP status (with a small HTML page) instead of serving the path,
    e.g. {"/CertProv/CertProvisioningService.svc/mex": 404}. Matched on the path
    alone, on both HTTP and HTTPS."""
    refuse_root_chain: bool = False
    """The root chain request is answered 403, as when the anonymous CertProv
    service is not published."""
    expired_tickets: bool = False
    """Web tickets are issued already expired, so GetAndPublishCert refuses them."""


@dataclass(frozen=True)
class ReceivedRequest:
    scheme: str
    method: str
    path_qs: str
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    """As received, except that the PIN of a Web Ticket request is replaced by ****."""


@dataclass(frozen=True)
class IssuedTicket:
    assertion_id: str
    user: LabUser
    expires: datetime


class LabWebServices:
    def __init__(
        self,
        *,
        web_fqdn: str,
        ca: LabCertificateAuthority,
        directory: LabDirectory,
        server_ca: LabCertificateAuthority | None = None,
        now: Callable[[], datetime] = _utc_now,
        faults: WebFaults | None = None,
        ticket_lifetime: timedelta = TICKET_LIFETIME,
        journal_size: int = JOURNAL_SIZE,
    ) -> None:
        self.web_fqdn = web_fqdn.rstrip(".").lower()
        self.faults = faults or WebFaults()
        self.received: deque[ReceivedRequest] = deque(maxlen=journal_size)
        self.tickets: dict[str, IssuedTicket] = {}
        self._ca = ca
        # Who signs the HTTPS certificate: the lab CA, unless a scenario wants a
        # server certificate from a CA the phone never downloaded.
        self._server_ca = server_ca or ca
        self._directory = directory
        self._now = now
        self._ticket_lifetime = ticket_lifetime
        self._root_chain = pkcs7.serialize_certificates(
            [x509.load_der_x509_certificate(der) for der in ca.chain], Encoding.DER
        )
        self._metadata = {
            CERT_PROV_PATH: published_wsdl(CERT_PROV_WSDL, self.web_fqdn),
            WEB_TICKET_PATH: published_wsdl(WEB_TICKET_WSDL, self.web_fqdn),
        }
        self._runners: list[web.AppRunner] = []
        self._ports: dict[str, int] = {}

    def url(self, path: str, *, secure: bool = True) -> str:
        """The advertised URL of `path`: the web FQDN on the standard port."""
        return f"{'https' if secure else 'http'}://{self.web_fqdn}{path}"

    @property
    def http_port(self) -> int:
        return self._port("http")

    @property
    def https_port(self) -> int:
        return self._port("https")

    async def start(self, host: str = "127.0.0.1") -> None:
        """Returns once both listeners accept connections."""
        if self._runners:
            raise RuntimeError("the lab web services are already started")
        tls = self._server_ca.server_ssl_context([self.web_fqdn], now=self._now())
        try:
            for scheme, app, context in (
                ("http", self._plain_app(), None),
                ("https", self._secure_app(), tls),
            ):
                runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
                await runner.setup()
                self._runners.append(runner)
                sock = _listening_socket(host)
                try:
                    await web.SockSite(runner, sock, ssl_context=context).start()
                except BaseException:
                    sock.close()
                    raise
                self._ports[scheme] = sock.getsockname()[1]
        except BaseException:
            await self.close()
            raise
        log.info(
            "web services for %s on %s: http %d, https %d",
            self.web_fqdn,
            host,
            self._ports["http"],
            self._ports["https"],
        )

    async def close(self) -> None:
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()

    def _port(self, scheme: str) -> int:
        if scheme not in self._ports:
            raise RuntimeError("the lab web services are not started")
        return self._ports[scheme]

    # -- applications -------------------------------------------------------

    def _plain_app(self) -> web.Application:
        app = web.Application(middlewares=[self._journal])
        app.router.add_get(ROOT_CHAIN_PATH, self._root_chain_handler)
        return app

    def _secure_app(self) -> web.Application:
        app = web.Application(middlewares=[self._journal])
        app.router.add_get(ROOT_CHAIN_PATH, self._root_chain_handler)
        for base in (CERT_PROV_PATH, WEB_TICKET_PATH):
            app.router.add_get(base, self._wsdl_handler)
            app.router.add_get(base + "/mex", self._mex_handler)
        app.router.add_post(_PIN_PATH, self._web_ticket_handler)
        app.router.add_post(WEB_TICKET_PATH + WEB_TICKET_NEGOTIATE_SUFFIX, self._negotiate_handler)
        app.router.add_post(CERT_PROV_PATH + CERT_PROV_PROOF_SUFFIX, self._certificate_handler)
        return app

    @web.middleware
    async def _journal(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        if request.path == _PIN_PATH:
            body = _without_pin(body)
        self.received.append(
            ReceivedRequest(
                scheme=request.scheme,
                method=request.method,
                path_qs=request.path_qs,
                headers=request.headers.copy(),  # names stay case-insensitive, as in HTTP
                body=body,
            )
        )
        log.debug("%s %s %s", request.scheme, request.method, request.path_qs)
        host = (request.host or "").rsplit(":", 1)[0].rstrip(".").lower()
        if host and host != self.web_fqdn and not _is_address(host):
            # The IIS site is bound to the web FQDN: another name reaching this
            # address (the pool FQDN, when a phone guesses the URL) finds nothing.
            return web.Response(
                status=404,
                text=f"<html><body>HTTP 404: no site for {host}</body></html>",
                content_type="text/html",
            )
        status = self.faults.status_by_path.get(request.path)
        if status is not None:
            log.info("fault: %s answered %d", request.path, status)
            return web.Response(
                status=status,
                text=f"<html><body>HTTP {status}</body></html>",
                content_type="text/html",
            )
        return await handler(request)

    # -- root chain and metadata ----------------------------------------------

    async def _root_chain_handler(self, request: web.Request) -> web.Response:
        if self.faults.refuse_root_chain:
            return web.Response(status=403, text="Forbidden")
        return web.Response(body=self._root_chain, content_type=ROOT_CHAIN_MEDIA_TYPE)

    async def _wsdl_handler(self, request: web.Request) -> web.Response:
        if "wsdl" not in {key.lower() for key in request.query}:
            return web.Response(
                text=f"<html><body>{request.path}: append ?wsdl for the service description"
                "</body></html>",
                content_type="text/html",
            )
        return self._xml(self._metadata[request.path])

    async def _mex_handler(self, request: web.Request) -> web.Response:
        return self._xml(self._metadata[request.path.removesuffix("/mex")])

    # -- Web Ticket ----------------------------------------------------------

    async def _negotiate_handler(self, request: web.Request) -> web.Response:
        # The lab has no Kerberos/NTLM; a phone signing in with a PIN never comes here.
        return web.Response(status=401, headers={"WWW-Authenticate": "Negotiate"})

    async def _web_ticket_handler(self, request: web.Request) -> web.Response:
        try:
            envelope = read_envelope(await request.read(), "web ticket request")
        except MalformedServiceDocument as exc:
            return self._fault(400, _CLIENT, str(exc))
        if _soap_action(request) != ISSUE_TOKEN_ACTION:
            return self._fault(500, _CLIENT, f"action {_soap_action(request)!r} is not supported")
        try:
            wanted = read_ticket_request(envelope.payload)
        except MalformedServiceDocument as exc:
            return self._fault(500, _CLIENT, str(exc))
        credentials = read_pin_credentials(envelope.header)
        username = credentials.username if credentials else ""
        try:
            user = self._directory.authenticate(username, credentials.pin if credentials else "")
        except PinRejected as refusal:
            log.info("web ticket refused for %r: %d %s", username, refusal.error_id, refusal.reason)
            return self._diagnostics_fault(refusal)
        now = _to_millisecond(self._now())
        expires = now if self.faults.expired_tickets else now + self._ticket_lifetime
        assertion_id = f"SamlSecurityToken-{uuid.uuid4()}"
        assertion = build_assertion(
            assertion_id=assertion_id,
            issuer=self.url(WEB_TICKET_PATH),
            sip_uri=user.sip_uri,
            audience=wanted.applies_to,
            issued=now,
            expires=expires,
        )
        self._remember(IssuedTicket(assertion_id, user, expires), now)
        log.info("web ticket issued to %s (signed in as %r)", user.sip_uri, username)
        response = ticket_response(
            assertion,
            applies_to=wanted.applies_to,
            created=now,
            expires=expires,
            context=wanted.context,
        )
        return self._xml(build_envelope(response))

    def _remember(self, ticket: IssuedTicket, now: datetime) -> None:
        if len(self.tickets) % _PRUNE_EVERY == _PRUNE_EVERY - 1:
            self.tickets = {key: t for key, t in self.tickets.items() if t.expires > now}
        self.tickets[ticket.assertion_id] = ticket

    # -- Certificate Provisioning ----------------------------------------------

    async def _certificate_handler(self, request: web.Request) -> web.Response:
        try:
            envelope = read_envelope(await request.read(), "GetAndPublishCert request")
        except MalformedServiceDocument as exc:
            return self._fault(400, _CLIENT, str(exc))
        if _soap_action(request) != GET_AND_PUBLISH_CERT_ACTION:
            return self._fault(500, _CLIENT, f"action {_soap_action(request)!r} is not supported")
        try:
            message = read_get_and_publish_cert(envelope.payload)
        except MalformedServiceDocument as exc:
            return self._fault(500, _CLIENT, str(exc))
        now = self._now()
        assertion = ticket_in_header(envelope.header)
        if assertion is None:
            return self._refuse(NO_TICKET, "No web ticket in the request")
        ticket = self.tickets.get(assertion.get("AssertionID", ""))
        if ticket is None:
            return self._refuse(UNKNOWN_TICKET, "The web ticket was not issued by this pool")
        if now >= ticket.expires:
            return self._refuse(EXPIRED_TICKET, "The web ticket has expired")
        if message.entity.lower() != ticket.user.entity.lower():
            return self._refuse(
                ENTITY_MISMATCH,
                f"Entity {message.entity} is not the web ticket's user {ticket.user.entity}",
            )
        try:
            certificate = self._ca.sign_user_csr(
                message.csr_der, entity=ticket.user.entity, now=now
            )
        except MalformedCertificateRequest as exc:
            return self._refuse(BAD_CERTIFICATE_REQUEST, str(exc))
        log.info("certificate issued to %s for device %s", ticket.user.entity, message.device_id)
        return self._xml(
            build_envelope(certificate_response(certificate, request_id=message.request_id))
        )

    # -- answers -------------------------------------------------------------

    def _refuse(self, error_id: int, reason: str) -> web.Response:
        log.info("certificate refused: %d %s", error_id, reason)
        return self._xml(build_envelope(error_info_response(error_id, reason)))

    def _diagnostics_fault(self, refusal: PinRejected) -> web.Response:
        diagnostics = MsDiagnostics(refusal.error_id, refusal.reason, source=self.web_fqdn)
        response = self._fault(
            500,
            _FAILED_AUTHENTICATION,
            refusal.reason,
            detail=[ms_diagnostics_detail(diagnostics)],
        )
        response.headers[DIAGNOSTICS_HEADER] = format_header(diagnostics)
        return response

    def _fault(
        self,
        status: int,
        code: tuple[str, str],
        reason: str,
        *,
        detail: list[etree._Element] | None = None,
    ) -> web.Response:
        return self._xml(build_fault(code, reason, detail=detail or []), status=status)

    @staticmethod
    def _xml(body: bytes, *, status: int = 200) -> web.Response:
        return web.Response(body=body, status=status, headers={"Content-Type": CONTENT_TYPE})


def _to_millisecond(when: datetime) -> datetime:
    """Times go on the wire to the millisecond; the ticket record keeps the same value."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _soap_action(request: web.Request) -> str:
    return request.headers.get("SOAPAction", "").strip().strip('"')


def _without_pin(body: bytes) -> bytes:
    """The request with its PIN blanked; nothing at all if it cannot be read, since an
    unreadable body might still hold the PIN."""
    try:
        envelope = read_envelope(body, "web ticket request")
    except MalformedServiceDocument:
        return b""
    if envelope.header is None:
        return body
    redact_pin(envelope.header)
    return to_bytes(envelope.header.getroottree().getroot())


def _listening_socket(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
