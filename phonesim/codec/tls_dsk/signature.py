"""Signing SIP messages with the TLS-DSK keys (MS-SIPAE §3.2.5.2, `tls-dsk.md` §1.7).

The signed text is a list of `<value>` fields taken from the message exactly as
pidgin-sipe's `sipmsg_breakdown_parse` takes them, so a registrar and a phone
that build it here agree with SIPE and, through it, with Lync: values keep the
case and spelling of the headers, and a missing value is `<>`. The signature is
an HMAC over that text, written in upper-case hex and read in either case.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from phonesim.codec.sip_message import SipRequest, SipResponse
from phonesim.codec.sip_security_header import MalformedSecurityHeader, SecurityHeader
from phonesim.errors import PhonesimError

SipMessage = SipRequest | SipResponse


class UnsignableMessage(PhonesimError):
    """A message whose signature text cannot be built (SIPE refuses the same ones)."""


class SignatureCheck(StrEnum):
    VALID = "valid"
    WRONG = "wrong"
    """Well-formed hex that is not the HMAC of this message under this key."""
    MALFORMED = "malformed"
    """Not hex, or not as long as the HMAC: no key could have made it."""


@dataclass(frozen=True, slots=True)
class SignatureParams:
    """What the signer adds to the message's own fields. For what a phone sends: `TLS-DSK`,
    its `crand`/`cnum`, realm and target from the challenge; for what it receives: the
    sender's `Authentication-Info` (`srand`/`snum`)."""

    protocol: str
    rand: str
    num: str
    realm: str
    targetname: str

    @classmethod
    def from_header(
        cls, header: SecurityHeader, name: str = "Authentication-Info"
    ) -> SignatureParams:
        """From a signed `Authorization` (crand, cnum) or `Authentication-Info` (srand, snum)."""
        rand = header.get("srand") if header.get("srand") is not None else header.get("crand")
        num = header.get("snum") if header.get("snum") is not None else header.get("cnum")
        realm = header.realm
        if rand is None or num is None or realm is None:
            missing = [
                label
                for label, value in (("rand", rand), ("num", num), ("realm", realm))
                if value is None
            ]
            raise MalformedSecurityHeader(name, f"no {', '.join(missing)} to check a signature")
        return cls(header.scheme, rand, num, realm, header.targetname or "")


def signature_string(message: SipMessage, params: SignatureParams, *, version: int = 4) -> str:
    """The signed text: 15 fields for version ≥ 3 (TLS-DSK is 4), 12 before, plus the
    status code of a response."""
    if not params.realm:
        raise UnsignableMessage("no realm: SIPE neither signs nor checks such a message")
    headers = message.headers
    cseq = headers.get("CSeq") or ""
    cseq_number, _, cseq_method = cseq.partition(" ")
    if isinstance(message, SipRequest):
        method = message.method
        status = ""
    else:
        method = cseq_method
        status = f"<{message.status}>"
    from_uri, from_tag = _address(headers.get("From"))
    to_uri, to_tag = _address(headers.get("To"))
    identity = headers.get("P-Asserted-Identity")
    if identity is None:
        identity = headers.get("P-Preferred-Identity")
    pai_sip, pai_tel = _asserted_identity(identity)
    common = [params.protocol, params.rand, params.num, params.realm, params.targetname]
    common += [headers.get("Call-ID") or "", cseq_number, method, from_uri, from_tag]
    if version < 3:
        fields = [*common, to_tag, headers.get("Expires") or ""]
    else:
        fields = [*common, to_uri, to_tag, pai_sip, pai_tel, headers.get("Expires") or ""]
    return "".join(f"<{value}>" for value in fields) + status


def sign(key: bytes, text: str, digest: str = "sha1") -> str:
    """Upper-case hex, as SIPE writes it (`%02X`)."""
    return hmac.new(key, text.encode("utf-8"), digest).hexdigest().upper()


def verify(key: bytes, text: str, signature: str, digest: str = "sha1") -> SignatureCheck:
    expected = hmac.new(key, text.encode("utf-8"), digest).digest()
    try:
        given = bytes.fromhex(signature)
    except ValueError:
        return SignatureCheck.MALFORMED
    if len(given) != len(expected):
        return SignatureCheck.MALFORMED
    return SignatureCheck.VALID if hmac.compare_digest(given, expected) else SignatureCheck.WRONG


def _between(text: str, before: str, after: str) -> str | None:
    """`sipmsg_find_part_of_header`: after the first `before`, up to the next `after` or
    the end; None when `before` is absent."""
    start = text.find(before)
    if start < 0:
        return None
    start += len(before)
    end = text.find(after, start)
    return text[start:] if end < 0 else text[start:end]


def _address(value: str | None) -> tuple[str, str]:
    """The URI between `<` and `>` (empty without brackets, as in SIPE) and the tag."""
    if value is None:
        return "", ""
    return _between(value, "<", ">") or "", _between(value, ";tag=", ";") or ""


def _asserted_identity(value: str | None) -> tuple[str, str]:
    """The `sip:` and `tel:` URIs of P-Asserted-Identity (`sipmsg_parse_p_asserted_identity`):
    a bare `tel:` header is the tel URI; otherwise the first bracketed URI of each kind."""
    if value is None:
        return "", ""
    if value[:4].lower() == "tel:":
        return "", value
    sip = tel = ""
    for part in value.split(","):
        uri = _between(part, "<", ">")
        if uri is None:
            continue
        if uri[:4].lower() == "sip:" and not sip:
            sip = uri
        elif uri[:4].lower() == "tel:" and not tel:
            tel = uri
    return sip, tel
