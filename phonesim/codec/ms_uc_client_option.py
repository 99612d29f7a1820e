"""Option 43 as sent to vendor class `MS-UC-Client`: where the certificate web service is.

The value is a list of code/length/value sub-options (RFC 2132 §8.4) whose
texts make the URL `<2>://<3>:<4><5>` (protocol.md §2). DHCPUtil writes them
as 1,2,3,4,5 with no end code, dnsmasq as 5,4,3,2,1 with an end code, so they
are read by code, never by position.

A sub-option that claims more bytes than are left is reported, not raised:
Cisco IOS cuts `option 43 hex` at 90 bytes, and the phone then fails to find
the web service, which is the symptom an admin needs to see explained. The
same holds when the value ends right after a sub-option code, before its
length byte: nothing of that sub-option arrived, so its declared length is
unknown (None) and its present length is 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from phonesim.codec.ocauthws.endpoints import CERT_PROV_PATH
from phonesim.codec.web_address import host_problem, unprintable, url_problem
from phonesim.errors import MalformedOption

OPTION_CODE = 43
PAD = 0
END = 255

UC_IDENTIFIER = 1
URL_SCHEME = 2
WEB_SERVER_FQDN = 3
WEB_SERVER_PORT = 4
CERT_PROV_REL_PATH = 5

URL_PARTS = (URL_SCHEME, WEB_SERVER_FQDN, WEB_SERVER_PORT, CERT_PROV_REL_PATH)
_TEXT_NAMES = {
    UC_IDENTIFIER: "UCIdentifier",
    URL_SCHEME: "URLScheme",
    WEB_SERVER_FQDN: "WebServerFqdn",
    WEB_SERVER_PORT: "WebServerPort",
    CERT_PROV_REL_PATH: "CertProvRelPath",
}

DEFAULT_IDENTIFIER = "MS-UC-Client"
DEFAULT_URL_SCHEME = "https"
DEFAULT_PORT = "443"


@dataclass(frozen=True)
class TruncatedSubOption:
    code: int
    declared_length: int | None
    """None when the value ended before the length byte itself."""
    present_length: int
    partial_value: bytes


@dataclass(frozen=True)
class UcClientVendorOption:
    identifier: str | None
    url_scheme: str | None
    web_server_fqdn: str | None
    web_server_port: str | None
    port_as_integer: int | None
    """Set when sub-option 4 is a binary integer (dnsmasq writes a bare 443 as 01 bb),
    which the phone would not read as the text it expects."""
    cert_prov_path: str | None
    order: tuple[int, ...]
    has_end: bool
    unknown: tuple[tuple[int, bytes], ...]
    truncated: TruncatedSubOption | None

    @property
    def missing(self) -> tuple[int, ...]:
        present = {
            URL_SCHEME: self.url_scheme is not None,
            WEB_SERVER_FQDN: self.web_server_fqdn is not None,
            WEB_SERVER_PORT: self.web_server_port is not None or self.port_as_integer is not None,
            CERT_PROV_REL_PATH: self.cert_prov_path is not None,
        }
        return tuple(code for code in URL_PARTS if not present[code])

    @property
    def url(self) -> str | None:
        """The CertProv URL the phone would use, or None when any part is absent or unusable.

        An integer port or an empty scheme or host gives None rather than a URL
        the phone could not have built either.
        """
        if (
            not self.url_scheme
            or not self.web_server_fqdn
            or not self.web_server_port
            or self.cert_prov_path is None
        ):
            return None
        url = f"{self.url_scheme}://{self.web_server_fqdn}:{self.web_server_port}{self.cert_prov_path}"
        return None if url_problem(url) else url

    @property
    def partial_url(self) -> str | None:
        """The URL a receiver that ignores a truncation builds from what did arrive.

        Only a cut inside the last URL part (the path, as the Cisco IOS limit
        cuts it) leaves a URL at all: the phone then asks for a path that does
        not exist. None when nothing is truncated or an earlier part is lost.
        """
        cut = self.truncated
        if cut is None or cut.code != CERT_PROV_REL_PATH:
            return None
        if not self.url_scheme or not self.web_server_fqdn or not self.web_server_port:
            return None
        if not cut.partial_value.isascii():
            return None
        path = cut.partial_value.decode("ascii")
        url = f"{self.url_scheme}://{self.web_server_fqdn}:{self.web_server_port}{path}"
        return None if url_problem(url) else url


@functools.lru_cache(maxsize=256)
def decode_ms_uc_client_option(value: bytes) -> UcClientVendorOption:
    """Memoised by the value's bytes (the result is frozen; errors are not cached): a
    fleet's phones read the same option 43 thousands of times."""
    return decode_ms_uc_client_option_uncached(value)


def decode_ms_uc_client_option_uncached(value: bytes) -> UcClientVendorOption:
    texts: dict[int, str] = {}
    port_as_integer: int | None = None
    order: list[int] = []
    unknown: list[tuple[int, bytes]] = []
    truncated: TruncatedSubOption | None = None
    has_end = False
    seen: set[int] = set()

    position = 0
    size = len(value)
    while position < size:
        code = value[position]
        if code == PAD:
            position += 1
            continue
        if code == END:
            # RFC 2132 §3.2: nothing after the end code is information.
            has_end = True
            break
        if position + 1 >= size:
            truncated = TruncatedSubOption(code, None, 0, b"")
            order.append(code)
            break
        length = value[position + 1]
        start = position + 2
        data = value[start : start + length]
        order.append(code)
        if len(data) < length:
            truncated = TruncatedSubOption(code, length, len(data), bytes(data))
            break
        if code in seen and code in _TEXT_NAMES:
            raise MalformedOption(
                OPTION_CODE, f"sub-option {code} ({_TEXT_NAMES[code]}) appears twice", position
            )
        seen.add(code)
        if code == WEB_SERVER_PORT:
            if data.isdigit():
                texts[code] = data.decode("ascii")
            elif 1 <= len(data) <= 2:
                port_as_integer = int.from_bytes(data, "big")
            else:
                raise MalformedOption(
                    OPTION_CODE,
                    f"sub-option 4 (WebServerPort) is {data.hex() or 'empty'}: "
                    "neither ASCII digits nor a 1-2 byte integer",
                    start,
                )
        elif code in _TEXT_NAMES:
            if not data.isascii():
                bad = next(index for index, byte in enumerate(data) if byte >= 0x80)
                raise MalformedOption(
                    OPTION_CODE,
                    f"sub-option {code} ({_TEXT_NAMES[code]}) is not ASCII text",
                    start + bad,
                )
            texts[code] = data.decode("ascii")
            _check_url_part(code, texts[code], start)
        else:
            unknown.append((code, bytes(data)))
        position = start + length

    return UcClientVendorOption(
        identifier=texts.get(UC_IDENTIFIER),
        url_scheme=texts.get(URL_SCHEME),
        web_server_fqdn=texts.get(WEB_SERVER_FQDN),
        web_server_port=texts.get(WEB_SERVER_PORT),
        port_as_integer=port_as_integer,
        cert_prov_path=texts.get(CERT_PROV_REL_PATH),
        order=tuple(order),
        has_end=has_end,
        unknown=tuple(unknown),
        truncated=truncated,
    )


def _check_url_part(code: int, text: str, start: int) -> None:
    """Refuse a URL part no URL can hold, here where its bytes are: caught later, it would
    fail at the first request, and from the discovery cache at every boot after."""
    if code not in URL_PARTS:
        return
    position = unprintable(text)
    if position is not None:
        raise MalformedOption(
            OPTION_CODE,
            f"sub-option {code} ({_TEXT_NAMES[code]}) holds byte 0x{ord(text[position]):02x}, "
            "which no URL may hold",
            start + position,
        )
    problem = host_problem(text) if code == WEB_SERVER_FQDN else None
    if problem is not None:
        raise MalformedOption(
            OPTION_CODE, f"sub-option {code} ({_TEXT_NAMES[code]}) is {problem}", start
        )


def encode_ms_uc_client_option(
    *,
    web_server_fqdn: str,
    web_server_port: str = DEFAULT_PORT,
    url_scheme: str = DEFAULT_URL_SCHEME,
    cert_prov_path: str = CERT_PROV_PATH,
    identifier: str = DEFAULT_IDENTIFIER,
) -> bytes:
    """The value DHCPUtil writes: sub-options 1 to 5 in order, no pad, no end code.

    The port is text, as the phone reads it. Values that the phone could not
    read back raise MalformedOption, so a bad scenario fails before any packet.
    """
    if not web_server_port.isascii() or not web_server_port.isdigit():
        raise MalformedOption(
            OPTION_CODE, f"WebServerPort {web_server_port!r} must be ASCII digits, e.g. '443'"
        )
    encoded = bytearray()
    for code, text in (
        (UC_IDENTIFIER, identifier),
        (URL_SCHEME, url_scheme),
        (WEB_SERVER_FQDN, web_server_fqdn),
        (WEB_SERVER_PORT, web_server_port),
        (CERT_PROV_REL_PATH, cert_prov_path),
    ):
        if not text.isascii():
            raise MalformedOption(OPTION_CODE, f"{_TEXT_NAMES[code]} {text!r} is not ASCII")
        data = text.encode("ascii")
        if len(data) > 255:
            raise MalformedOption(
                OPTION_CODE, f"{_TEXT_NAMES[code]} is {len(data)} bytes; a sub-option holds 255"
            )
        encoded.append(code)
        encoded.append(len(data))
        encoded += data
    return bytes(encoded)
