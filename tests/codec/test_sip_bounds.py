"""A registrar decides every byte of its answers: what the phone reads of one is bounded."""

from __future__ import annotations

import time

import pytest

from phonesim.codec.sip_message import (
    MalformedSip,
    SipLimits,
    check_limits,
    parse_challenge,
    split_message,
)


def test_a_huge_challenge_is_read_in_linear_time() -> None:
    """D9: a 60 KB token once took 16 s (quadratic); a 200 KB one now takes milliseconds."""
    start = time.process_time()
    challenge = parse_challenge("TLS-DSK " + "0" * 200_000 + ' realm="SIP"')
    assert time.process_time() - start < 5.0  # quadratic would be hours
    assert challenge.params == {"realm": "SIP"}


def test_the_linear_reader_finds_what_the_old_one_found() -> None:
    challenge = parse_challenge(
        'TLS-DSK junk!! realm="SIP Communications Service", opaque="a\\"b",version=4 ,'
        'sts-uri="https://web01/CertProv", targetname=pool01'
    )
    assert challenge.params == {
        "realm": "SIP Communications Service",
        "opaque": 'a"b',
        "version": "4",
        "sts-uri": "https://web01/CertProv",
        "targetname": "pool01",
    }


def _message(headers: list[str]) -> bytes:
    return ("SIP/2.0 401 Unauthorized\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()


def test_too_many_header_lines_name_the_limit() -> None:
    message = _message([f"X-{i}: {i}" for i in range(65)])
    with pytest.raises(
        MalformedSip, match=r"65 header lines, over the limit of 64 \(sip.max_headers\)"
    ):
        check_limits(message, SipLimits())
    check_limits(message, SipLimits(max_headers=65))


def test_a_long_header_line_names_the_limit() -> None:
    message = _message(["WWW-Authenticate: TLS-DSK " + "0" * 9000])
    with pytest.raises(MalformedSip, match=r"over the limit of 8192 \(sip.max_header_line\)"):
        check_limits(message, SipLimits())


def test_a_content_length_past_the_message_bound_fails_at_once() -> None:
    """Without this, a registrar announcing 1 GB kept the phone reading until its timeout."""
    head = b"SIP/2.0 200 OK\r\nContent-Length: 1000000000\r\n\r\n"
    with pytest.raises(MalformedSip, match=r"over the limit of 65536 \(sip.max_message\)"):
        split_message(head)
    assert split_message(head, max_message=2_000_000_000) is None


def test_no_end_of_headers_within_the_bound() -> None:
    with pytest.raises(MalformedSip, match=r"within 1000 bytes \(sip.max_message\)"):
        split_message(b"SIP/2.0 200 OK\r\nX: " + b"0" * 1000, max_message=1000)
