"""The SIP security headers of MS-SIPAE: challenges, credentials and signatures.

`WWW-Authenticate`, `Authorization`, `Authentication-Info` and their `Proxy-`
forms all share one shape: a scheme (`TLS-DSK`, `NTLM`, `Kerberos`) and a comma
list of `name="value"` parameters. pidgin-sipe reads parameters in any order and
takes `version` bare or quoted; it writes every value quoted except `version`.
Parameter order is kept so that a header formats back to the line it came from,
and the builders below write the orders SIPE and Lync servers write
(`tls-dsk.md` §1.2).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from phonesim.errors import PhonesimError

HEADER_NAMES = (
    "WWW-Authenticate",
    "Authorization",
    "Authentication-Info",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Proxy-Authentication-Info",
)
TLS_DSK = "TLS-DSK"
NTLM = "NTLM"
KERBEROS = "Kerberos"
REALM = "SIP Communications Service"

_SCHEME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_NAME = re.compile(r"[A-Za-z0-9_+.-]+")
_BARE_VALUE = re.compile(r'[^",\s]+')
# A quoted value's body up to its closing quote, a backslash escaping the next character.
# gssapi-data carries a TLS flight of several KiB in base64: read as one match, not by
# character (that loop was a millisecond of CPU per sign-in on each end).
_QUOTED_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_NUMERIC = frozenset({"version", "cnum", "snum"})
_BARE_WHEN_WRITTEN = frozenset({"version"})
"""A Lync server and SIPE write `version=4`; every other value goes in quotes."""
_MAX_HEADER = 64 * 1024


class MalformedSecurityHeader(PhonesimError):
    """A security header that cannot be read: `header` names it, `reason` says what is wrong."""

    def __init__(self, header: str, reason: str) -> None:
        self.header = header
        self.reason = reason
        super().__init__(f"{header}: {reason}")


@dataclass(frozen=True, slots=True)
class SecurityHeader:
    """One security header's value. Parameter names are lower case, in the order written."""

    scheme: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.params if key == wanted), None)

    @property
    def realm(self) -> str | None:
        return self.get("realm")

    @property
    def targetname(self) -> str | None:
        return self.get("targetname")

    @property
    def opaque(self) -> str | None:
        return self.get("opaque")

    @property
    def sts_uri(self) -> str | None:
        return self.get("sts-uri")

    @property
    def version(self) -> int | None:
        value = self.get("version")
        return None if value is None else int(value)

    def gssapi_data(self, header: str = "security header") -> bytes | None:
        """The token carried in `gssapi-data`, decoded from base64 (None when absent)."""
        value = self.get("gssapi-data")
        if value is None:
            return None
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedSecurityHeader(header, "gssapi-data is not base64") from None

    def is_scheme(self, scheme: str) -> bool:
        return self.scheme.lower() == scheme.lower()


def parse_security_header(header: str, value: str) -> SecurityHeader:
    """`value` of the header named `header` (the name only goes into errors)."""
    if len(value) > _MAX_HEADER:
        raise MalformedSecurityHeader(header, "longer than 64 KiB")
    text = value.strip()
    scheme_match = _SCHEME.match(text)
    if scheme_match is None:
        raise MalformedSecurityHeader(header, "no authentication scheme")
    scheme = scheme_match.group(0)
    position = scheme_match.end()
    if position < len(text) and not text[position].isspace():
        raise MalformedSecurityHeader(
            header, f"scheme {scheme!r} followed by {text[position]!r} at character {position}"
        )
    params: list[tuple[str, str]] = []
    seen: set[str] = set()
    position = _skip_space(text, position)
    while position < len(text):
        name, value_text, position = _read_param(header, text, position)
        if name in seen:
            raise MalformedSecurityHeader(header, f"parameter {name!r} given twice")
        if name in _NUMERIC and not (value_text.isascii() and value_text.isdigit()):
            raise MalformedSecurityHeader(header, f"{name} is not a number: {value_text!r}")
        seen.add(name)
        params.append((name, value_text))
        position = _skip_space(text, position)
        if position < len(text):
            if text[position] != ",":
                raise MalformedSecurityHeader(
                    header, f"expected ',' after {name}, found {text[position]!r}"
                )
            position = _skip_space(text, position + 1)
            if position >= len(text):
                raise MalformedSecurityHeader(header, "ends with a ','")
    return SecurityHeader(scheme, tuple(params))


def parse_security_header_line(line: str) -> tuple[str, SecurityHeader]:
    """`Name: value` as it appears in a message, for one of `HEADER_NAMES`."""
    name, colon, value = line.partition(":")
    known = {known.lower(): known for known in HEADER_NAMES}
    canonical = known.get(name.strip().lower())
    if not colon or canonical is None:
        raise MalformedSecurityHeader(
            name.strip()[:40] or "header line", "not a security header line"
        )
    return canonical, parse_security_header(canonical, value)


def format_security_header(header: SecurityHeader) -> str:
    if not header.params:
        return header.scheme
    return header.scheme + " " + ", ".join(_format_param(n, v) for n, v in header.params)


def _format_param(name: str, value: str) -> str:
    if name in _BARE_WHEN_WRITTEN:
        return f"{name}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _read_param(header: str, text: str, position: int) -> tuple[str, str, int]:
    name_match = _NAME.match(text, position)
    if name_match is None:
        raise MalformedSecurityHeader(
            header, f"expected a parameter name at character {position}, found {text[position]!r}"
        )
    name = name_match.group(0).lower()
    position = _skip_space(text, name_match.end())
    if position >= len(text) or text[position] != "=":
        raise MalformedSecurityHeader(header, f"parameter {name!r} has no '=' and no value")
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == '"':
        return (name, *_read_quoted(header, name, text, position + 1))
    bare = _BARE_VALUE.match(text, position)
    if bare is None:
        raise MalformedSecurityHeader(header, f"parameter {name!r} has an empty value")
    return name, bare.group(0), bare.end()


def _read_quoted(header: str, name: str, text: str, position: int) -> tuple[str, int]:
    body = _QUOTED_BODY.match(text, position)
    if body is None:
        raise MalformedSecurityHeader(header, f"the quoted value of {name!r} is not closed")
    end = body.end()
    value = text[position : end - 1]
    if "\\" in value:
        value = _ESCAPED.sub(r"\1", value)
    return value, end


# The forms a TLS-DSK sign-in writes, each in the order SIPE or a Lync server writes it.


def tls_dsk_challenge(*, targetname: str, sts_uri: str, version: int = 4) -> SecurityHeader:
    """The first 401's `WWW-Authenticate: TLS-DSK` (Lync 2013, [FIXTURE])."""
    return SecurityHeader(
        TLS_DSK,
        (
            ("realm", REALM),
            ("targetname", targetname),
            ("version", str(version)),
            ("sts-uri", sts_uri),
        ),
    )


def tls_dsk_continuation(
    *, opaque: str, token: bytes, targetname: str, version: int = 4
) -> SecurityHeader:
    """A handshake 401's `WWW-Authenticate: TLS-DSK`, in the order of Lync's NTLM one."""
    return SecurityHeader(
        TLS_DSK,
        (
            ("opaque", opaque),
            ("gssapi-data", base64.b64encode(token).decode("ascii")),
            ("targetname", targetname),
            ("realm", REALM),
            ("version", str(version)),
        ),
    )


def tls_dsk_handshake_authorization(
    *,
    targetname: str,
    token: bytes,
    opaque: str | None = None,
    realm: str = REALM,
    version: int = 4,
) -> SecurityHeader:
    """The `Authorization` of a REGISTER carrying a handshake flight (`initialize_auth_context`)."""
    params = [("qop", "auth")]
    if opaque is not None:
        params.append(("opaque", opaque))
    params += [
        ("realm", realm),
        ("targetname", targetname),
        ("gssapi-data", base64.b64encode(token).decode("ascii")),
        ("version", str(version)),
    ]
    return SecurityHeader(TLS_DSK, tuple(params))


def tls_dsk_signed_authorization(
    *,
    opaque: str,
    targetname: str,
    crand: str,
    cnum: int,
    response: str,
    realm: str = REALM,
    version: int | None = None,
) -> SecurityHeader:
    """A signed request's `Authorization`. SIPE writes `version` only on the REGISTER that
    completes the handshake, none on later requests (`msg_signature_to_auth`)."""
    params = [("qop", "auth"), ("opaque", opaque), ("realm", realm), ("targetname", targetname)]
    if version is not None:
        params.append(("version", str(version)))
    params += [("crand", crand), ("cnum", str(cnum)), ("response", response)]
    return SecurityHeader(TLS_DSK, tuple(params))


def tls_dsk_authentication_info(
    *,
    opaque: str,
    srand: str,
    snum: int,
    rspauth: str,
    targetname: str,
    realm: str = REALM,
    version: int = 4,
) -> SecurityHeader:
    """The server's signature on a message it sends (MS-OCPSTN §4.7.2.1)."""
    return SecurityHeader(
        TLS_DSK,
        (
            ("qop", "auth"),
            ("opaque", opaque),
            ("srand", srand),
            ("snum", str(snum)),
            ("rspauth", rspauth),
            ("targetname", targetname),
            ("realm", realm),
            ("version", str(version)),
        ),
    )
