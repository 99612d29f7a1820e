"""The boot's TLS-DSK sign-in against the lab's registrar, in memory: it ends signed in only
after a 200 OK whose signature checks out, its REGISTERs time out through the phone's own
requests, and each way it fails is a declared reason at the tlsdsk stage."""

from __future__ import annotations

import re

from phonesim.core import trace_schema
from phonesim.core.commands import Abandon, SendSipMessage
from phonesim.core.failure_reasons import reason_named
from phonesim.core.identity import endpoint_id
from phonesim.core.outcome import Failure, Success
from phonesim.core.stage import Stage
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.testing import LabPair
from phonesim.testing.lab_pair import IDENTITY

_RSPAUTH = re.compile(rb'rspauth="([0-9a-f]+)"')


def _flip_last_digit(match: re.Match[bytes]) -> bytes:
    digits = match.group(1)
    last = b"0" if digits[-1:] != b"0" else b"1"
    return b'rspauth="' + digits[:-1] + last + b'"'


def test_a_boot_stopped_after_tlsdsk_ends_signed_in_after_the_registrars_signed_200() -> None:
    pair = LabPair(final_stage=Stage.TLSDSK.value)
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == Stage.TLSDSK
    events = [(t.stage, t.event) for t in pair.traces]
    assert events[-6:] == [
        (Stage.TLSDSK, "handshake_round"),
        (Stage.TLSDSK, "handshake_round"),
        (Stage.TLSDSK, "handshake_complete"),
        (Stage.TLSDSK, "registered"),
        (Stage.DISCOVERY, "cache_stored"),
        (Stage.TLSDSK, "signed_in"),
    ]
    registered = pair.traces[-3]
    assert registered.fields["status"] == 200
    # The registrar bound the phone under the epid derived from its MAC.
    tls_dsk = pair.lab.registrar.tls_dsk
    assert tls_dsk is not None
    binding = tls_dsk.bindings["sip:alice@phonesim.test"]
    assert binding.epid == endpoint_id(IDENTITY.mac) == IDENTITY.epid
    assert endpoint_id(IDENTITY.mac) in registered.fields["gruu"]
    # Every REGISTER after the challenge went on the connection the challenge came on.
    sent = [c for c in pair.commands if isinstance(c, SendSipMessage)]
    assert len(sent) == 3
    assert {(c.host, c.port) for c in sent} == {("pool01.phonesim.test", 5061)}


def test_a_wrong_server_signature_on_the_200_is_a_named_failure_not_a_sign_in() -> None:
    pair = LabPair()
    registrar = pair.lab.registrar
    honest = registrar.reply

    def forged(message: bytes, host: str | None = None) -> bytes:
        answer = honest(message, host)
        if answer.startswith(b"SIP/2.0 200"):
            answer = _RSPAUTH.sub(_flip_last_digit, answer)
        return answer

    registrar.reply = forged  # type: ignore[method-assign]
    outcome = pair.run()
    assert isinstance(outcome, Failure)
    assert (outcome.stage, outcome.reason) == (Stage.TLSDSK, "tlsdsk.bad_server_signature")
    assert reason_named(outcome.reason) is not None
    assert not any(t.event in ("registered", "signed_in") for t in pair.traces)
    ending = pair.traces[-1]
    assert trace_schema.failed(Stage.TLSDSK).matches(ending) and ending.level == "error"
    result = bootstrap_result(outcome, phone={})
    assert result["ExitCode"] == 8 and result["PhoneScreen"]


def test_a_register_left_unanswered_times_out_on_the_phones_own_deadline() -> None:
    pair = LabPair()
    pair._sip_message = lambda command: None  # type: ignore[method-assign]  # the registrar goes silent
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "tlsdsk.timeout"
    challenge = next(t for t in pair.traces if t.event == "challenge")
    timeout = pair.profile.sip.timeout
    assert abs(outcome.t - (challenge.t + timeout)) < 0.01
    # The phone let go of the REGISTER it stopped waiting for.
    abandoned = [c.request for c in pair.commands if isinstance(c, Abandon)]
    assert any(isinstance(request, SendSipMessage) for request in abandoned)


def test_asked_to_stop_after_the_registrar_the_boot_sends_no_tls_dsk_register() -> None:
    pair = LabPair(final_stage=Stage.REGISTRAR)
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == Stage.REGISTRAR
    assert trace_schema.REGISTRAR_CHALLENGE_REACHED.matches(pair.traces[-1])
    assert pair.lab.registrar.counts["tls_dsk"] == 0
    assert not any(isinstance(c, SendSipMessage) for c in pair.commands)


def test_a_cached_boot_whose_sign_in_fails_at_the_registrar_discovers_once_more() -> None:
    first = LabPair()
    first.run()
    cache = first.stored[-1]
    pair = LabPair(cache=cache)
    registrar = pair.lab.registrar
    honest = registrar.reply
    refused = {"left": 1}

    def refuse_once(message: bytes, host: str | None = None) -> bytes:
        answer = honest(message, host)
        if answer.startswith(b"SIP/2.0 200") and refused["left"]:
            refused["left"] -= 1
            answer = _RSPAUTH.sub(_flip_last_digit, answer)
        return answer

    registrar.reply = refuse_once  # type: ignore[method-assign]
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == Stage.PROVISIONING
    discarded = [t for t in pair.traces if t.event == "cache_discarded"]
    assert [t.fields["failed_stage"] for t in discarded] == ["tlsdsk"]
