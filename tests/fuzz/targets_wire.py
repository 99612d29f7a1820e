"""Readers of what arrives on the wire: DHCP and its options, NTP, SIP and its TLS-DSK headers."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from datetime import UTC, datetime

from phonesim.codec.cpe_ocphone_option import (
    decode_cpe_ocphone_option,
    encode_cpe_ocphone_option,
)
from phonesim.codec.dhcp_message import build_ack, build_inform, decode_dhcp_message
from phonesim.codec.hex_text import parse_hex
from phonesim.codec.ms_uc_client_option import (
    decode_ms_uc_client_option_uncached,
    encode_ms_uc_client_option,
)
from phonesim.codec.ntp import (
    build_time_request,
    build_time_response,
    decode_time_response,
    is_time_request,
)
from phonesim.codec.option_reader import read_message_options
from phonesim.codec.sip_message import (
    build_register,
    build_response,
    parse_challenges,
    parse_request,
    parse_response,
    split_message,
)
from phonesim.codec.sip_security_header import (
    format_security_header,
    parse_security_header_line,
    tls_dsk_challenge,
    tls_dsk_continuation,
)
from phonesim.codec.sip_server_option import (
    decode_sip_server_option_uncached,
    encode_sip_server_addresses,
    encode_sip_server_names,
)
from phonesim.errors import PhonesimError
from phonesim.replay.option_forensics import read_option, read_sub_option
from tests.fuzz.target import FuzzTarget

OPTION_43_GOLDEN = (
    "010C4D532D55432D436C69656E740205687474707303177365727665722E6671646E2E636F6D70616E792E"
    "636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E675365727669"
    "63652E737663"
)
OPTION_120_GOLDEN = "0006736572766572046671646E07636F6D70616E7903636F6D00"


def _each(*readers: Callable[[], object]) -> None:
    """Every reader is tried, whatever the ones before it raised."""
    for read in readers:
        with contextlib.suppress(PhonesimError):
            read()


def _dhcp_seeds() -> list[bytes]:
    inform = build_inform(
        xid=7,
        mac="00:04:f2:00:00:01",
        ciaddr="192.0.2.9",
        vendor_class="MS-UC-Client",
        parameter_request_list=[43, 120],
    )
    request = decode_dhcp_message(inform)
    option_43 = encode_ms_uc_client_option(web_server_fqdn="web01.phonesim.test")
    names = encode_sip_server_names(["pool01.phonesim.test"])
    return [
        inform,
        build_ack(request=request, server_id="192.0.2.1", options=[(120, names), (43, option_43)]),
        build_ack(request=request, server_id="192.0.2.1", options=[(43, b"\x02\x02\x00\x0a")]),
        build_ack(
            request=request,
            server_id="192.0.2.1",
            options=[(120, encode_sip_server_addresses(["192.0.2.10"]))],
        ),
    ]


def _read_dhcp(data: bytes) -> None:
    _each(lambda: read_message_options(data))
    try:
        message = decode_dhcp_message(data)
    except PhonesimError:
        return
    _each(
        lambda: message.message_type,
        lambda: message.server_id,
        lambda: message.vendor_class,
        lambda: message.parameter_request_list,
        lambda: message.domain_name,
        lambda: message.ntp_servers,
        lambda: message.lease_time,
        message.sip_server,
        message.uc_client_vendor,
    )


def _ms_uc_seeds() -> list[bytes]:
    return [
        parse_hex(OPTION_43_GOLDEN),
        encode_ms_uc_client_option(web_server_fqdn="web01.phonesim.test", web_server_port="4443"),
    ]


def _read_ms_uc(data: bytes) -> None:
    def decoded() -> None:
        option = decode_ms_uc_client_option_uncached(data)
        _each(lambda: option.url, lambda: option.partial_url)

    _each(decoded)
    read_option(43, data, vendor_class="MS-UC-Client")
    for sub_option in (1, 2, 3, 4, 5):
        read_sub_option(sub_option, data, vendor="MS-UC-Client")


def _read_cpe(data: bytes) -> None:
    _each(lambda: decode_cpe_ocphone_option(data))
    read_option(43, data, vendor_class="CPE-OCPHONE")
    read_sub_option(1, data, vendor="CPE-OCPHONE")


def _read_option_120(data: bytes) -> None:
    _each(lambda: decode_sip_server_option_uncached(data))
    read_option(120, data, parts=2)


def _ntp_seeds() -> list[bytes]:
    request = build_time_request()
    return [request, build_time_response(request, datetime(2026, 11, 30, tzinfo=UTC).timestamp())]


def _read_ntp(data: bytes) -> None:
    is_time_request(data)
    _each(lambda: decode_time_response(data))


@functools.cache
def _register() -> bytes:
    return build_register(
        registrar_host="pool01.phonesim.test",
        sip_uri="5551234@phonesim.test",
        local_host="192.0.2.9",
        local_port=5061,
        call_id="c0ffee00-1",
        tag="t1",
        branch="z9hG4bK1",
        user_agent="phonesim",
    )


def _challenge_headers() -> list[str]:
    return [
        format_security_header(tls_dsk_challenge(targetname="pool01", sts_uri="https://w/x")),
        format_security_header(
            tls_dsk_continuation(opaque="0a1b", token=b"\x16\x03\x01", targetname="pool01")
        ),
    ]


def _sip_seeds() -> list[bytes]:
    register = _register()
    request = parse_request(register)
    challenges = [("WWW-Authenticate", value) for value in _challenge_headers()]
    return [register, build_response(request, 401, "Unauthorized", challenges)]


def _read_sip(data: bytes) -> None:
    _each(lambda: split_message(data))

    def response() -> None:
        parse_challenges(parse_response(data).headers)

    _each(response, lambda: parse_request(data))


def _read_security_header(data: bytes) -> None:
    _each(lambda: parse_security_header_line(data.decode("utf-8", "replace")))


def _header_seeds() -> list[bytes]:
    return [f"WWW-Authenticate: {value}".encode() for value in _challenge_headers()] + [
        b'Authentication-Info: TLS-DSK opaque="0a1b", qop="auth", rspauth="00", srand="1",'
        b' snum="1", targetname="pool01", realm="SIP Communications Service", version=4'
    ]


WIRE_TARGETS = [
    FuzzTarget("dhcp", _read_dhcp, _dhcp_seeds, max_size=1500),
    FuzzTarget("option43-ms-uc-client", _read_ms_uc, _ms_uc_seeds, max_size=600),
    FuzzTarget(
        "option43-cpe-ocphone",
        _read_cpe,
        lambda: [encode_cpe_ocphone_option(v) for v in (1, 100, 4094)],
        max_size=600,
    ),
    FuzzTarget(
        "option120",
        _read_option_120,
        lambda: [
            parse_hex(OPTION_120_GOLDEN),
            encode_sip_server_names(["pool01.phonesim.test", "pool02.phonesim.test"]),
            encode_sip_server_addresses(["192.0.2.10"]),
        ],
        max_size=600,
    ),
    FuzzTarget("ntp", _read_ntp, _ntp_seeds, max_size=200),
    FuzzTarget("sip", _read_sip, _sip_seeds),
    FuzzTarget("tls-dsk-header", _read_security_header, _header_seeds),
]
