"""In-band provisioning and the further subscriptions after the 200 OK, against the lab's
registrar in memory: what the phone keeps, and each way the step fails by name."""

from __future__ import annotations

import dataclasses
import re

from phonesim.codec.sip_message import parse_request
from phonesim.core import trace_schema as ts
from phonesim.core.commands import SendSipMessage
from phonesim.core.failure_reasons import reason_named
from phonesim.core.outcome import Failure, Success
from phonesim.core.stage import Stage
from phonesim.lab.registrar_subscriptions import SubscribeAnswer
from phonesim.profiles import load_profile
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.testing import LabPair

PROVISIONING = b"Event: vnd-microsoft-provisioning-v2"


def subscribes(pair: LabPair) -> list:
    return [
        parse_request(c.data)
        for c in pair.commands
        if isinstance(c, SendSipMessage) and c.data.startswith(b"SUBSCRIBE")
    ]


def answering(pair: LabPair, change) -> None:
    """The registrar's answers to the provisioning SUBSCRIBE go through `change`."""
    registrar = pair.lab.registrar
    honest = registrar.reply

    def reply(message: bytes, host: str | None = None) -> bytes:
        answer = honest(message, host)
        return change(answer) if PROVISIONING in message else answer

    registrar.reply = reply  # type: ignore[method-assign]


def test_a_full_boot_is_provisioned_and_keeps_what_the_pool_said() -> None:
    pair = LabPair()
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == Stage.PROVISIONING
    assert outcome.provisioned is not None
    assert outcome.provisioned["pool"] == "pool01.phonesim.test"
    assert outcome.provisioned["mras_uri"] is None
    assert outcome.provisioned["uc_policy"]["EnableCallTransfer"] == "true"
    provisioning, *others = subscribes(pair)
    headers = provisioning.headers
    assert headers.get("Event") == "vnd-microsoft-provisioning-v2"
    assert headers.get("Accept") == "application/vnd-microsoft-roaming-provisioning-v2+xml"
    assert headers.get("Content-Type") == headers.get("Accept")
    assert headers.get("Expires") == "0"
    assert "ms-piggyback-first-notify" in headers.get_all("Supported")
    # The GRUU the 200 OK gave is the Contact, and the signing counter goes on from the
    # REGISTER's (cnum 1) through every SUBSCRIBE.
    cnums = [
        re.search(r'cnum="(\d+)"', r.headers.get("Authorization")).group(1)
        for r in subscribes(pair)
    ]
    assert cnums == ["2", "3", "4"]
    assert b'<provisioningGroup name="locationPolicy"/>' in provisioning.body
    assert [r.headers.get("Event") for r in others] == [
        "vnd-microsoft-roaming-contacts",
        "vnd-microsoft-roaming-self",
    ]
    result = bootstrap_result(outcome, phone={})
    assert result["Provisioned"]["pool"] == "pool01.phonesim.test"
    assert "in-band provisioning" in result["Reached"]


def test_the_contact_of_every_subscribe_is_the_phones_gruu() -> None:
    pair = LabPair()
    pair.run()
    gruu = next(t for t in pair.traces if ts.TLSDSK_REGISTERED.matches(t)).fields["gruu"]
    assert {r.headers.get("Contact") for r in subscribes(pair)} == {f"<{gruu}>"}


def test_stopped_after_tlsdsk_the_phone_sends_no_subscribe() -> None:
    pair = LabPair(final_stage=Stage.TLSDSK.value)
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.provisioned is None
    assert subscribes(pair) == []
    assert ts.TLSDSK_SIGNED_IN.matches(pair.traces[-1])


def test_a_subscription_the_registrar_does_not_allow_is_skipped_and_said_why() -> None:
    profile = load_profile("polycom-cx600")
    asked = dataclasses.replace(
        profile.provisioning,
        subscriptions=("vnd-microsoft-roaming-self", "vnd-microsoft-roaming-nothing"),
    )
    pair = LabPair(profile=dataclasses.replace(profile, provisioning=asked))
    assert isinstance(pair.run(), Success)
    skipped = [t for t in pair.traces if ts.SUBSCRIPTION_SKIPPED.matches(t)]
    assert [(t.fields["event"], t.fields["why"]) for t in skipped] == [
        ("vnd-microsoft-roaming-nothing", "not in the registrar's Allow-Events")
    ]
    assert [r.headers.get("Event") for r in subscribes(pair)][1:] == ["vnd-microsoft-roaming-self"]


def test_a_further_subscription_refused_is_a_warning_and_the_phone_is_signed_in() -> None:
    pair = LabPair()
    registrar = pair.lab.registrar
    honest = registrar.reply

    def no_contacts(message: bytes, host: str | None = None) -> bytes:
        if b"Event: vnd-microsoft-roaming-contacts" in message:
            message = message.replace(
                b"Event: vnd-microsoft-roaming-contacts", b"Event: vnd-microsoft-roaming-ACX"
            )
        return honest(message, host)

    registrar.reply = no_contacts  # type: ignore[method-assign]
    # Event is not among the signed fields: the lab takes the SUBSCRIBE and answers 489.
    outcome = pair.run()
    assert isinstance(outcome, Success)
    refused = [t for t in pair.traces if ts.SUBSCRIPTION_REFUSED.matches(t)]
    assert len(refused) == 1 and refused[0].level == "warning"


def ending(pair: LabPair) -> Failure:
    outcome = pair.run()
    assert isinstance(outcome, Failure), outcome
    assert outcome.stage == Stage.PROVISIONING
    assert reason_named(outcome.reason) is not None
    assert ts.failed(Stage.PROVISIONING).matches(pair.traces[-1])
    assert bootstrap_result(outcome, phone={})["ExitCode"] == 9
    return outcome


def test_a_refusal_with_ms_diagnostics_is_named_with_the_pools_words() -> None:
    pair = LabPair()
    tls_dsk = pair.lab.registrar.tls_dsk
    assert tls_dsk is not None
    diagnostics = 'ms-diagnostics: 4005;reason="Destination URI not enabled";source="pool01"'
    name, _, value = diagnostics.partition(": ")
    tls_dsk.subscriptions.answer = lambda request, allow: SubscribeAnswer(  # type: ignore[method-assign]
        403, "Forbidden", [(name, value)]
    )
    outcome = ending(pair)
    assert outcome.reason == "provisioning.refused"
    assert (outcome.evidence["status"], outcome.evidence["error_id"]) == (403, 4005)
    assert "Destination URI not enabled" in outcome.message


def test_a_body_that_is_not_a_provision_group_list_is_a_named_failure() -> None:
    pair = LabPair()
    answering(
        pair, lambda answer: answer.replace(b"<provisionGroupList", b"<provisionGroupLisX", 1)
    )
    outcome = ending(pair)
    assert outcome.reason == "provisioning.malformed"


def test_a_wrong_signature_on_the_provisioning_answer_is_a_named_failure() -> None:
    pair = LabPair()
    answering(pair, lambda answer: re.sub(rb'rspauth="[0-9a-f]', b'rspauth="z', answer))
    outcome = ending(pair)
    assert outcome.reason == "provisioning.bad_server_signature"


def test_an_unsigned_provisioning_answer_is_a_named_failure() -> None:
    pair = LabPair()
    answering(pair, lambda answer: re.sub(rb"Authentication-Info: [^\r]*\r\n", b"", answer))
    outcome = ending(pair)
    assert outcome.reason == "provisioning.unsigned_answer"


def test_no_answer_to_the_provisioning_subscribe_is_a_timeout() -> None:
    pair = LabPair()
    registrar = pair.lab.registrar
    honest = registrar.reply
    silent = {"on": False}

    def reply(message: bytes, host: str | None = None) -> bytes:
        if PROVISIONING in message:
            silent["on"] = True
        return honest(message, host)

    registrar.reply = reply  # type: ignore[method-assign]
    original = pair._answer_after_delay

    def drop(answer):
        return None if silent["on"] else original(answer)

    pair._answer_after_delay = drop  # type: ignore[method-assign]
    outcome = ending(pair)
    assert outcome.reason == "provisioning.timeout"
