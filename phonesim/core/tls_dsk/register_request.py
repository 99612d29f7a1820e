"""The REGISTERs of a TLS-DSK sign-in, as the phone writes them, signed when they must be.

The phone names its endpoint as MS-SIPRE requires (`tls-dsk.md` §5.4): an
`epid` on From, and a `+sip.instance` derived from that epid, since the
registrar checks that one came from the other (MS-SIPAE §3.3.5.2). The
deprecated `ms-forking` tag is left out ([MS-SIPREGE] §2.2.1.5). A signed
REGISTER's signature covers its Expires, so the value written is the value
signed: the text is built from the very headers that are sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.codec.sip_message import SipHeaders, SipRequest
from phonesim.codec.sip_security_header import (
    TLS_DSK,
    SecurityHeader,
    format_security_header,
    tls_dsk_handshake_authorization,
    tls_dsk_signed_authorization,
)
from phonesim.codec.tls_dsk.keys import SigningKeys
from phonesim.codec.tls_dsk.signature import SignatureParams, sign, signature_string
from phonesim.codec.tls_dsk.sip_instance import sip_instance_param

METHODS = "INVITE, MESSAGE, INFO, SUBSCRIBE, OPTIONS, BYE, CANCEL, NOTIFY, ACK, REFER, BENOTIFY"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Who registers, from where: what every REGISTER of one sign-in repeats."""

    aor: str
    """`sip:alice@lab.test`."""
    epid: str
    local_host: str
    local_port: int
    user_agent: str
    call_id: str
    tag: str
    transport: str = "TLS"

    @property
    def domain(self) -> str:
        return self.aor.partition("@")[2]


@dataclass(frozen=True, slots=True)
class Association:
    """What the phone holds of an established security association: the registrar's
    `opaque`, realm and target from its challenge, and the keys."""

    opaque: str
    realm: str
    targetname: str
    keys: SigningKeys

    def __repr__(self) -> str:
        return f"Association({self.opaque!r}, {self.targetname!r})"


def register(
    endpoint: Endpoint,
    *,
    cseq: int,
    branch: str,
    expires: int,
    authorization: SecurityHeader | None = None,
) -> bytes:
    """A REGISTER, with `authorization` (a handshake step) or without (asking to be challenged)."""
    items = _headers(endpoint, cseq=cseq, branch=branch, expires=expires)
    if authorization is not None:
        items.append(("Authorization", format_security_header(authorization)))
    return _format(endpoint, items)


def handshake_register(
    endpoint: Endpoint,
    *,
    cseq: int,
    branch: str,
    expires: int,
    token: bytes,
    realm: str,
    targetname: str,
    opaque: str | None,
) -> bytes:
    """A REGISTER carrying one flight of the inner handshake in `gssapi-data`."""
    authorization = tls_dsk_handshake_authorization(
        targetname=targetname, token=token, opaque=opaque, realm=realm
    )
    return register(
        endpoint, cseq=cseq, branch=branch, expires=expires, authorization=authorization
    )


def signed_register(
    endpoint: Endpoint,
    association: Association,
    *,
    cseq: int,
    branch: str,
    expires: int,
    crand: str,
    cnum: int,
    version: int | None = None,
) -> bytes:
    """A REGISTER signed with the client key. `version` is written on the REGISTER that
    completes a handshake only, as pidgin-sipe does (`tls-dsk.md` §1.2)."""
    items = _headers(endpoint, cseq=cseq, branch=branch, expires=expires)
    request = SipRequest("REGISTER", _request_uri(endpoint), SipHeaders(tuple(items)))
    items.append(signed_authorization(request, association, crand, cnum, version=version))
    return _format(endpoint, items)


def signed_authorization(
    request: SipRequest,
    association: Association,
    crand: str,
    cnum: int,
    *,
    version: int | None = None,
) -> tuple[str, str]:
    """The `Authorization` header that signs `request` (built from the very headers that
    are sent) with the association's client key: any request after the handshake."""
    params = SignatureParams(TLS_DSK, crand, str(cnum), association.realm, association.targetname)
    keys = association.keys
    response = sign(keys.client, signature_string(request, params), keys.digest)
    authorization = tls_dsk_signed_authorization(
        opaque=association.opaque,
        targetname=association.targetname,
        crand=crand,
        cnum=cnum,
        response=response,
        realm=association.realm,
        version=version,
    )
    return ("Authorization", format_security_header(authorization))


def _request_uri(endpoint: Endpoint) -> str:
    return f"sip:{endpoint.domain}"


def _headers(endpoint: Endpoint, *, cseq: int, branch: str, expires: int) -> list[tuple[str, str]]:
    transport = endpoint.transport
    host, port = endpoint.local_host, endpoint.local_port
    return [
        ("Via", f"SIP/2.0/{transport} {host}:{port};branch={branch}"),
        ("Max-Forwards", "70"),
        ("From", f"<{endpoint.aor}>;tag={endpoint.tag};epid={endpoint.epid}"),
        ("To", f"<{endpoint.aor}>"),
        ("Call-ID", endpoint.call_id),
        ("CSeq", f"{cseq} REGISTER"),
        (
            "Contact",
            f"<sip:{host}:{port};transport={transport.lower()}>;"
            f'methods="{METHODS}";proxy=replace;'
            f"+sip.instance={sip_instance_param(endpoint.epid)}",
        ),
        ("User-Agent", endpoint.user_agent),
        ("Supported", "gruu-10, adhoclist, msrtc-event-categories"),
        ("Event", "registration"),
        ("ms-keep-alive", "UAC;hop-hop=yes"),
        ("Expires", str(expires)),
    ]


def _format(endpoint: Endpoint, items: list[tuple[str, str]]) -> bytes:
    lines = [f"REGISTER {_request_uri(endpoint)} SIP/2.0", *(f"{n}: {v}" for n, v in items)]
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


__all__ = [
    "Association",
    "Endpoint",
    "handshake_register",
    "register",
    "signed_authorization",
    "signed_register",
]
