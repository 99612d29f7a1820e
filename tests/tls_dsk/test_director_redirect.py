"""A Director's signed 301 to the signed REGISTER, at the session and in the lab's
TLS-DSK end (`tls-dsk.md` §3.6: `301 Redirect request to Home Server`, `Contact:
<sip:…:5061;transport=tls>`, `Expires: 2592000`, signed)."""

from __future__ import annotations

import re

import pytest

from phonesim.codec.sip_message import parse_response
from phonesim.core.tls_dsk.messages import Fault, Redirected, Registered, SessionFailed
from phonesim.core.tls_dsk.registrar_answers import redirect_target
from tests.tls_dsk.credentials import issue
from tests.tls_dsk.registration_pair import EPOCH, make_pair

HOME = "pool02.lab.test"


@pytest.fixture(scope="module")
def creds(keys):
    phone_key, server_key = keys
    return issue(EPOCH, phone_key=phone_key, server_key=server_key)


def test_a_directors_signed_301_names_the_home_pool_from_its_first_contact(creds):
    pair = make_pair(creds, registrar_options={"redirect_to": HOME})
    step = pair.start()
    assert step == Redirected(HOME, 5061, "tls", 2592000)
    answer = parse_response(pair.answers[-1])
    assert (answer.status, answer.reason) == (301, "Redirect request to Home Server")
    assert answer.headers.get("Authentication-Info") is not None
    assert pair.registrar.counts["redirected"] == 1 and not pair.registrar.bindings
    # The Director's part is over: nothing more is sent and no timer is left.
    assert pair.session.next_deadline() is None and pair.session.registration is None


def test_a_301_whose_signature_is_wrong_is_not_followed(creds):
    pair = make_pair(creds, registrar_options={"redirect_to": HOME})
    pair.on_answer = lambda answer: re.sub(
        rb'rspauth="([0-9a-f])', lambda m: b'rspauth="' + (b"0" if m[1] != b"0" else b"1"), answer
    )
    failed = pair.start()
    assert isinstance(failed, SessionFailed) and failed.fault is Fault.BAD_SERVER_SIGNATURE


def test_a_signed_301_without_a_contact_is_a_named_failure(creds):
    pair = make_pair(creds, registrar_options={"redirect_to": "bad host"})
    failed = pair.start()
    assert isinstance(failed, SessionFailed)
    assert failed.fault is Fault.REDIRECT_WITHOUT_CONTACT
    assert failed.evidence["contact"] == "<sip:bad host:5061;transport=tls>"


def test_a_registrar_signing_with_the_wrong_key_is_never_taken_as_registered(creds):
    pair = make_pair(creds, registrar_options={"sign_with_client_key": True})
    failed = pair.start()
    assert isinstance(failed, SessionFailed) and failed.fault is Fault.BAD_SERVER_SIGNATURE
    assert not any(isinstance(step, Registered) for step in pair.steps)


def test_a_user_not_enabled_on_the_registrar_gets_a_signed_404_with_4005(creds):
    pair = make_pair(creds, registrar_options={"refuse_register": "user_not_enabled"})
    failed = pair.start()
    assert isinstance(failed, SessionFailed) and failed.fault is Fault.REFUSED
    assert failed.evidence["status"] == 404 and failed.evidence["error_id"] == 4005
    assert pair.registrar.refusals == {"user_not_enabled": 1}


@pytest.mark.parametrize(
    ("contact", "target"),
    [
        ("<sip:192.168.74.5:5061;transport=tls>", ("192.168.74.5", 5061, "tls")),
        ("<sip:Pool02.Lab.Test>", ("pool02.lab.test", 5061, "tls")),
        ("sip:home.lab.test:5070;transport=TCP", ("home.lab.test", 5070, "tcp")),
        ("<sip:alice@home.lab.test:5061>;expires=30", ("home.lab.test", 5061, "tls")),
    ],
)
def test_the_contact_of_a_301_is_read_as_pidgin_sipe_reads_it(contact, target):
    assert redirect_target([contact, "<sip:other.lab.test>"]) == target


@pytest.mark.parametrize(
    "contacts", [[], ["<tel:+15551234>"], ["<sip:>"], ["<sip:host:port>"], ["<sip:h:0>"]]
)
def test_a_contact_the_phone_cannot_go_to_is_none(contacts):
    assert redirect_target(contacts) is None
