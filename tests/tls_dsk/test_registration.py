"""The phone's TLS-DSK sign-in against the lab's registrar, in memory, on a virtual clock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from phonesim.codec.sip_message import parse_request, parse_response
from phonesim.codec.sip_security_header import parse_security_header
from phonesim.core.tls_dsk.messages import Fault, Phase, Registered, SessionFailed
from tests.tls_dsk.credentials import issue
from tests.tls_dsk.registration_pair import EPOCH, PROFILE, make_pair

TIMEOUT = PROFILE.sip.timeout
EIGHT_HOURS = 8 * 3600.0
MARGIN = PROFILE.tls_dsk.sa_renewal_margin


@pytest.fixture(scope="module")
def creds(keys):
    """Issued at EPOCH, the virtual clock's start: valid for 180 days from there."""
    phone_key, server_key = keys
    return issue(EPOCH, phone_key=phone_key, server_key=server_key)


@pytest.fixture(scope="module")
def stranger(keys):
    """Another CA, same keys: a certificate the lab did not issue."""
    phone_key, server_key = keys
    return issue(EPOCH, phone_key=phone_key, server_key=server_key)


def authorization(request: bytes):
    value = parse_request(request).headers.get("Authorization")
    return None if value is None else parse_security_header("Authorization", value)


def test_handshake_rounds_then_a_verified_200_with_equal_keys_and_deadlines(creds):
    pair = make_pair(creds)
    pair.hold = True
    assert pair.start() is None
    # Rows 2-4 of the sign-in (row 1 was the challenge): ClientHello, the client's second
    # flight, then the signed REGISTER. Each is due back within the profile's SIP timeout.
    for t, (has_opaque, carries) in enumerate(
        [(False, "gssapi-data"), (True, "gssapi-data"), (True, "response")]
    ):
        assert len(pair.held) == 1
        sent = authorization(pair.held[0])
        assert (sent.opaque is not None) is has_opaque
        assert sent.get(carries) is not None
        assert pair.session.next_deadline() == pytest.approx(t * 0.5 + TIMEOUT)
        step = pair.deliver(t * 0.5 + 0.5)
    assert isinstance(step, Registered)
    statuses = [parse_response(answer).status for answer in pair.answers]
    assert statuses == [401, 401, 200]
    cseqs = [parse_request(r).headers.get("CSeq") for r in pair.requests]
    assert cseqs == ["2 REGISTER", "3 REGISTER", "4 REGISTER"]
    assert authorization(pair.requests[-1]).get("version") == "4"
    # Both ends hold the same keys under the same opaque.
    association = pair.session.association
    assert association is not None
    assert pair.registrar.associations[association.opaque].keys == association.keys
    assert association.keys.client != association.keys.server
    # Registered with what the 200 said; the timers follow from it.
    established_at, registered_at = 1.0, 1.5
    assert step.expires == 3600 and step.keep_alive == 300
    assert step.refresh_at == registered_at + 3600 - PROFILE.tls_dsk.refresh_before
    assert step.sa_expires_at == established_at + EIGHT_HOURS
    assert step.sa_renew_at == established_at + EIGHT_HOURS - MARGIN
    assert "vnd-microsoft-provisioning-v2" in step.allow_events
    assert step.gruu == "sip:alice@lab.test;opaque=user:epid:01010101;gruu"
    # Nothing is asked now: the next deadline is the keep-alive, 300 s after the last send.
    assert pair.session.phase is Phase.IDLE
    assert pair.session.next_deadline() == 1.0 + 300
    assert pair.registrar.bindings["sip:alice@lab.test"].epid == "01010101"


def test_a_held_phone_keeps_alive_refreshes_and_renews_its_association(creds):
    pair = make_pair(creds)
    assert isinstance(pair.start(), Registered)
    first_opaque = pair.session.association.opaque
    # CRLF every 300 s of silence; the refresh at 3570 s is a signed REGISTER, no handshake.
    said = pair.run_until(3600)
    assert pair.keep_alives == [300 * n for n in range(1, 12)]
    assert len(said) == 1 and isinstance(said[0], Registered)
    refreshed = said[0]
    assert refreshed.handshakes == 1 and refreshed.refresh_at == 3570 + 3570
    refresh = authorization(pair.requests[-1])
    assert refresh.opaque == first_opaque and refresh.get("cnum") == "2"
    assert refresh.get("version") is None  # only the REGISTER ending a handshake says it
    assert pair.session.next_deadline() == 3570 + 300
    # At 8 h - 5 min the phone drops the association and signs in afresh, unsigned first.
    said = pair.run_until(EIGHT_HOURS)
    renewed = [step for step in said if isinstance(step, Registered) and step.handshakes == 2]
    assert len(renewed) == 1
    assert pair.registrar.counts["handshakes"] == 2
    restart = [r for r in pair.requests if authorization(r) is None]
    assert len(restart) == 1
    assert pair.session.association.opaque != first_opaque
    assert renewed[0].sa_renew_at == (EIGHT_HOURS - MARGIN) + EIGHT_HOURS - MARGIN
    assert not [step for step in pair.steps if isinstance(step, SessionFailed)]


def test_the_association_ends_with_the_certificate_if_that_comes_first(creds):
    ends = EPOCH.timestamp() + 2 * 3600
    pair = make_pair(creds, certificate_not_after=ends)
    registered = pair.start()
    assert isinstance(registered, Registered)
    assert registered.sa_expires_at == 2 * 3600
    assert registered.sa_renew_at == 2 * 3600 - MARGIN


def test_the_registrar_expiring_the_association_first_makes_the_phone_handshake_again(creds):
    pair = make_pair(creds, registrar_options={"sa_lifetime": timedelta(minutes=30)})
    assert isinstance(pair.start(), Registered)
    said = pair.run_until(3600)
    assert pair.registrar.refusals["sa_expired"] == 1
    assert [type(step) for step in said] == [Registered]
    assert said[0].handshakes == 2
    assert pair.registrar.counts["registered"] == 2


def flip_first_digit(match: re.Match[bytes]) -> bytes:
    digit = match.group(0)[-1:]
    return match.group(0)[:-1] + (b"1" if digit == b"0" else b"0")


def test_a_wrong_server_signature_is_a_named_failure(creds):
    pair = make_pair(creds)
    pair.on_answer = lambda answer: re.sub(rb'rspauth="[0-9a-f]', flip_first_digit, answer)
    failed = pair.start()
    assert isinstance(failed, SessionFailed)
    assert failed.fault is Fault.BAD_SERVER_SIGNATURE
    assert failed.evidence["check"] == "wrong" and failed.evidence["status"] == 200
    assert pair.session.registration is None
    assert pair.session.next_deadline() is None


def test_the_signature_covers_the_expires_the_registrar_granted(creds):
    pair = make_pair(creds)
    pair.on_answer = lambda answer: answer.replace(b"Expires: 3600", b"Expires: 7200")
    failed = pair.start()
    assert isinstance(failed, SessionFailed) and failed.fault is Fault.BAD_SERVER_SIGNATURE


def test_an_unsigned_200_is_not_taken_as_registered(creds):
    pair = make_pair(creds)
    pair.on_answer = lambda answer: re.sub(rb"Authentication-Info: [^\r]*\r\n", b"", answer)
    failed = pair.start()
    assert isinstance(failed, SessionFailed) and failed.fault is Fault.UNSIGNED_ANSWER


def test_a_client_certificate_the_lab_did_not_issue_is_refused_with_its_alert(creds, stranger):
    pair = make_pair(creds, phone_credentials=stranger)
    failed = pair.start()
    assert isinstance(failed, SessionFailed)
    assert failed.fault is Fault.HANDSHAKE_REFUSED
    assert failed.evidence["error_id"] == 1000
    assert failed.evidence["server_reason"] == "Final handshake failed."
    assert failed.evidence["alert"] == "unknown ca"
    assert pair.registrar.refusals == {"untrusted_certificate": 1}
    assert pair.registrar.associations == {}


def test_a_certificate_issued_to_another_user_gets_the_labs_403(creds):
    pair = make_pair(creds, aor="sip:bob@lab.test")
    failed = pair.start()
    assert isinstance(failed, SessionFailed)
    assert failed.fault is Fault.REFUSED and failed.evidence["status"] == 403
    assert failed.evidence["error_id"] == 4004
    assert pair.registrar.refusals == {"certificate_not_for_user": 1}


def test_a_signed_register_changed_on_the_way_is_refused_and_the_phone_reads_why(creds):
    pair = make_pair(creds)
    pair.on_request = lambda request: (
        request.replace(b"Expires: 3600", b"Expires: 60") if b"response=" in request else request
    )
    failed = pair.start()
    assert isinstance(failed, SessionFailed)
    assert failed.fault is Fault.SIGNATURE_REFUSED
    assert failed.evidence["error_id"] == 1000 and failed.evidence["status"] == 401
    assert pair.registrar.refusals == {"bad_signature": 1}
    # The refusal came signed under the association, and the phone checked it.
    assert b"Authentication-Info: TLS-DSK" in pair.answers[-1]


def test_a_register_unanswered_fails_at_its_deadline_and_a_late_answer_is_ignored(creds):
    pair = make_pair(creds)
    pair.hold = True
    pair.start()
    pair.deliver(1.0)  # the first round answered; the second REGISTER left at t=1
    assert len(pair.held) == 1
    deadline = pair.session.next_deadline()
    assert deadline == 1.0 + TIMEOUT
    assert pair.timer(deadline - 0.001) is None
    failed = pair.timer(deadline)
    assert isinstance(failed, SessionFailed) and failed.fault is Fault.TIMEOUT
    assert failed.evidence == {"phase": "handshake", "cseq": 3}
    assert pair.session.next_deadline() is None
    assert pair.deliver(deadline + 1) is None
    assert pair.session.ignored == 1


def test_a_refresh_unanswered_fails_at_its_deadline(creds):
    pair = make_pair(creds)
    assert isinstance(pair.start(), Registered)
    pair.on_answer = lambda answer: None
    said = pair.run_until(3570 + TIMEOUT)
    assert len(said) == 1 and said[0].fault is Fault.TIMEOUT
    assert said[0].evidence["phase"] == "refresh"
