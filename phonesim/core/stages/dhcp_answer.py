"""One DHCPACK to the phone's INFORM: what the phone reads in it, and what it traces of it.

Options 120 and 43 are read whatever state they are in: a value the codec
refuses is kept as evidence (its error, its bytes, the encoding it claimed),
because the diagnosis explains the failure from it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from phonesim.codec.dhcp_message import OPTION_SIP_SERVERS, OPTION_VENDOR_SPECIFIC, DhcpMessage
from phonesim.codec.ms_uc_client_option import UcClientVendorOption
from phonesim.codec.sip_server_option import SipServerOption
from phonesim.core.profile import DeviceProfile
from phonesim.errors import PhonesimError, UnsupportedEncoding


class DhcpAnswer:
    """One decoded DHCPACK and what the phone made of it."""

    __slots__ = ("error", "ntp_servers", "registrars", "server", "uc_option", "url")

    def __init__(self, server: str) -> None:
        self.server = server
        self.registrars: tuple[str, ...] = ()
        self.url: str | None = None
        self.uc_option: UcClientVendorOption | None = None
        self.ntp_servers: tuple[str, ...] = ()
        self.error: str | None = None

    @property
    def has_fqdn(self) -> bool:
        return bool(self.registrars)


def read_answer(
    message: DhcpMessage, source: str, profile: DeviceProfile
) -> tuple[DhcpAnswer, dict[str, Any], str | None]:
    """The answer, the fields of its `dhcp.answer` trace, and the CertProv URL the phone
    took from an option 43 cut short (None unless it did)."""
    answer = DhcpAnswer(message.server_id or source)
    fields: dict[str, Any] = {"server": answer.server, "source": source}
    try:
        sip_servers: SipServerOption | None = message.sip_server()
    except PhonesimError as error:
        sip_servers = None
        answer.error = str(error)
        fields["option_120_error"] = str(error)
        raw_120 = message.options.get(OPTION_SIP_SERVERS) or b""
        fields["option_120_hex"] = raw_120.hex()
        if isinstance(error, UnsupportedEncoding):
            fields["option_120_encoding"] = error.encoding
    if sip_servers is not None:
        answer.registrars = sip_servers.servers[: profile.dhcp.max_registrars]
        fields["option_120"] = {
            "encoding": sip_servers.encoding,
            "servers": list(sip_servers.servers),
            "missing_terminator": sip_servers.missing_terminator,
            "compressed": sip_servers.compressed,
        }
    else:
        fields.setdefault("option_120", None)
    try:
        uc_option = message.uc_client_vendor()
    except PhonesimError as error:
        uc_option = None
        fields["option_43_error"] = str(error)
    partial_url = None
    if uc_option is not None:
        answer.uc_option = uc_option
        answer.url = uc_option.url
        fields["option_43"] = describe_uc_option(uc_option)
        fields["option_43"]["length"] = len(message.options.get(OPTION_VENDOR_SPECIFIC) or b"")
        if answer.url is None and profile.web.use_truncated_option_43:
            partial_url = answer.url = uc_option.partial_url
    else:
        fields.setdefault("option_43", None)
    answer.ntp_servers = _time_servers(message, profile.time.dhcp_options, fields)
    fields["vendor_class"] = message.vendor_class
    return answer, fields, partial_url


def _time_servers(
    message: DhcpMessage, options: tuple[int, ...], fields: dict[str, Any]
) -> tuple[str, ...]:
    """The time servers of options 42 (NTP Servers) and 4 (Time Server), in the profile's
    order; a malformed one counts as absent. Each one present is traced."""
    servers: list[str] = []
    for code in options:
        found = _addresses(message.options.get(code))
        if found:
            fields[f"option_{code}"] = list(found)
            servers += [address for address in found if address not in servers]
    return tuple(servers)


def _addresses(value: bytes | None) -> tuple[str, ...]:
    if not value or len(value) % 4:
        return ()
    return tuple(str(ipaddress.IPv4Address(value[at : at + 4])) for at in range(0, len(value), 4))


def describe_uc_option(option: UcClientVendorOption) -> dict[str, Any]:
    described: dict[str, Any] = {
        "url": option.url,
        "web_server_fqdn": option.web_server_fqdn,
        "web_server_port": option.web_server_port,
        "url_scheme": option.url_scheme,
        "cert_prov_path": option.cert_prov_path,
        "order": list(option.order),
        "missing": list(option.missing),
    }
    if option.port_as_integer is not None:
        described["port_as_integer"] = option.port_as_integer
    if option.truncated is not None:
        described["truncated"] = {
            "code": option.truncated.code,
            "declared_length": option.truncated.declared_length,
            "present_length": option.truncated.present_length,
            "partial_value": option.truncated.partial_value.decode("ascii", "replace"),
        }
    return described


__all__ = ["DhcpAnswer", "describe_uc_option", "read_answer"]
