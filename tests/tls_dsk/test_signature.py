"""The signature text of requests and of messages with missing fields, as SIPE builds it."""

from __future__ import annotations

import pytest

from phonesim.codec.sip_message import parse_request
from phonesim.codec.sip_security_header import (
    MalformedSecurityHeader,
    SecurityHeader,
    tls_dsk_signed_authorization,
)
from phonesim.codec.tls_dsk.signature import (
    SignatureParams,
    UnsignableMessage,
    signature_string,
)

REGISTER = (
    b"REGISTER sip:lab.test SIP/2.0\r\n"
    b"Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK1\r\n"
    b"From: <sip:alice@lab.test>;tag=abc123;epid=01010101\r\n"
    b"To: <sip:alice@lab.test>\r\n"
    b"Call-ID: call-1\r\n"
    b"CSeq: 4 REGISTER\r\n"
    b"Expires: 3600\r\n"
    b"Content-Length: 0\r\n\r\n"
)
PARAMS = SignatureParams(
    "TLS-DSK", "1a2b3c4d", "1", "SIP Communications Service", "pool01.lab.test"
)


def test_register_from_the_phone():
    assert signature_string(parse_request(REGISTER), PARAMS) == (
        "<TLS-DSK><1a2b3c4d><1><SIP Communications Service><pool01.lab.test><call-1><4>"
        "<REGISTER><sip:alice@lab.test><abc123><sip:alice@lab.test><><><><3600>"
    )


def test_missing_headers_are_empty_fields_and_a_uri_needs_brackets():
    bare = (
        b"SUBSCRIBE sip:alice@lab.test SIP/2.0\r\n"
        b"From: sip:alice@lab.test;tag=t1\r\n"
        b"P-Preferred-Identity: tel:+15551234\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    assert signature_string(parse_request(bare), PARAMS) == (
        "<TLS-DSK><1a2b3c4d><1><SIP Communications Service><pool01.lab.test><><>"
        "<SUBSCRIBE><><t1><><><><tel:+15551234><>"
    )


@pytest.mark.parametrize(
    ("identity", "sip", "tel"),
    [  # pidgin-sipe's own P-Asserted-Identity cases (sipe-sipmsg-tests.c)
        ('"Cullen Jennings" <sip:fluffy@cisco.com>', "sip:fluffy@cisco.com", ""),
        ("tel:+14085264000", "", "tel:+14085264000"),
        (
            '"Lunch, Lucas" <sip:llucas@cisco.com>,<tel:+420123456;ext=88463>',
            "sip:llucas@cisco.com",
            "tel:+420123456;ext=88463",
        ),
    ],
)
def test_asserted_identity(identity, sip, tel):
    message = parse_request(
        REGISTER.replace(b"Expires: 3600", b"P-Asserted-Identity: " + identity.encode())
    )
    assert signature_string(message, PARAMS).endswith(f"<{sip}><{tel}><>")


def test_params_from_a_signed_authorization():
    header = tls_dsk_signed_authorization(
        opaque="0A1B2C3D", targetname="pool01.lab.test", crand="1a2b3c4d", cnum=1, response="00"
    )
    assert SignatureParams.from_header(header, "Authorization") == PARAMS


def test_params_need_rand_num_and_realm():
    with pytest.raises(MalformedSecurityHeader, match=r"^Authorization: no rand, num"):
        SignatureParams.from_header(SecurityHeader("TLS-DSK", (("realm", "r"),)), "Authorization")


def test_no_realm_no_signature():
    with pytest.raises(UnsignableMessage):
        signature_string(
            parse_request(REGISTER), SignatureParams("TLS-DSK", "1", "1", "", "pool01.lab.test")
        )
