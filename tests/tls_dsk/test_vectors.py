"""The golden vectors of `tls-dsk.md` §4.6: NIST TLS 1.0 PRF, the TLS-DSK key block,
SIPE's v4 signature string and an HMAC over it, and MS-SIPRE's epid → instance UUID."""

from __future__ import annotations

import pytest

from phonesim.codec.sip_message import parse_response
from phonesim.codec.sip_security_header import parse_security_header
from phonesim.codec.tls_dsk.keys import (
    KEY_BLOCK_LABEL,
    UnsupportedSigningSuite,
    key_block_tls10,
    mac_digest,
    signing_keys,
)
from phonesim.codec.tls_dsk.prf import prf_tls10
from phonesim.codec.tls_dsk.signature import (
    SignatureCheck,
    SignatureParams,
    sign,
    signature_string,
    verify,
)
from phonesim.codec.tls_dsk.sip_instance import instance_from_epid, sip_instance_param

# openssl test/recipes/30-test_evp_data/evpkdf_tls11_prf.txt, "from NIST test vectors".
PRE_MASTER = bytes.fromhex(
    "bded7fa5c1699c010be23dd06ada3a48349f21e5f86263d512c0c5cc379f0e78"
    "0ec55d9844b2f1db02a96453513568d0"
)
CLIENT_RANDOM = bytes.fromhex("e5acaf549cd25c22d964c0d930fa4b5261d2507fad84c33715b7b9a864020693")
SERVER_RANDOM = bytes.fromhex("135e4d557fdf3aa6406d82975d5c606a9734c9334b42136e96990fbd5358cdb2")
MASTER = bytes.fromhex(
    "2f6962dfbc744c4b2138bb6b3d33054c5ecc14f24851d9896395a44ab3964efc"
    "2090c5bf51a0891209f46c1e1e998f62"
)
EXPANSION_SERVER_RANDOM = bytes.fromhex(
    "67267e650eb32444119d222a368c191af3082888dc35afe8368e638c828874be"
)
EXPANSION_CLIENT_RANDOM = bytes.fromhex(
    "d58a7b1cd4fedaa232159df652ce188f9d997e061b9bf48e83b62990440931f6"
)
KEY_EXPANSION = bytes.fromhex(
    "3088825988e77fce68d19f756e18e43eb7fe672433504feaf99b3c503d9091b1"
    "64f166db301d70c9fc0870b4a94563907bee1a61fb786cb717576890bcc51cb9"
    "ead97e01d0a2fea99c953377b195205ff07b369589178796edc963fd80fdbe51"
    "8a2fc1c35c18ae8d"
)
# Project vectors (tls-dsk.md §4.6), cross-checked there with `openssl kdf` and `openssl dgst`.
CLIENT_KEY = bytes.fromhex("c5c16c1bee70f3236e4982bdb63411f3e40ca535b4466c1936ff76fd81e1bc5e")
SERVER_KEY = bytes.fromhex("6c5cb9419dba02fa89107458cd3b4fc9484963b74cadeb366eff6f6ff28d8c55")

# pidgin-sipe src/core/sipe-sipmsg-tests.c, "Test Authentication Algorithm's v4 Signature String".
SIPE_RINGING = (
    b"SIP/2.0 180 Ringing\r\n"
    b'Authentication-Info: NTLM rspauth="010000003EA8D688BA51D5CD64000000", srand="1B6D47A1", snum="11", opaque="357E6F72", qop="auth", targetname="LOC-COMPANYT-FE03.COMPANY.COM", realm="SIP Communications Service"\r\n'
    b"Via: SIP/2.0/tls 192.168.44.10:50230;received=10.117.245.254;ms-received-port=50230;ms-received-cid=37ABE00\r\n"
    b'FROM: "Sender"<sip:sender@company.com>;tag=2420628112;epid=54392f1bbf01\r\n'
    b'TO: "recipient"<sip:recipient@company.com>;tag=7aee15546a;epid=3102EB8BD1\r\n'
    b"CSEQ: 1 INVITE\r\n"
    b"CALL-ID: 41CEg82ECa0AC8i3DD7mE673t9CF4b19DAxF780x\r\n"
    b"RECORD-ROUTE: <sip:LOC-COMPANYT-OCSR2P01.COMPANY.COM:5061;transport=tls;ms-fe=LOC-COMPANYT-FE03.COMPANY.COM;opaque=state:F:T:Eu:Ci.R37abe00;lr;ms-route-sig=gdOGgL7NiL3hv_oBc0NdrJOxZk_r-8naq-k_DtpgAA>\r\n"
    b"CONTACT: <sip:recipient@company.com;opaque=user:epid:-gLwenLTVVqy-Ak8TJn1ZAAA;gruu>;text;audio;video\r\n"
    b"CONTENT-LENGTH: 0\r\n"
    b"SUPPORTED: gruu-10\r\n"
    b"ALLOW: UPDATE\r\n"
    b'P-ASSERTED-IDENTITY: "recipient"<SIP:recipient@company.com>\r\n'
    b"SERVER: RTCC/3.5.0.0 MCXService/3.5.0.0 communicator.NOKIAS60R2.JVP.EN_US/1.0.6875.0\r\n"
    b"\r\n"
)
SIPE_V4_STRING = "<NTLM><1B6D47A1><11><SIP Communications Service><LOC-COMPANYT-FE03.COMPANY.COM><41CEg82ECa0AC8i3DD7mE673t9CF4b19DAxF780x><1><INVITE><sip:sender@company.com><2420628112><sip:recipient@company.com><7aee15546a><SIP:recipient@company.com><><><180>"


def test_nist_master_secret():
    seed = CLIENT_RANDOM + SERVER_RANDOM
    assert prf_tls10(PRE_MASTER, b"master secret", seed, 48) == MASTER


def test_nist_key_expansion():
    seed = EXPANSION_SERVER_RANDOM + EXPANSION_CLIENT_RANDOM
    assert prf_tls10(MASTER, b"key expansion", seed, len(KEY_EXPANSION)) == KEY_EXPANSION


def test_tls_dsk_key_block_from_the_nist_master():
    block = key_block_tls10(MASTER, CLIENT_RANDOM, SERVER_RANDOM)
    assert KEY_BLOCK_LABEL == b"client EAP encryption"
    keys = signing_keys(block, "AES128-SHA")
    assert keys.client == CLIENT_KEY
    assert keys.server == SERVER_KEY
    assert keys.digest == "sha1"
    assert "c5c16c" not in repr(keys)


@pytest.mark.parametrize(
    ("cipher", "digest"),
    [("AES128-SHA", "sha1"), ("AES256-SHA", "sha1"), ("RC4-SHA", "sha1"), ("RC4-MD5", "md5")],
)
def test_mac_follows_the_suite(cipher, digest):
    assert mac_digest(cipher) == digest


def test_a_suite_without_a_defined_mac_is_refused():
    with pytest.raises(UnsupportedSigningSuite, match="AES128-GCM-SHA256"):
        mac_digest("AES128-GCM-SHA256")


def _sipe_params():
    message = parse_response(SIPE_RINGING)
    header = parse_security_header(
        "Authentication-Info", message.headers.get("Authentication-Info") or ""
    )
    return message, SignatureParams.from_header(header)


def test_sipe_v4_signature_string():
    message, params = _sipe_params()
    assert params == SignatureParams(
        "NTLM", "1B6D47A1", "11", "SIP Communications Service", "LOC-COMPANYT-FE03.COMPANY.COM"
    )
    assert signature_string(message, params) == SIPE_V4_STRING


def test_sipe_string_before_version_3_leaves_out_to_uri_and_identity():
    message, params = _sipe_params()
    assert signature_string(message, params, version=2) == (
        "<NTLM><1B6D47A1><11><SIP Communications Service><LOC-COMPANYT-FE03.COMPANY.COM>"
        "<41CEg82ECa0AC8i3DD7mE673t9CF4b19DAxF780x><1><INVITE><sip:sender@company.com>"
        "<2420628112><7aee15546a><><180>"
    )


def test_hmac_over_the_tls_dsk_form_of_the_sipe_string():
    text = SIPE_V4_STRING.replace("<NTLM>", "<TLS-DSK>", 1)
    assert len(text.encode()) == 246
    signature = sign(SERVER_KEY, text)
    assert signature == "bd6b565640e0ddf4f699a3635762f490a5714e01".upper()
    assert verify(SERVER_KEY, text, signature) is SignatureCheck.VALID
    assert verify(SERVER_KEY, text, signature.lower()) is SignatureCheck.VALID


def test_wrong_and_malformed_signatures_are_named():
    text = SIPE_V4_STRING.replace("<NTLM>", "<TLS-DSK>", 1)
    good = sign(SERVER_KEY, text)
    assert verify(CLIENT_KEY, text, good) is SignatureCheck.WRONG
    assert verify(SERVER_KEY, text.replace("<180>", "<200>"), good) is SignatureCheck.WRONG
    assert verify(SERVER_KEY, text, good[:-2]) is SignatureCheck.MALFORMED
    assert verify(SERVER_KEY, text, "zz" * 20) is SignatureCheck.MALFORMED


def test_md5_suites_sign_with_hmac_md5():
    signature = sign(CLIENT_KEY, "<TLS-DSK>", "md5")
    assert len(signature) == 32
    assert verify(CLIENT_KEY, "<TLS-DSK>", signature, "md5") is SignatureCheck.VALID


def test_ms_sipre_epid_to_instance():
    assert instance_from_epid("01010101") == "4b1682a8-f968-5701-83fc-7c6741dc6697"
    assert sip_instance_param("01010101") == ('"<urn:uuid:4b1682a8-f968-5701-83fc-7c6741dc6697>"')
