"""The two option values the phones need, computed once for every server format.

This is DHCPUtil's job (protocol.md §5): option 120 from the registrar pool
FQDNs (or IPv4 addresses, encoding 1), option 43 from the internal web FQDN,
each sub-option as the DHCPConfigScript sets it. Every format module renders
these same bytes, so all servers hand the phone the same values.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from phonesim.codec.address_text import is_ipv4
from phonesim.codec.cpe_ocphone_option import MAX_VLAN, MIN_VLAN, encode_cpe_ocphone_option
from phonesim.codec.cpe_ocphone_option import VENDOR_CLASS as VLAN_QUERY_CLASS
from phonesim.codec.dhcp_options import MAX_INSTANCE_LENGTH, split_option
from phonesim.codec.ms_uc_client_option import (
    CERT_PROV_REL_PATH,
    DEFAULT_IDENTIFIER,
    DEFAULT_PORT,
    DEFAULT_URL_SCHEME,
    UC_IDENTIFIER,
    URL_SCHEME,
    WEB_SERVER_FQDN,
    WEB_SERVER_PORT,
    encode_ms_uc_client_option,
)
from phonesim.codec.ocauthws.endpoints import CERT_PROV_PATH
from phonesim.codec.sip_server_option import (
    encode_sip_server_addresses,
    encode_sip_server_names,
)
from phonesim.dhcp_config import url_parts
from phonesim.errors import UsageError

VENDOR_CLASS = "MS-UC-Client"
PHONE_REGISTRAR_LIMIT = 2
"""The phones try at most two registrars from option 120 (the seed)."""


@dataclass(frozen=True)
class SubOption:
    code: int
    name: str
    """The name DHCPConfigScript gives it in `netsh dhcp server add optiondef`."""
    comment: str
    """The comment DHCPConfigScript gives it, character for character."""
    text: str

    @property
    def value(self) -> bytes:
        return self.text.encode("ascii")


@dataclass(frozen=True)
class PhoneOptions:
    sip_servers: tuple[str, ...]
    sip_encoding: int
    option_120: bytes
    sub_options: tuple[SubOption, ...]
    option_43: bytes
    vendor_class: str = VENDOR_CLASS
    vlan_id: int | None = None
    """The voice VLAN answered to the phones' VLAN query (vendor class CPE-OCPHONE)."""
    vlan_class: str = VLAN_QUERY_CLASS

    @property
    def vlan_option_43(self) -> bytes | None:
        """Option 43 for CPE-OCPHONE: sub-option 10 as ASCII digits (`0a 03 31 35 30`)."""
        return None if self.vlan_id is None else encode_cpe_ocphone_option(self.vlan_id)

    @property
    def vlan_text(self) -> str:
        return str(self.vlan_id)

    @property
    def web_url(self) -> str:
        texts = {sub.code: sub.text for sub in self.sub_options}
        return (
            f"{texts[URL_SCHEME]}://{texts[WEB_SERVER_FQDN]}:{texts[WEB_SERVER_PORT]}"
            f"{texts[CERT_PROV_REL_PATH]}"
        )

    def parts(self, code: int) -> list[bytes]:
        """The value of option 43 or 120 cut into RFC 3396 instances of at most 255 bytes."""
        value = self.option_43 if code == 43 else self.option_120
        return [part for _code, part in split_option(code, value)]

    @property
    def long_options(self) -> tuple[int, ...]:
        """Options longer than one DHCP option instance holds (255 bytes)."""
        return tuple(
            code
            for code, value in ((120, self.option_120), (43, self.option_43))
            if len(value) > MAX_INSTANCE_LENGTH
        )

    def warnings(self) -> list[str]:
        notes = []
        if len(self.sip_servers) > PHONE_REGISTRAR_LIMIT:
            notes.append(
                f"option 120 names {len(self.sip_servers)} registrars; the phones try only the "
                f"first {PHONE_REGISTRAR_LIMIT}"
            )
        return notes


def phone_options(
    sip_servers: Sequence[str],
    *,
    web_server: str | None = None,
    web_port: str = DEFAULT_PORT,
    url_scheme: str = DEFAULT_URL_SCHEME,
    cert_prov_path: str = CERT_PROV_PATH,
    vlan_id: int | None = None,
) -> PhoneOptions:
    """Options 120 and 43 from the pool's names, with DHCPUtil's defaults.

    Registrars given as IPv4 addresses use encoding 1; names use encoding 0,
    uncompressed, each ending in a zero byte. Without a web server the first
    registrar is used, as DHCPUtil does with only `-SipServer`. Every value is
    checked first (`url_parts`): UsageError names the option and the value.
    """
    if not sip_servers:
        raise UsageError("give at least one registrar with --sip-server")
    if vlan_id is not None and not MIN_VLAN <= vlan_id <= MAX_VLAN:
        raise UsageError(f"--vlan {vlan_id} is not a VLAN ID ({MIN_VLAN}-{MAX_VLAN})")
    servers = tuple(
        url_parts.host_name("--sip-server", name, address_allowed=True) for name in sip_servers
    )
    addresses = [is_ipv4(server) for server in servers]
    if any(addresses) and not all(addresses):
        raise UsageError(
            "option 120 holds either names (encoding 0) or IPv4 addresses (encoding 1), "
            "not both: give one kind with --sip-server"
        )
    if all(addresses):
        encoding, option_120 = 1, encode_sip_server_addresses(servers)
        if web_server is None:
            raise UsageError("registrars given as addresses: name the web server with --web-server")
    else:
        encoding, option_120 = 0, encode_sip_server_names(servers)
    web = (
        servers[0]
        if web_server is None
        else url_parts.host_name("--web-server", web_server, address_allowed=True)
    )
    web_port = url_parts.web_port(web_port)
    url_scheme = url_parts.url_scheme(url_scheme)
    cert_prov_path = url_parts.cert_prov_path(cert_prov_path, port=web_port)
    option_43 = encode_ms_uc_client_option(
        web_server_fqdn=web,
        web_server_port=web_port,
        url_scheme=url_scheme,
        cert_prov_path=cert_prov_path,
    )
    sub_options = (
        SubOption(UC_IDENTIFIER, "UCIdentifier", "UC Identifier", DEFAULT_IDENTIFIER),
        SubOption(URL_SCHEME, "URLScheme", "URL Scheme", url_scheme),
        SubOption(WEB_SERVER_FQDN, "WebServerFqdn", "OCS Internal Web Fqdn", web),
        SubOption(WEB_SERVER_PORT, "WebServerPort", " OCS Internal Web Fqdn Port", web_port),
        SubOption(CERT_PROV_REL_PATH, "CertProvRelPath", "Cert Prov Relative Path", cert_prov_path),
    )
    return PhoneOptions(
        sip_servers=servers,
        sip_encoding=encoding,
        option_120=option_120,
        sub_options=sub_options,
        option_43=option_43,
        vlan_id=vlan_id,
    )


@dataclass(frozen=True)
class Site:
    """Where the server hands out these options: what server formats (not netsh) need."""

    subnet: ipaddress.IPv4Network
    interface: str | None = None
    subnet_given: bool = True
    """False when the subnet is the documentation placeholder, so formats say so."""
    pool: tuple[ipaddress.IPv4Address, ipaddress.IPv4Address] | None = None
    """Addresses to lease (first, last); without it the subnet answers INFORM only."""

    def warnings(self) -> list[str]:
        if self.subnet_given:
            return []
        return [f"no --subnet: {self.subnet} is a placeholder; use the phones' subnet"]


def colon_hex(value: bytes) -> str:
    """Bytes as dnsmasq and ISC dhcpd take them: 2b:05:..."""
    return ":".join(f"{byte:02x}" for byte in value)


PLACEHOLDER_SUBNET = ipaddress.IPv4Network("192.0.2.0/24")


@dataclass(frozen=True)
class RenderedConfig:
    text: str
    warnings: tuple[str, ...] = ()
