"""The Web Ticket service's WinNegotiate port, as a desktop client (pidgin-sipe) uses it:
HTTP Basic only, and a SAML ticket with a proof key computed from both ends' entropy
(`tls-dsk.md` §4.3 step 5)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from phonesim.codec.ocauthws import ISSUE_TOKEN_ACTION, WEB_TICKET_PATH
from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.proof_key import COMPUTED_KEY_PSHA1, read_server_entropy
from phonesim.codec.ocauthws.soap import read_envelope
from phonesim.codec.ocauthws.wire import qname
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.desktop_sign_in import BasicCredentials, desktop_user, read_basic
from phonesim.lab.directory import LabDirectory
from phonesim.lab.web_core import LabWebCore, WebRequest

WEB = "web01.phonesim.test"
WIN_NEGOTIATE = WEB_TICKET_PATH + "/WinNegotiate"
CERT_PROV_PROOF = f"https://{WEB}/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"
CLIENT_ENTROPY = bytes(range(32))


def rst(entropy: bytes | None = CLIENT_ENTROPY) -> bytes:
    """A desktop client's RequestSecurityToken: SAML 1.1 for CertProv, the user's URI as
    claim, its own entropy, a symmetric proof key."""
    secret = (
        ""
        if entropy is None
        else "<wst:Entropy><wst:BinarySecret>"
        + base64.b64encode(entropy).decode()
        + "</wst:BinarySecret></wst:Entropy>"
    )
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        '<wst:RequestSecurityToken Context="c1" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"'
        ' xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"'
        ' xmlns:wsa="http://www.w3.org/2005/08/addressing">'
        "<wst:TokenType>http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1"
        "</wst:TokenType>"
        "<wst:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</wst:RequestType>"
        f"<wsp:AppliesTo><wsa:EndpointReference><wsa:Address>{CERT_PROV_PROOF}</wsa:Address>"
        "</wsa:EndpointReference></wsp:AppliesTo>"
        f"{secret}"
        "<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey</wst:KeyType>"
        "</wst:RequestSecurityToken></s:Body></s:Envelope>"
    ).encode()


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@pytest.fixture
def core() -> LabWebCore:
    return LabWebCore(
        web_fqdn=WEB,
        ca=LabCertificateAuthority.create(now=datetime.now(UTC)),
        directory=LabDirectory.load(),
    )


def post(core: LabWebCore, authorization: str | None, body: bytes = b""):
    headers = {"Host": WEB, "SOAPAction": f'"{ISSUE_TOKEN_ACTION}"'}
    if authorization is not None:
        headers["Authorization"] = authorization
    return core.handle(WebRequest("https", "POST", WIN_NEGOTIATE, headers, body or rst()))


def test_without_credentials_the_port_offers_basic_and_nothing_else(core):
    reply = post(core, None)
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert "Negotiate" not in str(reply.headers)


def test_a_wrong_password_or_unknown_user_is_offered_basic_again(core):
    assert post(core, basic("alice@phonesim.test", "00000")).status == 401
    assert post(core, basic("nobody@phonesim.test", "13579")).status == 401
    assert post(core, "Negotiate YIIB").status == 401
    assert not core.tickets


def test_the_ticket_carries_a_proof_key_both_ends_compute_alike(core):
    reply = post(core, basic("alice@phonesim.test", "13579"))
    assert reply.status == 200
    payload = read_envelope(reply.body, "answer").payload
    assert payload is not None
    server_entropy = read_server_entropy(payload)
    assert server_entropy is not None and len(server_entropy) == len(CLIENT_ENTROPY)
    assert payload.findtext(f".//{qname(ns.WST, 'ComputedKey')}") == COMPUTED_KEY_PSHA1
    [ticket] = core.tickets.values()
    assert ticket.user.sip_uri == "sip:alice@phonesim.test"
    # P_SHA1(client entropy, server entropy), written out here on its own (RFC 2246 §5).
    a, key = server_entropy, b""
    while len(key) < 32:
        a = hmac.new(CLIENT_ENTROPY, a, hashlib.sha1).digest()
        key += hmac.new(CLIENT_ENTROPY, a + server_entropy, hashlib.sha1).digest()
    assert ticket.proof_key == key[:32]
    # The Lifetime a client turns into its wsu:Timestamp, and the assertion it hands on.
    text = reply.body.decode()
    assert "<wsu:Created>" in text and "<wsu:Expires>" in text
    assert f'AssertionID="{ticket.assertion_id}"' in text


def test_without_client_entropy_no_proof_key_is_issued(core):
    reply = post(core, basic("alice@phonesim.test", "13579"), rst(entropy=None))
    assert reply.status == 200
    assert b"BinarySecret" not in reply.body
    [ticket] = core.tickets.values()
    assert ticket.proof_key is None


def test_the_password_is_never_journaled(core):
    post(core, basic("alice@phonesim.test", "13579"))
    [received] = core.received
    assert received.headers["Authorization"] == "Basic ****"
    assert "13579" not in repr(received)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic("alice@phonesim.test", "13579"), BasicCredentials("alice@phonesim.test", "13579")),
        ("basic " + base64.b64encode(b"a:b:c").decode(), BasicCredentials("a", "b:c")),
        ("Basic !!!", None),
        ("Basic " + base64.b64encode(b"no-colon").decode(), None),
        ("Negotiate abc", None),
        ("", None),
    ],
)
def test_basic_credentials_are_read_as_rfc_7617_writes_them(header, expected):
    assert read_basic(header) == expected


def test_a_desktop_user_signs_in_as_user_at_domain_or_domain_backslash_user():
    directory = LabDirectory.load()
    for login in ("alice@phonesim.test", "ALICE@phonesim.test", "PHONESIM\\alice"):
        user = desktop_user(directory, BasicCredentials(login, "13579"))
        assert user is not None and user.sip_uri == "sip:alice@phonesim.test"
    assert desktop_user(directory, BasicCredentials("alice@phonesim.test", "24680")) is None
