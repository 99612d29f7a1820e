"""The lab registrar's TLS-DSK end on its own: its challenges, refusals and signed 200 OK,
checked by hand against the wire rules of `tls-dsk.md` §1.2, §1.7 and §3.1."""

from __future__ import annotations

import hashlib
import hmac
import re
import ssl
from datetime import timedelta

import pytest

from phonesim.codec.ocauthws.diagnostics import parse_header
from phonesim.codec.sip_message import parse_request, parse_response
from phonesim.codec.sip_security_header import parse_security_header
from phonesim.codec.tls_dsk.handshake import InnerTls, TlsDskClientSide
from phonesim.core.tls_dsk.register_request import Association, handshake_register, register
from phonesim.core.tls_dsk.register_request import signed_register as phone_signed_register
from phonesim.lab.registrar import LabRegistrar
from tests.tls_dsk.credentials import issue
from tests.tls_dsk.registration_pair import (
    EPOCH,
    STS_URI,
    endpoint,
    first_challenge,
    make_pair,
    make_registrar,
)

POOL = "pool01.lab.test"
REALM = "SIP Communications Service"


@pytest.fixture(scope="module")
def creds(keys):
    phone_key, server_key = keys
    return issue(EPOCH, phone_key=phone_key, server_key=server_key)


def registered(creds):
    pair = make_pair(creds)
    pair.start()
    return pair


def test_the_first_401_offers_what_todays_registrar_offers(creds):
    """The new end challenges exactly as `LabRegistrar` does, so it can take its place."""
    today = LabRegistrar(
        pool_fqdn=POOL, sts_uri=STS_URI, ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    )
    assert make_registrar(creds).challenges() == today.challenges()
    answer = parse_response(
        make_registrar(creds).reply(
            register(endpoint(), cseq=1, branch="z9hG4bK1", expires=3600), EPOCH
        )
    )
    assert answer.status == 401
    assert answer.headers.get_all("WWW-Authenticate") == [v for _, v in today.challenges()]


def test_the_200_ok_reads_as_a_front_ends_and_its_signature_checks_by_hand(creds):
    pair = registered(creds)
    response = parse_response(pair.answers[-1])
    headers = response.headers
    assert (response.status, response.reason) == (200, "OK")
    info_line = headers.get("Authentication-Info")
    info = parse_security_header("Authentication-Info", info_line)
    # [OCPSTN] §4.7.2.1's parameter order; srand 8 upper-case hex digits, rspauth 40 hex.
    assert [name for name, _ in info.params] == [
        "qop",
        "opaque",
        "srand",
        "snum",
        "rspauth",
        "targetname",
        "realm",
        "version",
    ]
    assert re.fullmatch(r"[0-9A-F]{8}", info.get("srand"))
    assert re.fullmatch(r"[0-9a-f]{40}", info.get("rspauth"))
    assert info.get("snum") == "1" and info_line.endswith("version=4")
    assert headers.get("Expires") == "3600"
    assert " " not in headers.get("Allow-Events")  # pidgin-sipe splits on ',' untrimmed
    assert headers.get("ms-keep-alive") == "UAS; tcp=no; hop-hop=yes; end-end=no; timeout=300"
    assert 'gruu="sip:alice@lab.test;opaque=user:epid:01010101;gruu"' in headers.get("Contact")
    # §1.7 written out by hand: the fields, each in <>, then the status code.
    request = parse_request(pair.requests[-1]).headers
    tag = request.get("From").split(";tag=")[1].split(";")[0]
    text = (
        f"<TLS-DSK><{info.get('srand')}><1><{REALM}><{POOL}><{request.get('Call-ID')}>"
        f"<4><REGISTER><sip:alice@lab.test><{tag}><sip:alice@lab.test><><><><3600><200>"
    )
    server_key = pair.registrar.associations[info.opaque].keys.server
    assert hmac.new(server_key, text.encode(), hashlib.sha1).hexdigest() == info.get("rspauth")


def test_the_phones_signed_register_checks_by_hand_and_names_its_endpoint(creds):
    pair = registered(creds)
    request = parse_request(pair.requests[-1])
    headers = request.headers
    authorization = parse_security_header("Authorization", headers.get("Authorization"))
    assert [name for name, _ in authorization.params] == [
        "qop",
        "opaque",
        "realm",
        "targetname",
        "version",
        "crand",
        "cnum",
        "response",
    ]
    text = (
        f"<TLS-DSK><{authorization.get('crand')}><1><{REALM}><{POOL}><{headers.get('Call-ID')}>"
        f"<4><REGISTER><sip:alice@lab.test><9a8b7c6d><sip:alice@lab.test><><><><3600>"
    )
    client_key = pair.session.association.keys.client
    expected = hmac.new(client_key, text.encode(), hashlib.sha1).hexdigest().upper()
    assert authorization.get("response") == expected
    # MS-SIPRE's vector: epid 01010101 is instance 4b1682a8-f968-5701-83fc-7c6741dc6697.
    assert ";epid=01010101" in headers.get("From")
    assert '+sip.instance="<urn:uuid:4b1682a8-f968-5701-83fc-7c6741dc6697>"' in headers.get(
        "Contact"
    )
    assert "ms-forking" not in headers.get("Supported")


def refused(answer: bytes):
    response = parse_response(answer)
    value = response.headers.get("ms-diagnostics") or response.headers.get("ms-diagnostics-public")
    return response, parse_header(value)


def signed_register(association, *, epid_endpoint=None, expires=3600, cnum=2):
    return phone_signed_register(
        epid_endpoint or endpoint(),
        association,
        cseq=9,
        branch="z9hG4bK9",
        expires=expires,
        crand="0badcafe",
        cnum=cnum,
    )


def test_an_unknown_opaque_is_refused_with_a_fresh_challenge(creds):
    pair = registered(creds)
    stale = Association("DEADBEEF", REALM, POOL, pair.session.association.keys)
    response, diagnostics = refused(pair.registrar.reply(signed_register(stale), EPOCH))
    assert response.status == 401
    assert (diagnostics.error_id, diagnostics.reason, diagnostics.source) == (
        1000,
        "Final handshake failed.",
        POOL,
    )
    assert any("sts-uri" in v for v in response.headers.get_all("WWW-Authenticate"))
    assert pair.registrar.refusals["unknown_opaque"] == 1


def test_an_expired_association_is_refused_and_forgotten(creds):
    pair = registered(creds)
    association = pair.session.association
    later = EPOCH + timedelta(hours=8)
    response, diagnostics = refused(pair.registrar.reply(signed_register(association), later))
    assert response.status == 401 and diagnostics.error_id == 1000
    assert pair.registrar.refusals["sa_expired"] == 1
    assert association.opaque not in pair.registrar.associations
    # Just before, the same REGISTER was still good.
    again = registered(creds)
    just_before = EPOCH + timedelta(hours=8) - timedelta(seconds=1)
    answer = again.registrar.reply(signed_register(again.session.association, cnum=2), just_before)
    assert parse_response(answer).status == 200


def test_unfinished_handshakes_and_dead_associations_are_dropped(creds):
    registrar = make_registrar(creds)
    phone = endpoint()
    challenge = first_challenge(registrar, phone)
    client = TlsDskClientSide(InnerTls()).handshake(creds.phone_certificate, creds.phone_key)
    registrar.reply(
        handshake_register(
            phone,
            cseq=2,
            branch="z9hG4bK2",
            expires=3600,
            token=client.step(),
            realm=challenge.realm,
            targetname=challenge.targetname,
            opaque=None,
        ),
        EPOCH,
    )
    assert len(registrar.associations) == 1
    assert registrar.expire(EPOCH + timedelta(seconds=59)) == 0
    assert registrar.expire(EPOCH + timedelta(seconds=60)) == 1
    assert registrar.associations == {}


def test_bytes_that_are_not_tls_end_the_handshake_by_name(creds):
    registrar = make_registrar(creds)
    phone = endpoint()
    answer = registrar.reply(
        handshake_register(
            phone,
            cseq=2,
            branch="z9hG4bK2",
            expires=3600,
            token=b"GET / HTTP/1.1\r\n\r\n",
            realm=REALM,
            targetname=POOL,
            opaque=None,
        ),
        EPOCH,
    )
    response, diagnostics = refused(answer)
    assert response.status == 401 and diagnostics.error_id == 1000
    assert registrar.refusals == {"handshake_failed": 1}
    assert registrar.associations == {}


def test_endpoint_identifiers_missing_or_not_derived_are_refused(creds):
    pair = registered(creds)
    association = pair.session.association
    no_epid = signed_register(association).replace(b";epid=01010101", b"")
    response, diagnostics = refused(pair.registrar.reply(no_epid, EPOCH))
    assert (response.status, diagnostics.error_id) == (403, 4011)
    other = signed_register(association).replace(b"4b1682a8", b"4b1682a9")
    response, diagnostics = refused(pair.registrar.reply(other, EPOCH))
    assert (response.status, diagnostics.error_id) == (403, 4010)
    assert pair.registrar.refusals == {"no_epid": 1, "instance_not_from_epid": 1}


def test_expires_zero_unregisters_with_a_signed_200(creds):
    pair = registered(creds)
    assert "sip:alice@lab.test" in pair.registrar.bindings
    answer = parse_response(
        pair.registrar.reply(signed_register(pair.session.association, expires=0), EPOCH)
    )
    assert answer.status == 200 and answer.headers.get("Expires") == "0"
    assert answer.headers.get("Authentication-Info").startswith("TLS-DSK ")
    assert pair.registrar.bindings == {}


def test_a_request_other_than_register_is_not_allowed(creds):
    registrar = make_registrar(creds)
    options = register(endpoint(), cseq=1, branch="z9hG4bK1", expires=3600).replace(
        b"REGISTER", b"OPTIONS"
    )
    assert parse_response(registrar.reply(options, EPOCH)).status == 405
