"""What the lab registrar answers a signed-in desktop client's other requests (pidgin-sipe
sends a presence `SERVICE` and an `INVITE` to the group chat user once signed in): a
signed final answer, never a 401 that the client would retry at once."""

from __future__ import annotations

import pytest

from phonesim.codec.sip_message import SipHeaders, SipRequest, parse_response
from phonesim.core.tls_dsk.register_request import signed_authorization
from phonesim.core.tls_dsk.registrar_answers import server_signature_problem
from tests.tls_dsk.credentials import issue
from tests.tls_dsk.registration_pair import EPOCH, make_pair


@pytest.fixture(scope="module")
def creds(keys):
    phone_key, server_key = keys
    return issue(EPOCH, phone_key=phone_key, server_key=server_key)


def signed(pair, method: str, target: str) -> bytes:
    endpoint = pair.session.endpoint
    association, crand, cnum = pair.session.countersign()
    items = [
        ("Via", f"SIP/2.0/tls {endpoint.local_host}:{endpoint.local_port};branch=z9hG4bK7"),
        ("Max-Forwards", "70"),
        ("From", f"<{endpoint.aor}>;tag=51ab;epid={endpoint.epid}"),
        ("To", f"<{target}>"),
        ("Call-ID", "c0ffee"),
        ("CSeq", f"1 {method}"),
    ]
    request = SipRequest(method, target, SipHeaders(tuple(items)))
    items.append(signed_authorization(request, association, crand, cnum))
    lines = [f"{method} {target} SIP/2.0", *(f"{n}: {v}" for n, v in items)]
    return ("\r\n".join([*lines, "Content-Length: 0"]) + "\r\n\r\n").encode()


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [("SERVICE", "sip:alice@lab.test", 200), ("INVITE", "sip:ocschat@lab.test", 404)],
)
def test_a_signed_request_after_the_200_ok_gets_a_signed_final_answer(
    creds, method, target, status
):
    pair = make_pair(creds)
    pair.start()
    response = parse_response(pair.registrar.reply(signed(pair, method, target), EPOCH))
    assert response.status == status
    assert server_signature_problem(response, pair.session.association) is None
    assert pair.registrar.counts[method.lower()] == 1


def test_an_unsigned_service_is_not_allowed(creds):
    pair = make_pair(creds)
    pair.start()
    data = signed(pair, "SERVICE", "sip:alice@lab.test")
    unsigned = b"\r\n".join(
        line for line in data.split(b"\r\n") if not line.startswith(b"Authorization:")
    )
    assert parse_response(pair.registrar.reply(unsigned, EPOCH)).status == 405
