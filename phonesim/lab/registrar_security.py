"""The registrar's TLS-DSK end: security associations, the handshake rounds, signed SIP.

What a registrar must do for a phone that signs in with its CertProv certificate
(`tls-dsk.md` §1.10), bytes in and bytes out with the time passed in, so the
same object answers a socket, an in-memory pairing or a test:

- a REGISTER without credentials gets the 401 a Front End sends, one
  `WWW-Authenticate` per scheme, TLS-DSK's naming the CertProvisioningService;
- a REGISTER whose `Authorization: TLS-DSK` carries `gssapi-data` is a step of
  the inner TLS handshake: the first (no `opaque`) opens a security association
  under a new `opaque`, each answer is a 401 carrying the server's flight;
- the handshake only completes for a client certificate the lab's CA issued,
  to the user the REGISTER is from;
- a signed REGISTER is checked against the client key of its association and
  answered `200 OK` with `Expires`, `Allow-Events`, `ms-keep-alive` and the
  server's own signature in `Authentication-Info`. Every final response to a
  request made under an established association is signed (pidgin-sipe drops
  what is not, §1.7);
- an association lives min(certificate expiry, 8 h) (MS-SIPAE §3.2.2); after
  that a signed request is refused and the phone must handshake again.

Refusals carry `ms-diagnostics` ids of [MS-OCER] (§3.6). Which id and status a
Lync pool uses for each is not published (§1.11); the choices here are
INFERENCE, kept in one table (`REFUSALS`) so a scenario can change them:
a failed handshake, an unknown or expired `opaque` and a bad signature are a
401 with a fresh challenge and 1000 "Final handshake failed."; a certificate
issued to another user is a 403 with 4004; a REGISTER without `epid`, or whose
`+sip.instance` was not derived from it (MS-SIPAE §3.3.5.2), a 403 with 4011
or 4010. The lab counts each refusal by name in `refusals`.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import NameOID

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, format_header
from phonesim.codec.sip_message import SipHeaders, SipRequest, SipResponse, parse_request
from phonesim.codec.sip_security_header import (
    KERBEROS,
    NTLM,
    REALM,
    TLS_DSK,
    MalformedSecurityHeader,
    SecurityHeader,
    format_security_header,
    parse_security_header,
    tls_dsk_authentication_info,
    tls_dsk_challenge,
    tls_dsk_continuation,
)
from phonesim.codec.tls_dsk.handshake import (
    InnerTls,
    PrivateKey,
    TlsDskServer,
    TlsDskServerSide,
)
from phonesim.codec.tls_dsk.handshake_failures import (
    CertificateRefused,
    NoClientCertificate,
    TlsDskHandshakeFailed,
)
from phonesim.codec.tls_dsk.keys import SigningKeys
from phonesim.codec.tls_dsk.records import join_handshake_records
from phonesim.codec.tls_dsk.signature import (
    SignatureCheck,
    SignatureParams,
    UnsignableMessage,
    sign,
    signature_string,
    verify,
)
from phonesim.codec.tls_dsk.sip_instance import instance_from_epid
from phonesim.lab.registrar_subscriptions import LabProvisioning, SubscriptionDesk

SA_LIFETIME = timedelta(hours=8)
"""MS-SIPAE §3.2.2: an association lasts at most eight hours."""
HANDSHAKE_WINDOW = timedelta(seconds=60)
"""An association whose handshake has not completed by then is dropped."""
ALLOW_EVENTS = (
    "vnd-microsoft-provisioning,vnd-microsoft-roaming-contacts,vnd-microsoft-roaming-ACL,"
    "presence,presence.wpending,vnd-microsoft-roaming-self,vnd-microsoft-provisioning-v2"
)
"""A Front End's list, without spaces: pidgin-sipe splits it on ',' and does not trim."""
SERVER_HEADER = ("Server", "RTC/4.0")
_EPID = re.compile(r";\s*epid=([^;>\s]+)", re.IGNORECASE)
_INSTANCE = re.compile(r'\+sip\.instance="<urn:uuid:([^>]+)>"', re.IGNORECASE)
_CONTACT_EXPIRES = re.compile(r";\s*expires=(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason_phrase: str
    diagnostics: MsDiagnostics
    header: str = "ms-diagnostics"
    challenge: bool = False
    """Offer the schemes afresh, so the phone can start a new handshake."""


HANDSHAKE_FAILED = MsDiagnostics(1000, "Final handshake failed.")
REFUSALS = {
    "handshake_failed": Refusal(401, "Unauthorized", HANDSHAKE_FAILED, challenge=True),
    "untrusted_certificate": Refusal(401, "Unauthorized", HANDSHAKE_FAILED, challenge=True),
    "unknown_opaque": Refusal(401, "Unauthorized", HANDSHAKE_FAILED, challenge=True),
    "sa_expired": Refusal(401, "Unauthorized", HANDSHAKE_FAILED, challenge=True),
    "bad_signature": Refusal(401, "Unauthorized", HANDSHAKE_FAILED, challenge=True),
    "certificate_not_for_user": Refusal(
        403,
        "Forbidden",
        MsDiagnostics(
            4004, "Credentials provided are not authorized to act as specified from URI."
        ),
        header="ms-diagnostics-public",
    ),
    "no_epid": Refusal(403, "Forbidden", MsDiagnostics(4011, "Epid not present.")),
    "instance_not_from_epid": Refusal(
        403, "Forbidden", MsDiagnostics(4010, "Missing endpoint identifier.")
    ),
    # A user whose PIN and certificate work but who is not enabled on this pool's registrar:
    # SIPE's 404 "Not found: <reason>", with the 4005 of a public Microsoft article (§3.6).
    "user_not_enabled": Refusal(
        404,
        "Not Found",
        MsDiagnostics(4005, "Destination URI either not enabled for SIP or does not exist"),
    ),
}
DIRECTOR_REDIRECT = "Redirect request to Home Server"
"""pidgin-sipe's FIXTURE of a Director's answer (`tls-dsk.md` §3.6)."""
DIRECTOR_REDIRECT_EXPIRES = "2592000"


class SecurityAssociation:
    """One phone's TLS-DSK state at the registrar, found by its `opaque`."""

    __slots__ = ("aor", "engine", "expires_at", "keys", "opaque", "opened", "snum")

    def __init__(self, opaque: str, aor: str, engine: TlsDskServer, opened: datetime) -> None:
        self.opaque = opaque
        self.aor = aor
        self.engine = engine
        self.opened = opened
        self.keys: SigningKeys | None = None
        """Set when the handshake completes."""
        self.expires_at: datetime | None = None
        self.snum = 0
        """The server's message counter: the first signed message is 1."""

    @property
    def established(self) -> bool:
        return self.keys is not None

    def alive(self, now: datetime) -> bool:
        if self.expires_at is not None:
            return now < self.expires_at
        return now < self.opened + HANDSHAKE_WINDOW

    def __repr__(self) -> str:
        return f"SecurityAssociation({self.opaque!r}, {self.aor!r}, established={self.established})"


@dataclass(frozen=True, slots=True)
class Binding:
    contact: str
    expires_at: datetime
    epid: str


class TlsDskRegistrar:
    """A pool's registrar, TLS-DSK only. `reply(message, now)` is the whole interface."""

    def __init__(
        self,
        *,
        pool_fqdn: str,
        sts_uri: str,
        server_certificate: bytes,
        server_key: PrivateKey,
        client_roots: Sequence[bytes],
        tls: InnerTls | None = None,
        rng: random.Random | None = None,
        expires: int = 3600,
        keep_alive: int = 300,
        sa_lifetime: timedelta = SA_LIFETIME,
        allow_events: str = ALLOW_EVENTS,
        provisioning: LabProvisioning | None = None,
        redirect_to: str | None = None,
        refuse_register: str | None = None,
        sign_with_client_key: bool = False,
    ) -> None:
        self.pool_fqdn = pool_fqdn
        self.sts_uri = sts_uri
        self.expires = expires
        """The longest registration granted, seconds."""
        self.keep_alive = keep_alive
        self.sa_lifetime = sa_lifetime
        self.allow_events = allow_events
        self.redirect_to = redirect_to
        """A Director: the home pool its signed 301 names, once the phone has authenticated."""
        self.refuse_register = refuse_register
        """A refusal (a `REFUSALS` name) for every signed REGISTER that checks out."""
        self.sign_with_client_key = sign_with_client_key
        """A fault: answers signed with the association's client key, not the server's."""
        self._server = TlsDskServerSide(
            server_certificate, server_key, client_roots=client_roots, tls=tls or InnerTls()
        )
        self._rng = rng or random.Random()
        self.associations: dict[str, SecurityAssociation] = {}
        self.bindings: dict[str, Binding] = {}
        """Registered contacts by AOR."""
        self.counts: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.subscriptions = SubscriptionDesk(provisioning or LabProvisioning(pool_fqdn))
        """Answers the signed SUBSCRIBEs of a phone signed in (in-band provisioning...)."""

    # ------------------------------------------------------------------ the interface

    def reply(self, message: bytes, now: datetime) -> bytes:
        """The answer to one SIP request (MalformedSip if it is not one)."""
        request = parse_request(message)
        try:
            authorization = _tls_dsk_authorization(request)
        except MalformedSecurityHeader as error:
            self.counts["malformed"] += 1
            return _response(request, 400, f"Bad Request ({error.reason})")
        if authorization is None:
            if request.method != "REGISTER":
                self.counts["other"] += 1
                return _response(request, 405, "Method Not Allowed", [("Allow", "REGISTER")])
            self.counts["challenged"] += 1
            return _response(request, 401, "Unauthorized", [*self.challenges(), SERVER_HEADER])
        signed_only = request.method != "REGISTER" and authorization.get("gssapi-data") is None
        if (
            authorization.realm != REALM
            or authorization.targetname != self.pool_fqdn
            or (request.method != "REGISTER" and not signed_only)
        ):
            self.counts["challenged"] += 1
            return _response(request, 401, "Unauthorized", [*self.challenges(), SERVER_HEADER])
        identity = self._endpoint_refusal(request)
        if identity is not None:
            return self._refuse(request, identity)
        if authorization.get("gssapi-data") is not None:
            return self._handshake(request, authorization, now)
        return self._signed(request, authorization, now)

    def challenges(self) -> list[tuple[str, str]]:
        """The first 401's `WWW-Authenticate` headers, in a Front End's order."""
        common = (("realm", REALM), ("targetname", self.pool_fqdn), ("version", "4"))
        kerberos = (("realm", REALM), ("targetname", f"sip/{self.pool_fqdn}"), ("version", "4"))
        tls_dsk = tls_dsk_challenge(targetname=self.pool_fqdn, sts_uri=self.sts_uri)
        return [
            ("WWW-Authenticate", format_security_header(SecurityHeader(NTLM, common))),
            ("WWW-Authenticate", format_security_header(SecurityHeader(KERBEROS, kerberos))),
            ("WWW-Authenticate", format_security_header(tls_dsk)),
        ]

    def expire(self, now: datetime) -> int:
        """Drop associations past their lifetime and handshakes left unfinished; how many."""
        dead = [opaque for opaque, sa in self.associations.items() if not sa.alive(now)]
        for opaque in dead:
            del self.associations[opaque]
        return len(dead)

    # ------------------------------------------------------------------ handshake

    def _handshake(
        self, request: SipRequest, authorization: SecurityHeader, now: datetime
    ) -> bytes:
        aor = _from_uri(request)
        token = authorization.gssapi_data("Authorization") or b""
        opaque = authorization.opaque
        if opaque is None:
            opaque = self._new_opaque()
            association = SecurityAssociation(
                opaque, aor, self._server.handshake(now=now), opened=now
            )
            self.associations[opaque] = association
        else:
            found = self.associations.get(opaque)
            if found is None or not found.alive(now) or found.established or found.aor != aor:
                return self._refuse(request, "unknown_opaque")
            association = found
        try:
            flight = association.engine.step(token)
        except TlsDskHandshakeFailed as failure:
            del self.associations[opaque]
            refused = isinstance(failure, CertificateRefused | NoClientCertificate)
            return self._refuse(
                request,
                "untrusted_certificate" if refused else "handshake_failed",
                continuation=(opaque, failure.to_send),
            )
        if association.engine.complete:
            if not _certificate_names(association.engine.client_certificate, aor):
                del self.associations[opaque]
                return self._refuse(request, "certificate_not_for_user")
            association.keys = association.engine.keys
            lifetime = min(
                self.sa_lifetime,
                _not_after(association.engine.client_certificate) - now,
            )
            association.expires_at = now + lifetime
            self.counts["handshakes"] += 1
        self.counts["handshake_steps"] += 1
        # As Schannel writes it: pidgin-sipe cannot read a flight of one record per message.
        flight = join_handshake_records(flight)
        continuation = tls_dsk_continuation(opaque=opaque, token=flight, targetname=self.pool_fqdn)
        return _response(
            request,
            401,
            "Unauthorized",
            [("WWW-Authenticate", format_security_header(continuation)), SERVER_HEADER],
        )

    def _new_opaque(self) -> str:
        while True:
            opaque = f"{self._rng.getrandbits(32):08X}"
            if opaque not in self.associations:
                return opaque

    # ------------------------------------------------------------------ signed requests

    def _signed(self, request: SipRequest, authorization: SecurityHeader, now: datetime) -> bytes:
        opaque = authorization.opaque
        association = None if opaque is None else self.associations.get(opaque)
        if association is None or not association.established:
            return self._refuse(request, "unknown_opaque")
        if not association.alive(now):
            del self.associations[association.opaque]
            return self._refuse(request, "sa_expired")
        keys = association.keys
        assert keys is not None
        try:
            params = SignatureParams.from_header(authorization, "Authorization")
            text = signature_string(request, params)
        except (MalformedSecurityHeader, UnsignableMessage):
            return self._refuse(request, "bad_signature", association=association)
        check = verify(keys.client, text, authorization.get("response") or "", keys.digest)
        if check is not SignatureCheck.VALID or association.aor != _from_uri(request):
            return self._refuse(request, "bad_signature", association=association)
        if request.method not in ("REGISTER", "SUBSCRIBE"):
            return self._other_request(request, association)
        if request.method == "SUBSCRIBE":
            answer = self.subscriptions.answer(request, self.allow_events)
            return self._signed_response(
                request,
                answer.status,
                answer.reason,
                association,
                [*answer.headers, SERVER_HEADER],
                body=answer.body,
            )
        return self._register(request, association, now)

    def _register(
        self, request: SipRequest, association: SecurityAssociation, now: datetime
    ) -> bytes:
        if self.refuse_register is not None:
            return self._refuse(request, self.refuse_register, association=association)
        if self.redirect_to is not None:
            self.counts["redirected"] += 1
            contact = f"<sip:{self.redirect_to}:5061;transport=tls>"
            return self._signed_response(
                request,
                301,
                DIRECTOR_REDIRECT,
                association,
                [("Contact", contact), ("Expires", DIRECTOR_REDIRECT_EXPIRES), SERVER_HEADER],
            )
        asked = _asked_expires(request, self.expires)
        granted = min(asked, self.expires)
        aor = association.aor
        contact = request.headers.get("Contact") or ""
        epid = _epid(request) or ""
        if granted == 0:
            self.bindings.pop(aor, None)
            self.counts["unregistered"] += 1
            return self._signed_response(
                request, 200, "OK", association, [("Expires", "0"), SERVER_HEADER]
            )
        self.bindings[aor] = Binding(contact, now + timedelta(seconds=granted), epid)
        self.counts["registered"] += 1
        gruu = f"{aor};opaque=user:epid:{epid};gruu"
        return self._signed_response(
            request,
            200,
            "OK",
            association,
            [
                ("Contact", f'{contact};expires={granted};gruu="{gruu}"'),
                ("Expires", str(granted)),
                ("Allow-Events", self.allow_events),
                (
                    "ms-keep-alive",
                    f"UAS; tcp=no; hop-hop=yes; end-end=no; timeout={self.keep_alive}",
                ),
                ("Supported", "adhoclist"),
                ("Supported", "msrtc-event-categories"),
                ("Supported", "ms-keepalive-deregister"),
                SERVER_HEADER,
            ],
        )

    def _other_request(self, request: SipRequest, association: SecurityAssociation) -> bytes:
        """What a desktop client sends once signed in (pidgin-sipe: presence `SERVICE`, an
        `INVITE` to the group chat user): a `SERVICE` is accepted, anything else finds no
        one in the lab. Signed either way: a client that gets a 401 here retries at once."""
        self.counts[request.method.lower()] += 1
        if request.method == "SERVICE":
            return self._signed_response(request, 200, "OK", association, [SERVER_HEADER])
        return self._signed_response(request, 404, "Not Found", association, [SERVER_HEADER])

    # ------------------------------------------------------------------ answers

    def _endpoint_refusal(self, request: SipRequest) -> str | None:
        """MS-SIPAE §3.3.5.2: the endpoint identifiers, and that they agree."""
        epid = _epid(request)
        if epid is None:
            return "no_epid"
        found = _INSTANCE.search(request.headers.get("Contact") or "")
        if found is not None and found.group(1).lower() != instance_from_epid(epid):
            return "instance_not_from_epid"
        return None

    def _refuse(
        self,
        request: SipRequest,
        name: str,
        *,
        continuation: tuple[str, bytes] | None = None,
        association: SecurityAssociation | None = None,
    ) -> bytes:
        self.refusals[name] += 1
        refusal = REFUSALS[name]
        diagnostics = MsDiagnostics(
            refusal.diagnostics.error_id, refusal.diagnostics.reason, self.pool_fqdn
        )
        extra: list[tuple[str, str]] = []
        if continuation is not None and continuation[1]:
            # The alert the server's TLS wrote (`unknown ca`): the phone learns why.
            header = tls_dsk_continuation(
                opaque=continuation[0], token=continuation[1], targetname=self.pool_fqdn
            )
            extra.append(("WWW-Authenticate", format_security_header(header)))
        elif refusal.challenge:
            extra += self.challenges()
        extra += [(refusal.header, format_header(diagnostics)), SERVER_HEADER]
        if association is not None:
            return self._signed_response(
                request, refusal.status, refusal.reason_phrase, association, extra
            )
        return _response(request, refusal.status, refusal.reason_phrase, extra)

    def _signed_response(
        self,
        request: SipRequest,
        status: int,
        reason: str,
        association: SecurityAssociation,
        extra: list[tuple[str, str]],
        *,
        body: bytes = b"",
    ) -> bytes:
        keys = association.keys
        assert keys is not None
        items = _answer_headers(request, extra)
        association.snum += 1
        srand = f"{self._rng.getrandbits(32):08X}"
        params = SignatureParams(TLS_DSK, srand, str(association.snum), REALM, self.pool_fqdn)
        unsigned = SipResponse(status, reason, SipHeaders(tuple(items)))
        key = keys.client if self.sign_with_client_key else keys.server
        rspauth = sign(key, signature_string(unsigned, params), keys.digest).lower()
        info = tls_dsk_authentication_info(
            opaque=association.opaque,
            srand=srand,
            snum=association.snum,
            rspauth=rspauth,
            targetname=self.pool_fqdn,
        )
        self.counts["signed"] += 1
        return _format(
            status, reason, [("Authentication-Info", format_security_header(info)), *items], body
        )


def _tls_dsk_authorization(request: SipRequest) -> SecurityHeader | None:
    for value in request.headers.get_all("Authorization"):
        header = parse_security_header("Authorization", value)
        if header.is_scheme(TLS_DSK):
            return header
    return None


def _answer_headers(request: SipRequest, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """RFC 3261 §8.2.6.2's copied headers, then `extra`."""
    items = [
        (name, value)
        for name in ("Via", "From", "To", "Call-ID", "CSeq")
        for value in request.headers.get_all(name)
    ]
    return items + extra


def _response(
    request: SipRequest, status: int, reason: str, extra: list[tuple[str, str]] | None = None
) -> bytes:
    return _format(status, reason, _answer_headers(request, extra or []))


def _format(status: int, reason: str, items: list[tuple[str, str]], body: bytes = b"") -> bytes:
    lines = [f"SIP/2.0 {status} {reason}", *(f"{n}: {v}" for n, v in items)]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _from_uri(request: SipRequest) -> str:
    value = request.headers.get("From") or ""
    start, end = value.find("<"), value.find(">")
    if 0 <= start < end:
        return value[start + 1 : end]
    return value.partition(";")[0].strip()


def _epid(request: SipRequest) -> str | None:
    found = _EPID.search(request.headers.get("From") or "")
    return None if found is None else found.group(1)


def _asked_expires(request: SipRequest, default: int) -> int:
    value = request.headers.get("Expires")
    if value is None:
        found = _CONTACT_EXPIRES.search(request.headers.get("Contact") or "")
        value = None if found is None else found.group(1)
    if value is None or not value.strip().isdigit():
        return default
    return int(value.strip())


def _certificate_names(der: bytes, aor: str) -> bool:
    """The certificate was issued to the AOR: its `sip:` URI SAN, or its CN (`user@domain`)."""
    certificate = x509.load_der_x509_certificate(der)
    wanted = aor.lower()
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        uris = names.value.get_values_for_type(x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        uris = []
    if any(uri.lower() == wanted for uri in uris):
        return True
    common = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return any(
        isinstance(attribute.value, str) and f"sip:{attribute.value}".lower() == wanted
        for attribute in common
    )


def _not_after(der: bytes) -> datetime:
    return x509.load_der_x509_certificate(der).not_valid_after_utc


__all__ = [
    "ALLOW_EVENTS",
    "REFUSALS",
    "SA_LIFETIME",
    "Binding",
    "Refusal",
    "SecurityAssociation",
    "TlsDskRegistrar",
]
