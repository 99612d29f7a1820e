"""The lab registrar's answers to a signed-in phone's SUBSCRIBEs, checked by hand against
[MS-SIPREGE] §4.2.2's example (`tls-dsk.md` §3.3) and the rules of §3.2."""

from __future__ import annotations

import pytest

from phonesim.codec.provisioning_xml import CONTENT_TYPE, read_answer
from phonesim.codec.sip_message import parse_response
from phonesim.core.tls_dsk.registrar_answers import server_signature_problem
from phonesim.core.tls_dsk.subscribe_request import (
    PROVISIONING_EVENT,
    Subscription,
    signed_subscribe,
    subscription_for,
)
from phonesim.lab.registrar_subscriptions import PHONE_PROPERTIES, LabProvisioning
from tests.tls_dsk.credentials import issue
from tests.tls_dsk.registration_pair import EPOCH, make_pair

GROUPS = ("ServerConfiguration", "ucPolicy", "endpointConfiguration")
SIPREGE_EXAMPLE = {
    # §4.2.2's 200 OK to the provisioning SUBSCRIBE, header by header.
    "Expires": "0",
    "Content-Type": "application/vnd-microsoft-roaming-provisioning-v2+xml",
    "Event": "vnd-microsoft-provisioning-v2",
    "subscription-state": "terminated;expires=0",
    "ms-piggyback-cseq": "1",
    "Supported": "ms-benotify, ms-piggyback-first-notify",
}


@pytest.fixture(scope="module")
def creds(keys):
    phone_key, server_key = keys
    return issue(EPOCH, phone_key=phone_key, server_key=server_key)


def subscribe(pair, subscription: Subscription, *, cseq: int = 1) -> bytes:
    association, crand, cnum = pair.session.countersign()
    return signed_subscribe(
        pair.session.endpoint,
        association,
        subscription,
        contact="sip:alice@lab.test;opaque=user:epid:01010101;gruu",
        call_id="5e1f",
        tag="77aa",
        cseq=cseq,
        branch="z9hG4bK9",
        crand=crand,
        cnum=cnum,
    )


def signed_in(creds, **options):
    pair = make_pair(creds, registrar_options=options)
    pair.start()
    assert pair.session.registration is not None
    return pair


def answer_to(pair, data: bytes):
    response = parse_response(pair.registrar.reply(data, EPOCH))
    assert server_signature_problem(response, pair.session.association) is None
    return response


def test_the_provisioning_answer_has_the_siprege_examples_headers_and_is_signed(creds):
    pair = signed_in(creds)
    response = answer_to(pair, subscribe(pair, subscription_for(PROVISIONING_EVENT, GROUPS)))
    assert (response.status, response.reason) == (200, "OK")
    for name, value in SIPREGE_EXAMPLE.items():
        assert response.headers.get(name) == value, name
    settings = read_answer(response.body)
    assert settings.groups == GROUPS
    assert settings.pool == "pool01.lab.test"
    assert settings.mras_uri is None  # left out: SIPE would go and ask the Media Relay
    for name, value in PHONE_PROPERTIES.items():
        assert settings.server_configuration[name] == value
    assert settings.uc_policy["EnableCallTransfer"] == "true"


def test_the_lab_provisions_what_its_data_says(creds):
    provisioning = LabProvisioning(
        "pool01.lab.test", location_profile="Site.Lab", mras_uri="sip:mras@lab.test"
    )
    pair = signed_in(creds, provisioning=provisioning)
    response = answer_to(pair, subscribe(pair, subscription_for(PROVISIONING_EVENT, GROUPS)))
    settings = read_answer(response.body)
    assert (settings.mras_uri, settings.location_profile) == ("sip:mras@lab.test", "Site.Lab")


def test_a_provisioning_subscribe_with_another_accept_is_406(creds):
    pair = signed_in(creds)
    wrong = subscription_for(PROVISIONING_EVENT, GROUPS)
    wrong = Subscription(wrong.event, "application/xml", 0, wrong.body, wrong.extra)
    response = answer_to(pair, subscribe(pair, wrong))
    assert response.status == 406
    assert response.headers.get("Accept") == CONTENT_TYPE


def test_other_events_are_granted_with_expires_or_refused_as_bad_events(creds):
    pair = signed_in(creds, allow_events="vnd-microsoft-roaming-self,vnd-microsoft-provisioning-v2")
    granted = answer_to(pair, subscribe(pair, subscription_for("vnd-microsoft-roaming-self")))
    assert granted.status == 200
    assert granted.headers.get("Expires") == "3600"
    assert granted.headers.get("subscription-state") == "active;expires=3600"
    assert granted.body.startswith(b"<roamingData")
    refused = answer_to(pair, subscribe(pair, subscription_for("vnd-microsoft-roaming-contacts")))
    assert refused.status == 489
    assert pair.registrar.subscriptions.counts["bad_event"] == 1


def test_a_subscribe_signed_with_the_wrong_counter_is_refused(creds):
    pair = signed_in(creds)
    data = subscribe(pair, subscription_for(PROVISIONING_EVENT, GROUPS))
    tampered = data.replace(b"Expires: 0", b"Expires: 9")
    response = parse_response(pair.registrar.reply(tampered, EPOCH))
    assert response.status == 401
    assert pair.registrar.refusals["bad_signature"] == 1


def test_a_roaming_document_is_marked_as_the_piggybacked_first_notify(creds):
    """pidgin-sipe reads a SUBSCRIBE answer's body only under ms-piggyback-cseq; without
    it, it never reads its roaming-self data and never publishes its presence."""
    pair = signed_in(creds)
    data = subscribe(pair, subscription_for("vnd-microsoft-roaming-self"), cseq=4)
    assert b"Supported: ms-piggyback-first-notify" in data
    granted = answer_to(pair, data)
    assert granted.headers.get("ms-piggyback-cseq") == "4"
    assert granted.body.startswith(b"<roamingData")
