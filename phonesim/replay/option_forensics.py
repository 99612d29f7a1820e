"""What a DHCP option value means, and what is wrong with it, in words an admin can act on.

One reading serves three places: the options of a captured session, the
option-by-option diff of a re-sent INFORM, and `phonesim decode`. For options
43 and 120 the decoded fields are the ones the phone's own `dhcp.answer`
trace carries, so a capture, a paste and a live boot describe a value alike.

Each reading has a `meaning`: a plain value that two readings share exactly
when the phone would act the same on them, whatever the layout (sub-option
order, end code, RFC 3396 parts, compression pointers).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from phonesim.codec.address_text import host_name_problem
from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option
from phonesim.codec.dhcp_message import DhcpMessage
from phonesim.codec.ms_uc_client_option import (
    DEFAULT_IDENTIFIER,
    UcClientVendorOption,
    decode_ms_uc_client_option,
)
from phonesim.codec.sip_server_option import decode_sip_server_option
from phonesim.errors import PhonesimError

UC_VENDOR_CLASS = "MS-UC-Client"
VLAN_VENDOR_CLASS = "CPE-OCPHONE"
CISCO_IOS_HEX_LIMIT = 90
"""Bytes: Cisco IOS >= 15.1(3)S cuts `option 43 hex` at 180 hex characters (protocol.md §2)."""

OK = "ok"
NOTE = "note"
WARNING = "warning"
ERROR = "error"

OPTION_NAMES = {
    1: "subnet mask",
    3: "routers",
    6: "DNS servers",
    12: "host name",
    15: "domain name",
    28: "broadcast address",
    42: "NTP servers",
    43: "vendor specific",
    50: "requested address",
    51: "lease time",
    52: "option overload",
    53: "message type",
    54: "server identifier",
    55: "parameter request list",
    57: "maximum message size",
    58: "renewal time",
    59: "rebinding time",
    60: "vendor class",
    61: "client identifier",
    81: "client FQDN",
    82: "relay agent information",
    120: "SIP servers",
}
SUB_OPTION_NAMES = {
    1: "UCIdentifier",
    2: "URLScheme",
    3: "WebServerFqdn",
    4: "WebServerPort",
    5: "CertProvRelPath",
}
_ADDRESS_OPTIONS = frozenset((1, 3, 6, 28, 42, 50, 54))
_SECONDS_OPTIONS = frozenset((51, 58, 59))
_MESSAGE_TYPES = {
    1: "DHCPDISCOVER",
    2: "DHCPOFFER",
    3: "DHCPREQUEST",
    4: "DHCPDECLINE",
    5: "DHCPACK",
    6: "DHCPNAK",
    7: "DHCPRELEASE",
    8: "DHCPINFORM",
}


@dataclass(frozen=True)
class Finding:
    level: str
    """ok | note | warning | error"""
    text: str


@dataclass(frozen=True)
class OptionReading:
    code: int
    name: str
    value: bytes
    summary: str
    """The meaning in one line."""
    meaning: Hashable
    details: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    parts: int = 1

    @property
    def worst(self) -> str:
        order = (OK, NOTE, WARNING, ERROR)
        return max((f.level for f in self.findings), key=order.index, default=OK)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "hex": self.value.hex(),
            "parts": self.parts,
            "summary": self.summary,
            "details": self.details,
            "findings": [{"level": f.level, "text": f.text} for f in self.findings],
        }


def read_option(
    code: int, value: bytes, *, vendor_class: str | None = None, parts: int = 1
) -> OptionReading:
    """Read one option value; never raises for bad content (that is a finding)."""
    name = OPTION_NAMES.get(code, f"option {code}")
    findings: list[Finding] = []
    if parts > 1:
        findings.append(
            Finding(NOTE, f"arrived in {parts} parts (RFC 3396), joined into {len(value)} bytes")
        )
    if code == 43:
        reading = _vendor_specific(value, vendor_class)
    elif code == 120:
        reading = _sip_servers(value)
    elif code == 60:
        reading = _vendor_class(value)
    else:
        reading = _plain(code, value)
    summary, meaning, details, more = reading
    return OptionReading(
        code=code,
        name=name,
        value=value,
        summary=summary,
        meaning=meaning,
        details=details,
        findings=tuple(findings + more),
        parts=parts,
    )


def read_message_options(message: DhcpMessage, vendor_class: str | None) -> list[OptionReading]:
    """Every option of a message in wire order, 43 read for the class the client asked as."""
    return [
        read_option(
            code,
            message.options.values[code],
            vendor_class=vendor_class,
            parts=message.options.parts.get(code, 1),
        )
        for code in message.options.order
    ]


def read_sub_option(sub_option: int, value: bytes, *, vendor: str | None) -> OptionReading:
    """One sub-option of option 43 on its own, as Windows DHCP stores it (netsh vendor options)."""
    name = SUB_OPTION_NAMES.get(sub_option, f"sub-option {sub_option}")
    findings: list[Finding] = []
    details: dict[str, Any] = {"sub_option": sub_option, "vendor": vendor}
    printable = value.isascii() and all(32 <= byte < 127 for byte in value)
    text = value.decode("latin-1") if printable else value.hex()
    if sub_option == 4 and not (printable and value.isdigit()):
        as_integer = (
            f" - the integer {int.from_bytes(value, 'big')}" if 1 <= len(value) <= 2 else ""
        )
        findings.append(
            Finding(
                ERROR,
                f"WebServerPort is {value.hex() or 'empty'}{as_integer}, not the digits the "
                "phone reads (the text 443 is 343433)",
            )
        )
    elif not printable:
        findings.append(Finding(ERROR, f"{name} is not ASCII text; the phone reads text"))
    elif sub_option == 1 and text != DEFAULT_IDENTIFIER:
        findings.append(Finding(WARNING, f"UCIdentifier is {text!r}, not {DEFAULT_IDENTIFIER!r}"))
    elif sub_option in SUB_OPTION_NAMES:
        findings.append(Finding(OK, f"{name} = {text}"))
    else:
        findings.append(Finding(WARNING, f"sub-option {sub_option} is not one MS-UC-Client uses"))
    details["text"] = text
    return OptionReading(
        code=43,
        name=f"43.{sub_option} {name}",
        value=value,
        summary=f"{name} = {text!r}",
        meaning=("sub-option", sub_option, value),
        details=details,
        findings=tuple(findings),
    )


Reading = tuple[str, Hashable, dict[str, Any], list[Finding]]


def _vendor_specific(value: bytes, vendor_class: str | None) -> Reading:
    if vendor_class == VLAN_VENDOR_CLASS:
        return _vlan(value)
    try:
        option = decode_ms_uc_client_option(value)
    except PhonesimError as error:
        return (
            f"not readable as MS-UC-Client sub-options: {error}",
            ("error", value),
            {"error": str(error)},
            [Finding(ERROR, str(error))],
        )
    details = describe_uc_option(option)
    findings = _uc_findings(option, value)
    summary = option.url or "no usable web services URL"
    meaning = (
        "ms-uc-client",
        option.identifier,
        option.url_scheme,
        (option.web_server_fqdn or "").lower() or None,
        option.web_server_port,
        option.port_as_integer,
        option.cert_prov_path,
        option.unknown,
        None
        if option.truncated is None
        else (option.truncated.code, option.truncated.partial_value),
    )
    return summary, meaning, details, findings


def describe_uc_option(option: UcClientVendorOption) -> dict[str, Any]:
    """The fields the phone's `dhcp.answer` trace shows for option 43, plus layout facts."""
    described: dict[str, Any] = {
        "url": option.url,
        "identifier": option.identifier,
        "web_server_fqdn": option.web_server_fqdn,
        "web_server_port": option.web_server_port,
        "url_scheme": option.url_scheme,
        "cert_prov_path": option.cert_prov_path,
        "order": list(option.order),
        "missing": list(option.missing),
        "has_end": option.has_end,
    }
    if option.port_as_integer is not None:
        described["port_as_integer"] = option.port_as_integer
    if option.truncated is not None:
        described["truncated"] = {
            "code": option.truncated.code,
            "declared_length": option.truncated.declared_length,
            "present_length": option.truncated.present_length,
        }
    if option.unknown:
        described["unknown"] = [[code, data.hex()] for code, data in option.unknown]
    return described


def _uc_findings(option: UcClientVendorOption, value: bytes) -> list[Finding]:
    findings: list[Finding] = []
    if option.url:
        findings.append(Finding(OK, f"web services URL {option.url}"))
    truncated = option.truncated
    if truncated is not None:
        name = SUB_OPTION_NAMES.get(truncated.code, f"sub-option {truncated.code}")
        declared = (
            "its length byte is missing"
            if truncated.declared_length is None
            else f"it declares {truncated.declared_length} bytes but only "
            f"{truncated.present_length} are present"
        )
        findings.append(Finding(ERROR, f"sub-option {truncated.code} ({name}) is cut: {declared}"))
        if len(value) == CISCO_IOS_HEX_LIMIT:
            findings.append(
                Finding(
                    ERROR,
                    f"the value is exactly {CISCO_IOS_HEX_LIMIT} bytes (180 hex characters): "
                    "Cisco IOS 15.1(3)S and later cut `option 43 hex` there, so the phone "
                    "never reaches the PIN screen",
                )
            )
    if option.port_as_integer is not None:
        findings.append(
            Finding(
                ERROR,
                f"WebServerPort is the integer {option.port_as_integer} "
                f"({option.port_as_integer:04x}), not the text the phone reads "
                "(dnsmasq writes a bare 443 this way; quote it)",
            )
        )
    missing = [m for m in option.missing if truncated is None or m != truncated.code]
    if missing and option.url is None:
        names = ", ".join(f"{m} ({SUB_OPTION_NAMES[m]})" for m in missing)
        findings.append(Finding(ERROR, f"missing sub-option(s) {names}: no URL can be built"))
    if option.identifier is None:
        findings.append(Finding(WARNING, "no sub-option 1 (UCIdentifier)"))
    elif option.identifier != DEFAULT_IDENTIFIER:
        findings.append(
            Finding(WARNING, f"UCIdentifier is {option.identifier!r}, not {DEFAULT_IDENTIFIER!r}")
        )
    if option.url_scheme is not None and option.url_scheme != "https":
        findings.append(
            Finding(WARNING, f"URL scheme {option.url_scheme!r}; the pool serves https")
        )
    if option.cert_prov_path is not None and not option.cert_prov_path.endswith(
        "/CertProvisioningService.svc"
    ):
        findings.append(
            Finding(
                WARNING,
                f"CertProvRelPath {option.cert_prov_path!r} does not end in "
                "/CertProvisioningService.svc",
            )
        )
    if option.unknown:
        codes = ", ".join(str(code) for code, _data in option.unknown)
        findings.append(Finding(WARNING, f"sub-option(s) {codes} are not MS-UC-Client ones"))
    layout = list(option.order)
    if layout and (layout != sorted(layout) or option.has_end):
        findings.append(
            Finding(
                NOTE,
                "sub-options in order "
                + ",".join(str(c) for c in layout)
                + (" with an end code" if option.has_end else "")
                + " - read by code, so the phone does not mind",
            )
        )
    return findings


def _vlan(value: bytes) -> Reading:
    try:
        option = decode_cpe_ocphone_option(value)
    except PhonesimError as error:
        return (
            f"not readable as the CPE-OCPHONE VLAN option: {error}",
            ("error", value),
            {"error": str(error)},
            [Finding(ERROR, str(error))],
        )
    findings: list[Finding] = []
    if option.vlan_id is None:
        findings.append(Finding(ERROR, "no sub-option 10 (VLAN ID)"))
    elif not option.usable:
        findings.append(Finding(ERROR, f"VLAN ID {option.vlan_id} is outside 1..4094"))
    else:
        findings.append(Finding(OK, f"voice VLAN {option.vlan_id}"))
    if option.vlan_as_integer:
        findings.append(
            Finding(WARNING, "VLAN ID written as a binary integer, not ASCII digits [U]")
        )
    if option.truncated_code is not None:
        findings.append(Finding(ERROR, f"sub-option {option.truncated_code} is cut short"))
    details: dict[str, Any] = {
        "vlan_id": option.vlan_id,
        "vlan_as_integer": option.vlan_as_integer,
        "has_end": option.has_end,
    }
    summary = f"voice VLAN {option.vlan_id}" if option.vlan_id is not None else "no VLAN ID"
    return summary, ("vlan", option.vlan_id, option.other), details, findings


def _sip_servers(value: bytes) -> Reading:
    try:
        option = decode_sip_server_option(value)
    except PhonesimError as error:
        return (
            f"unreadable: {error}",
            ("error", value),
            {"error": str(error)},
            [Finding(ERROR, str(error))],
        )
    details: dict[str, Any] = {
        "encoding": option.encoding,
        "servers": list(option.servers),
        "missing_terminator": option.missing_terminator,
        "compressed": option.compressed,
    }
    kind = "names" if option.encoding == 0 else "addresses"
    findings = [Finding(OK, f"registrar {kind}: {', '.join(option.servers)}")]
    for server in option.servers if option.encoding == 0 else ():
        problem = host_name_problem(server.rstrip("."))
        if problem is not None:
            findings[0] = Finding(
                ERROR, f"registrar name {server!r}{problem}: the phone cannot look it up"
            )
    if option.missing_terminator:
        findings.append(
            Finding(
                WARNING,
                "the last name lacks its final zero byte (as in Microsoft's own example); "
                "phonesim accepts it, a strict client may not",
            )
        )
    if option.compressed:
        findings.append(Finding(NOTE, "names use DNS compression pointers (dnsmasq writes them)"))
    if len(option.servers) > 2:
        findings.append(Finding(NOTE, "the phone tries the first two registrars only"))
    meaning = ("sip", option.encoding, tuple(s.lower() for s in option.servers))
    return (
        f"{kind} {', '.join(option.servers)} (encoding {option.encoding})",
        meaning,
        details,
        findings,
    )


def _vendor_class(value: bytes) -> Reading:
    text = value.decode("latin-1")
    findings: list[Finding] = []
    if text == UC_VENDOR_CLASS:
        findings.append(Finding(OK, "exactly MS-UC-Client, the class the phone sends"))
    elif text == VLAN_VENDOR_CLASS:
        findings.append(Finding(OK, "CPE-OCPHONE: the phone's VLAN query"))
    elif text.strip("\x00 ").lower() == UC_VENDOR_CLASS.lower():
        findings.append(
            Finding(
                ERROR,
                f"{text!r} is not byte for byte 'MS-UC-Client': servers match the class "
                "exactly (case, spaces, trailing zero bytes), so the phone gets no options 43/120",
            )
        )
    return text, ("text", value), {"text": text}, findings


def _plain(code: int, value: bytes) -> Reading:
    if code in _ADDRESS_OPTIONS and value and len(value) % 4 == 0:
        addresses = [str(ipaddress.IPv4Address(value[i : i + 4])) for i in range(0, len(value), 4)]
        return ", ".join(addresses), ("addresses", tuple(addresses)), {"addresses": addresses}, []
    if code in (12, 15):
        text = value.rstrip(b"\x00").decode("latin-1")
        meaning = ("name", text.lower() if code == 15 else text)
        return text, meaning, {"text": text}, []
    if code in _SECONDS_OPTIONS and len(value) == 4:
        seconds = int.from_bytes(value, "big")
        return f"{seconds} s", ("seconds", seconds), {"seconds": seconds}, []
    if code == 53 and len(value) == 1:
        name = _MESSAGE_TYPES.get(value[0], f"type {value[0]}")
        return name, ("type", value[0]), {"type": name}, []
    if code == 55:
        codes = list(value)
        text = ", ".join(str(c) for c in codes)
        return text, ("codes", tuple(codes)), {"codes": codes}, []
    if code == 57 and len(value) == 2:
        size = int.from_bytes(value, "big")
        return f"{size} bytes", ("size", size), {"size": size}, []
    if code == 52 and len(value) == 1:
        where = {1: "file", 2: "sname", 3: "file and sname"}.get(value[0], f"value {value[0]}")
        return f"more options in {where}", ("overload", value[0]), {"overload": value[0]}, []
    if code == 61 and len(value) == 7 and value[0] == 1:
        mac = ":".join(f"{b:02x}" for b in value[1:])
        return f"hardware type 1, {mac}", ("bytes", value), {"mac": mac}, []
    return value.hex(), ("bytes", value), {"hex": value.hex()}, []
