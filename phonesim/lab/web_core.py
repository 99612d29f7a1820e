"""The pool's web services as one function of a request: root chain, mex, Web Ticket, CertProv.

`LabWebCore.handle(request) -> WebReply` decides every answer, status, header and byte
of it; it opens no socket. The aiohttp servers (`web_services.py`) are a shell that
hands it what arrived, and the in-memory lab (`phonesim.testing.lab_pair`) calls it
directly, so a phone reads the same answers whichever way it reaches the lab.

Documents name the pool the way a real one does, `https://<web fqdn>/…` on the
standard port. Every request is kept in `received` (the PIN blanked) so tests and
reports can show exactly what a phone sent; it keeps the latest `journal_size`
requests, so a fleet run does not grow it without end.

GetAndPublishCert refusals are phonesim's own ErrorInfo ids (the real ones are not
public): 28060 no web ticket, 28061 unknown ticket, 28062 expired ticket, 28063
Entity is not the ticket's user, 28064 unusable certificate request. Before any of
them, the request's security timestamp is checked against the pool's clock as WCF
checks it (`WebFaults.max_clock_skew`, WCF's MaxClockSkew), and refused with WCF's
InvalidSecurity fault (`codec.ocauthws.security` gives the sources). A request
without a timestamp is not refused for it. WCF may also refuse a `Created` older
than its freshness window; whether the CertProvisioningService does is [U], so the
lab does not.

Every answer carries a `Date` header, the pool's clock, as IIS sends one: it is
how a phone refused for its clock can tell how far it was from the pool's.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from lxml import etree
from multidict import CIMultiDict
from yarl import URL

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
from phonesim.codec.ocauthws.proof_key import add_proof, computed_key, read_client_entropy
from phonesim.codec.ocauthws.saml import build_assertion
from phonesim.codec.ocauthws.security import (
    INVALID_SECURITY,
    INVALID_SECURITY_REASON,
    MAX_CLOCK_SKEW,
    ticket_in_header,
    timestamp_in_header,
    timestamp_refusal,
)
from phonesim.codec.ocauthws.soap import (
    CONTENT_TYPE,
    Envelope,
    build_envelope,
    build_fault,
    read_envelope,
)
from phonesim.codec.ocauthws.web_ticket import TicketRequest, read_ticket_request, ticket_response
from phonesim.codec.ocauthws.wire import to_bytes
from phonesim.codec.ocauthws.wsdl import CERT_PROV_WSDL, WEB_TICKET_WSDL, published_wsdl
from phonesim.errors import MalformedCertificateRequest, MalformedServiceDocument
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.desktop_sign_in import CHALLENGE, desktop_user, read_basic
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

PIN_PATH = WEB_TICKET_PATH + WEB_TICKET_PIN_SUFFIX
_FAILED_AUTHENTICATION = (ns.WSSE, "FailedAuthentication")
_CLIENT = (ns.SOAP_ENV, "Client")

# The Content-Type values aiohttp writes for `text=` answers; kept so that the
# in-memory lab answers with the very headers the loopback one sends.
_HTML = "text/html; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"


def utc_now() -> datetime:
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
    max_clock_skew: timedelta = MAX_CLOCK_SKEW
    """How far a request's security timestamp may be from the pool's clock (WCF's
    MaxClockSkew, 5 minutes unless an admin changed it)."""


@dataclass(frozen=True)
class ReceivedRequest:
    scheme: str
    method: str
    path_qs: str
    headers: Mapping[str, str]
    body: bytes = field(repr=False)
    """As received, except that the PIN of a Web Ticket request is replaced by ****."""
    pin_format: str | None = None
    """The variant of the PIN request's wire format a Web Ticket request was read as."""


@dataclass(frozen=True)
class IssuedTicket:
    assertion_id: str
    user: LabUser
    expires: datetime
    proof_key: bytes | None = field(default=None, repr=False)
    """The computed key of a desktop client's ticket (`proof_key.py`); None for a phone's."""


@dataclass(frozen=True)
class WebRequest:
    """One HTTP request as it reached the pool's web server."""

    scheme: str
    """http | https: which of the two sites (plain HTTP serves the root chain only)."""
    method: str
    target: str
    """Path and query, as on the request line."""
    headers: Mapping[str, str]
    """Names case-insensitive, as in HTTP (aiohttp's and httpx's header maps both are)."""
    body: bytes = b""
    host: str | None = None
    """The host the request names; None: its Host header."""

    @property
    def path(self) -> str:
        return URL(self.target).path

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class WebReply(NamedTuple):
    status: int
    headers: Mapping[str, str]
    body: bytes


Handler = Callable[[WebRequest], WebReply]


class LabWebCore:
    def __init__(
        self,
        *,
        web_fqdn: str,
        ca: LabCertificateAuthority,
        directory: LabDirectory,
        now: Callable[[], datetime] = utc_now,
        faults: WebFaults | None = None,
        ticket_lifetime: timedelta = TICKET_LIFETIME,
        journal_size: int = JOURNAL_SIZE,
    ) -> None:
        self.web_fqdn = web_fqdn.rstrip(".").lower()
        self.faults = faults or WebFaults()
        self.received: deque[ReceivedRequest] = deque(maxlen=journal_size)
        self.tickets: dict[str, IssuedTicket] = {}
        self._ca = ca
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
        self._routes = {"http": self._plain_routes(), "https": self._secure_routes()}

    def url(self, path: str, *, secure: bool = True) -> str:
        """The advertised URL of `path`: the web FQDN on the standard port."""
        return f"{'https' if secure else 'http'}://{self.web_fqdn}{path}"

    def handle(self, request: WebRequest) -> WebReply:
        """The answer to one request; every request is journaled first, answered or not."""
        reply = self._answer(request)
        return reply._replace(headers={**reply.headers, "Date": format_datetime(self._now(), True)})

    def _answer(self, request: WebRequest) -> WebReply:
        path = request.path
        body, pin_format = _without_pin(request.body) if path == PIN_PATH else (request.body, None)
        self.received.append(
            ReceivedRequest(
                scheme=request.scheme,
                method=request.method,
                path_qs=request.target,
                headers=_without_password(request.headers),
                body=body,
                pin_format=pin_format,
            )
        )
        log.debug("%s %s %s", request.scheme, request.method, request.target)
        named = request.host if request.host is not None else request.header("Host")
        host = named.rsplit(":", 1)[0].rstrip(".").lower()
        if host and host != self.web_fqdn and not _is_address(host):
            # The IIS site is bound to the web FQDN: another name reaching this
            # address (the pool FQDN, when a phone guesses the URL) finds nothing.
            return _html(404, f"<html><body>HTTP 404: no site for {host}</body></html>")
        status = self.faults.status_by_path.get(path)
        if status is not None:
            log.info("fault: %s answered %d", path, status)
            return _html(status, f"<html><body>HTTP {status}</body></html>")
        return self._route(request, path)

    # -- routing, as aiohttp's router answers what no route serves ---------------

    def _plain_routes(self) -> dict[str, dict[str, Handler]]:
        return {ROOT_CHAIN_PATH: _get(self._root_chain_handler)}

    def _secure_routes(self) -> dict[str, dict[str, Handler]]:
        routes = self._plain_routes()
        for base in (CERT_PROV_PATH, WEB_TICKET_PATH):
            routes[base] = _get(self._wsdl_handler)
            routes[base + "/mex"] = _get(self._mex_handler)
        routes[PIN_PATH] = {"POST": self._web_ticket_handler}
        routes[WEB_TICKET_PATH + WEB_TICKET_NEGOTIATE_SUFFIX] = {"POST": self._negotiate_handler}
        routes[CERT_PROV_PATH + CERT_PROV_PROOF_SUFFIX] = {"POST": self._certificate_handler}
        return routes

    def _route(self, request: WebRequest, path: str) -> WebReply:
        methods = self._routes.get(request.scheme, {}).get(path)
        if methods is None:
            return WebReply(404, {"Content-Type": _TEXT}, b"404: Not Found")
        handler = methods.get(request.method)
        if handler is None:
            return WebReply(
                405,
                {"Content-Type": _TEXT, "Allow": ",".join(sorted(methods))},
                b"405: Method Not Allowed",
            )
        return handler(request)

    # -- root chain and metadata ----------------------------------------------

    def _root_chain_handler(self, request: WebRequest) -> WebReply:
        if self.faults.refuse_root_chain:
            return WebReply(403, {"Content-Type": _TEXT}, b"Forbidden")
        return WebReply(200, {"Content-Type": ROOT_CHAIN_MEDIA_TYPE}, self._root_chain)

    def _wsdl_handler(self, request: WebRequest) -> WebReply:
        if "wsdl" not in {key.lower() for key in URL(request.target).query}:
            return _html(
                200,
                f"<html><body>{request.path}: append ?wsdl for the service description"
                "</body></html>",
            )
        return _xml(self._metadata[request.path])

    def _mex_handler(self, request: WebRequest) -> WebReply:
        return _xml(self._metadata[request.path.removesuffix("/mex")])

    # -- Web Ticket ----------------------------------------------------------

    def _negotiate_handler(self, request: WebRequest) -> WebReply:
        # A desktop client's port (a phone signing in with a PIN never comes here). The lab
        # has no Kerberos/NTLM: it offers Basic only (desktop_sign_in.py says why).
        credentials = read_basic(request.header("Authorization"))
        user = None if credentials is None else desktop_user(self._directory, credentials)
        if credentials is None or user is None:
            if credentials is not None:
                log.info("desktop web ticket refused for %r", credentials.login)
            return WebReply(401, {"WWW-Authenticate": CHALLENGE, "Content-Type": _TEXT}, b"")
        read = self._read_ticket_request(request)
        if isinstance(read, WebReply):
            return read
        envelope, wanted = read
        try:
            entropy = read_client_entropy(envelope.payload)
        except MalformedServiceDocument as exc:
            return _fault(500, _CLIENT, str(exc))
        log.info("desktop web ticket for %s (signed in as %r)", user.sip_uri, credentials.login)
        return self._ticket_reply(user, wanted, client_entropy=entropy)

    def _web_ticket_handler(self, request: WebRequest) -> WebReply:
        read = self._read_ticket_request(request)
        if isinstance(read, WebReply):
            return read
        envelope, wanted = read
        credentials = read_pin_credentials(envelope.header)
        username = credentials.username if credentials else ""
        try:
            user = self._directory.authenticate(username, credentials.pin if credentials else "")
        except PinRejected as refusal:
            log.info("web ticket refused for %r: %d %s", username, refusal.error_id, refusal.reason)
            return self._diagnostics_fault(refusal)
        log.info(
            "web ticket issued to %s (signed in as %r, PIN sent as %s)",
            user.sip_uri,
            username,
            credentials.pin_format if credentials else None,
        )
        return self._ticket_reply(user, wanted)

    @staticmethod
    def _read_ticket_request(request: WebRequest) -> tuple[Envelope, TicketRequest] | WebReply:
        """The request both Web Ticket ports read alike, or the fault that refuses it."""
        try:
            envelope = read_envelope(request.body, "web ticket request")
        except MalformedServiceDocument as exc:
            return _fault(400, _CLIENT, str(exc))
        if _soap_action(request) != ISSUE_TOKEN_ACTION:
            return _fault(500, _CLIENT, f"action {_soap_action(request)!r} is not supported")
        try:
            return envelope, read_ticket_request(envelope.payload)
        except MalformedServiceDocument as exc:
            return _fault(500, _CLIENT, str(exc))

    def _ticket_reply(
        self, user: LabUser, wanted: TicketRequest, *, client_entropy: bytes | None = None
    ) -> WebReply:
        """A ticket for `user`; with the client's entropy, a proof key too (a desktop's)."""
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
        server_entropy = proof_key = None
        if client_entropy is not None:
            server_entropy = os.urandom(len(client_entropy))
            proof_key = computed_key(client_entropy, server_entropy)
        self._remember(IssuedTicket(assertion_id, user, expires, proof_key), now)
        response = ticket_response(
            assertion,
            applies_to=wanted.applies_to,
            created=now,
            expires=expires,
            context=wanted.context,
        )
        if server_entropy is not None:
            add_proof(response, server_entropy)
        return _xml(build_envelope(response))

    def _remember(self, ticket: IssuedTicket, now: datetime) -> None:
        if len(self.tickets) % _PRUNE_EVERY == _PRUNE_EVERY - 1:
            self.tickets = {key: t for key, t in self.tickets.items() if t.expires > now}
        self.tickets[ticket.assertion_id] = ticket

    # -- Certificate Provisioning ----------------------------------------------

    def _certificate_handler(self, request: WebRequest) -> WebReply:
        try:
            envelope = read_envelope(request.body, "GetAndPublishCert request")
        except MalformedServiceDocument as exc:
            return _fault(400, _CLIENT, str(exc))
        now = self._now()
        refused = self._timestamp_refused(envelope.header, now)
        if refused is not None:
            return refused
        if _soap_action(request) != GET_AND_PUBLISH_CERT_ACTION:
            return _fault(500, _CLIENT, f"action {_soap_action(request)!r} is not supported")
        try:
            message = read_get_and_publish_cert(envelope.payload)
        except MalformedServiceDocument as exc:
            return _fault(500, _CLIENT, str(exc))
        assertion = ticket_in_header(envelope.header)
        if assertion is None:
            return _refuse(NO_TICKET, "No web ticket in the request")
        ticket = self.tickets.get(assertion.get("AssertionID", ""))
        if ticket is None:
            return _refuse(UNKNOWN_TICKET, "The web ticket was not issued by this pool")
        if now >= ticket.expires:
            return _refuse(EXPIRED_TICKET, "The web ticket has expired")
        if message.entity.lower() != ticket.user.entity.lower():
            return _refuse(
                ENTITY_MISMATCH,
                f"Entity {message.entity} is not the web ticket's user {ticket.user.entity}",
            )
        try:
            certificate = self._ca.sign_user_csr(
                message.csr_der, entity=ticket.user.entity, now=now
            )
        except MalformedCertificateRequest as exc:
            return _refuse(BAD_CERTIFICATE_REQUEST, str(exc))
        log.info("certificate issued to %s for device %s", ticket.user.entity, message.device_id)
        return _xml(
            build_envelope(certificate_response(certificate, request_id=message.request_id))
        )

    def _timestamp_refused(self, header: etree._Element | None, now: datetime) -> WebReply | None:
        """WCF's answer to a security timestamp it refuses (before the service sees the
        message), or None. The fault names no cause; the reason is logged, as WCF keeps it
        in the server's trace."""
        try:
            timestamp = timestamp_in_header(header)
        except MalformedServiceDocument as exc:
            why: str | None = str(exc)
        else:
            why = (
                None
                if timestamp is None
                else timestamp_refusal(timestamp, now, self.faults.max_clock_skew)
            )
        if why is None:
            return None
        log.info("GetAndPublishCert refused: the security timestamp's %s", why)
        return _fault(500, INVALID_SECURITY, INVALID_SECURITY_REASON)

    def _diagnostics_fault(self, refusal: PinRejected) -> WebReply:
        diagnostics = MsDiagnostics(refusal.error_id, refusal.reason, source=self.web_fqdn)
        reply = _fault(
            500,
            _FAILED_AUTHENTICATION,
            refusal.reason,
            detail=[ms_diagnostics_detail(diagnostics)],
        )
        return reply._replace(
            headers={**reply.headers, DIAGNOSTICS_HEADER: format_header(diagnostics)}
        )


# -- answers -------------------------------------------------------------


def _get(handler: Handler) -> dict[str, Handler]:
    """aiohttp's add_get: HEAD is served by the GET handler too."""
    return {"GET": handler, "HEAD": handler}


def _html(status: int, text: str) -> WebReply:
    return WebReply(status, {"Content-Type": _HTML}, text.encode("utf-8"))


def _xml(body: bytes, *, status: int = 200) -> WebReply:
    return WebReply(status, {"Content-Type": CONTENT_TYPE}, body)


def _refuse(error_id: int, reason: str) -> WebReply:
    log.info("certificate refused: %d %s", error_id, reason)
    return _xml(build_envelope(error_info_response(error_id, reason)))


def _fault(
    status: int,
    code: tuple[str, str],
    reason: str,
    *,
    detail: list[etree._Element] | None = None,
) -> WebReply:
    return _xml(build_fault(code, reason, detail=detail or []), status=status)


def _to_millisecond(when: datetime) -> datetime:
    """Times go on the wire to the millisecond; the ticket record keeps the same value."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _soap_action(request: WebRequest) -> str:
    return request.header("SOAPAction").strip().strip('"')


def _without_password(headers: Mapping[str, str]) -> Mapping[str, str]:
    """The headers as journaled: a desktop client's Basic password is never kept."""
    if not headers.get("Authorization", "").lower().startswith("basic "):
        return headers
    journaled = CIMultiDict(headers)  # names stay case-insensitive, as in HTTP
    journaled["Authorization"] = "Basic ****"
    return journaled


def _without_pin(body: bytes) -> tuple[bytes, str | None]:
    """The request with its PIN blanked, and the PIN wire format it was read as; nothing
    at all if it cannot be read, since an unreadable body might still hold the PIN."""
    try:
        envelope = read_envelope(body, "web ticket request")
    except MalformedServiceDocument:
        return b"", None
    if envelope.header is None:
        return body, None
    credentials = read_pin_credentials(envelope.header)
    redact_pin(envelope.header)
    pin_format = credentials.pin_format if credentials is not None else None
    return to_bytes(envelope.header.getroottree().getroot()), pin_format
