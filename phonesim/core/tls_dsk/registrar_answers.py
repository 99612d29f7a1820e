"""Reading the registrar's answers: its TLS-DSK headers, its diagnostics, what it granted,
and whether its signature holds (pidgin-sipe's rules, `tls-dsk.md` §1.7)."""

from __future__ import annotations

from typing import Any

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, parse_header
from phonesim.codec.sip_message import SipResponse
from phonesim.codec.sip_security_header import (
    TLS_DSK,
    MalformedSecurityHeader,
    SecurityHeader,
    parse_security_header,
)
from phonesim.codec.tls_dsk.signature import (
    SignatureCheck,
    SignatureParams,
    UnsignableMessage,
    signature_string,
    verify,
)
from phonesim.core.tls_dsk.messages import Fault
from phonesim.core.tls_dsk.register_request import (
    Association,
)


def server_signature_problem(
    response: SipResponse, association: Association
) -> tuple[Fault, str, dict[str, Any]] | None:
    """What is wrong with the registrar's signature on `response`, or None when it holds.
    The registrar signs every final answer under the association; pidgin-sipe lets an
    unsigned 401 through (it carries a new challenge), and so does the phone."""
    info = tls_dsk_header(response, "Authentication-Info")
    if info is None:
        if response.status == 401:
            return None
        return (
            Fault.UNSIGNED_ANSWER,
            f"the registrar's {response.status} carries no Authentication-Info",
            {"status": response.status},
        )
    if info.opaque != association.opaque:
        return (
            Fault.BAD_SERVER_SIGNATURE,
            f"the registrar signed under opaque {info.opaque!r}, "
            f"not the association's {association.opaque!r}",
            {"status": response.status},
        )
    try:
        params = SignatureParams.from_header(info)
        text = signature_string(response, params, version=info.version or 4)
    except (MalformedSecurityHeader, UnsignableMessage) as error:
        return (
            Fault.BAD_SERVER_SIGNATURE,
            f"the registrar's signature: {error}",
            {"status": response.status},
        )
    keys = association.keys
    check = verify(keys.server, text, info.get("rspauth") or "", keys.digest)
    if check is SignatureCheck.VALID:
        return None
    return (
        Fault.BAD_SERVER_SIGNATURE,
        f"the registrar's signature on its {response.status} is {check}",
        {"status": response.status, "check": str(check), "snum": params.num},
    )


def tls_dsk_header(response: SipResponse, name: str) -> SecurityHeader | None:
    for value in response.headers.get_all(name):
        header = parse_security_header(name, value)
        if header.is_scheme(TLS_DSK):
            return header
    return None


def diagnostics_of(response: SipResponse) -> MsDiagnostics | None:
    for name in ("ms-diagnostics", "ms-diagnostics-public"):
        value = response.headers.get(name)
        if value is not None:
            return parse_header(value)
    return None


def granted_expires(response: SipResponse, default: int) -> int:
    value = (response.headers.get("Expires") or "").strip()
    return int(value) if value.isdigit() else default


def keep_alive_timeout(value: str | None) -> float | None:
    """`UAS; tcp=no; hop-hop=yes; end-end=no; timeout=300` → 300 ([MS-CONMGMT] §2.2.1)."""
    if value is None:
        return None
    for part in value.split(";"):
        name, _, number = part.strip().partition("=")
        if name.strip().lower() == "timeout" and number.strip().isdigit() and int(number) > 0:
            return float(number)
    return None


def redirect_target(contacts: list[str]) -> tuple[str, int, str] | None:
    """(host, port, transport) of the first Contact of a 301, as pidgin-sipe reads it:
    `<sip:192.168.74.5:5061;transport=tls>` (its FIXTURE). The phone signs in over TLS, so a
    Contact without a transport or port means TLS on 5061. None: no usable SIP URI."""
    if not contacts:
        return None
    value = contacts[0].strip()
    if value.startswith("<") and ">" in value:
        value = value[1 : value.index(">")]
    else:
        value = value.partition(",")[0]
    scheme, _, rest = value.partition(":")
    if scheme.strip().lower() not in ("sip", "sips") or not rest:
        return None
    address, *params = rest.split(";")
    host_port = address.rpartition("@")[2]
    host, _, port_text = host_port.partition(":")
    host = host.strip().lower()
    # isdigit alone takes `²` and 5000-digit numbers, which int() refuses.
    digits = port_text.isascii() and port_text.isdigit() and len(port_text) <= 5
    if not host or any(c in host for c in ' <>"\t') or (port_text and not digits):
        return None
    port = int(port_text) if port_text else 5061
    if not 0 < port < 65536:
        return None
    transport = "tls"
    for param in params:
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "transport" and param_value.strip():
            transport = param_value.strip().lower()
    return host, port, transport


def own_gruu(contacts: list[str], epid: str) -> str | None:
    """The `gruu` of the Contact that is this phone's, by its epid (pidgin-sipe matches its
    own `+sip.instance`; the lab's GRUU names the epid)."""
    for contact in contacts:
        start = contact.find('gruu="')
        if start < 0:
            continue
        value = contact[start + 6 : contact.find('"', start + 6)]
        if epid in value or epid in contact:
            return value
    return None
