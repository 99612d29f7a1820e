"""The MS-SIPAE security headers: the lines of `tls-dsk.md` §1.2, round trips, bad input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonesim.codec.sip_security_header import (
    MalformedSecurityHeader,
    SecurityHeader,
    format_security_header,
    parse_security_header,
    parse_security_header_line,
    tls_dsk_authentication_info,
    tls_dsk_challenge,
    tls_dsk_continuation,
    tls_dsk_handshake_authorization,
    tls_dsk_signed_authorization,
)

# Lines exactly as `tls-dsk.md` §1.2 quotes them (real Lync 2013, MS-OCPSTN, SIPE's formats).
DOC_LINES = [
    'WWW-Authenticate: TLS-DSK realm="SIP Communications Service", targetname="LYNC2013-SERVER.lync.loc", version=4, sts-uri="https://LYNC2013-SERVER.lync.loc:443/CertProv/CertProvisioningService.svc"',
    'Authorization: TLS-DSK qop="auth", realm="SIP Communications Service", targetname="pool01.lab.test", gssapi-data="FgMBA…", version=4',
    'Authorization: TLS-DSK qop="auth", opaque="XXXXXXXX", realm="…", targetname="…", gssapi-data="…", version=4',
    'WWW-Authenticate: NTLM opaque="85185AE4", gssapi-data="TlRMTVNTUAAC…", targetname="LYNC2013-SERVER.lync.loc", realm="SIP Communications Service", version=4',
    'Authentication-Info: TLS-DSK qop="auth", opaque="F755045D", srand="1D9666D9", snum="17", rspauth="3359c8ac2e6229b2eb9738ac707dc8c3e54f65f0", targetname="PROXY.company1", realm="SIP Communications Service", version=4',
    'Authentication-Info: NTLM rspauth="010000003EA8D688BA51D5CD64000000", srand="1B6D47A1", snum="11", opaque="357E6F72", qop="auth", targetname="LOC-COMPANYT-FE03.COMPANY.COM", realm="SIP Communications Service"',
    'WWW-Authenticate: Kerberos realm="SIP Communications Service", targetname="sip/LYNC2013-SERVER.lync.loc", version=4',
]


@pytest.mark.parametrize("line", DOC_LINES)
def test_documented_lines_format_back_exactly(line):
    name, header = parse_security_header_line(line)
    assert f"{name}: {format_security_header(header)}" == line


def test_lync_challenge_fields():
    _, header = parse_security_header_line(DOC_LINES[0])
    assert header.scheme == "TLS-DSK"
    assert header.realm == "SIP Communications Service"
    assert header.targetname == "LYNC2013-SERVER.lync.loc"
    assert header.version == 4
    assert header.sts_uri == (
        "https://LYNC2013-SERVER.lync.loc:443/CertProv/CertProvisioningService.svc"
    )
    assert header.opaque is None and header.gssapi_data() is None


def test_server_signature_fields():
    _, header = parse_security_header_line(DOC_LINES[4])
    assert header.get("srand") == "1D9666D9"
    assert header.get("snum") == "17"
    assert header.get("rspauth") == "3359c8ac2e6229b2eb9738ac707dc8c3e54f65f0"
    assert header.opaque == "F755045D"


def test_builders_write_the_documented_lines():
    assert format_security_header(
        tls_dsk_challenge(
            targetname="LYNC2013-SERVER.lync.loc",
            sts_uri="https://LYNC2013-SERVER.lync.loc:443/CertProv/CertProvisioningService.svc",
        )
    ) == DOC_LINES[0].removeprefix("WWW-Authenticate: ")
    assert format_security_header(
        tls_dsk_authentication_info(
            opaque="F755045D",
            srand="1D9666D9",
            snum=17,
            rspauth="3359c8ac2e6229b2eb9738ac707dc8c3e54f65f0",
            targetname="PROXY.company1",
        )
    ) == DOC_LINES[4].removeprefix("Authentication-Info: ")


def test_handshake_authorization_in_sipe_order_and_token_round_trip():
    first = tls_dsk_handshake_authorization(targetname="pool01.lab.test", token=b"\x16\x03\x01")
    assert format_security_header(first) == (
        'TLS-DSK qop="auth", realm="SIP Communications Service", '
        'targetname="pool01.lab.test", gssapi-data="FgMB", version=4'
    )
    second = tls_dsk_handshake_authorization(
        targetname="pool01.lab.test", token=b"\x14\x03\x01\x00\x01\x01", opaque="0A1B2C3D"
    )
    parsed = parse_security_header("Authorization", format_security_header(second))
    assert [name for name, _ in parsed.params] == [
        "qop", "opaque", "realm", "targetname", "gssapi-data", "version",
    ]  # fmt: skip
    assert parsed.gssapi_data() == b"\x14\x03\x01\x00\x01\x01"


def test_signed_authorization_with_and_without_version():
    final = tls_dsk_signed_authorization(
        opaque="0A1B2C3D", targetname="pool01.lab.test", crand="1a2b3c4d", cnum=1,
        response="AB" * 20, version=4,
    )  # fmt: skip
    assert format_security_header(final) == (
        'TLS-DSK qop="auth", opaque="0A1B2C3D", realm="SIP Communications Service", '
        'targetname="pool01.lab.test", version=4, crand="1a2b3c4d", cnum="1", '
        f'response="{"AB" * 20}"'
    )
    later = tls_dsk_signed_authorization(
        opaque="0A1B2C3D", targetname="pool01.lab.test", crand="1a2b3c4d", cnum=2,
        response="AB" * 20,
    )  # fmt: skip
    assert later.version is None and later.get("cnum") == "2"


def test_continuation_carries_the_server_flight():
    header = tls_dsk_continuation(opaque="0A1B2C3D", token=b"flight", targetname="pool")
    parsed = parse_security_header("WWW-Authenticate", format_security_header(header))
    assert parsed == header
    assert parsed.gssapi_data() == b"flight"


def test_any_order_quoted_version_and_case_of_names():
    header = parse_security_header(
        "WWW-Authenticate",
        'TLS-DSK  Version="4" ,TargetName="pool" , REALM = "SIP Communications Service"',
    )
    assert header.version == 4
    assert header.targetname == "pool"
    assert header.realm == "SIP Communications Service"
    assert header.is_scheme("tls-dsk")


def test_quotes_and_backslashes_survive_a_round_trip():
    header = SecurityHeader("TLS-DSK", (("realm", 'a "quoted" \\ realm'),))
    assert parse_security_header("WWW-Authenticate", format_security_header(header)) == header


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "no authentication scheme"),
        ('"TLS-DSK"', "no authentication scheme"),
        ('TLS-DSK, realm="x"', "followed by ','"),
        ('TLS-DSK realm="x', "not closed"),
        ("TLS-DSK realm", "no '='"),
        ('TLS-DSK realm="x" targetname="y"', "expected ','"),
        ('TLS-DSK realm="x",', "ends with a ','"),
        ('TLS-DSK realm="x", realm="y"', "given twice"),
        ("TLS-DSK version=four", "version is not a number"),
        ('TLS-DSK cnum="-1"', "cnum is not a number"),
        ("TLS-DSK realm=", "empty value"),
        ('TLS-DSK ="x"', "expected a parameter name"),
    ],
)
def test_malformed_headers_are_named_errors(value, reason):
    with pytest.raises(MalformedSecurityHeader) as caught:
        parse_security_header("WWW-Authenticate", value)
    assert caught.value.header == "WWW-Authenticate"
    assert reason in caught.value.reason
    assert str(caught.value).startswith("WWW-Authenticate: ")


def test_bad_gssapi_data_names_the_header():
    header = parse_security_header("Authorization", 'TLS-DSK gssapi-data="not base64!"')
    with pytest.raises(MalformedSecurityHeader, match=r"^Authorization: gssapi-data is not base64"):
        header.gssapi_data("Authorization")


def test_a_line_that_is_not_a_security_header():
    with pytest.raises(MalformedSecurityHeader, match="not a security header line"):
        parse_security_header_line('Via: TLS-DSK realm="x"')
    with pytest.raises(MalformedSecurityHeader):
        parse_security_header_line("no colon at all")


_names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True).filter(
    lambda n: n not in ("version", "cnum", "snum")
)


@given(
    scheme=st.sampled_from(["TLS-DSK", "NTLM", "Kerberos"]),
    params=st.dictionaries(_names, st.text(max_size=30), max_size=6),
    version=st.none() | st.integers(0, 99),
)
def test_any_header_round_trips(scheme, params, version):
    items = tuple(params.items())
    if version is not None:
        items += (("version", str(version)),)
    header = SecurityHeader(scheme, items)
    assert parse_security_header("Authorization", format_security_header(header)) == header


@given(st.text(max_size=200))
def test_no_text_escapes_as_anything_but_a_named_error(text):
    try:
        header = parse_security_header("Proxy-Authorization", text)
    except MalformedSecurityHeader:
        return
    with contextlib.suppress(MalformedSecurityHeader):
        header.gssapi_data()
    assert header.version is None or header.version >= 0
