"""The PIN and the web ticket go only over TLS to a host whose certificate chains to the
downloaded root (hardening review D1).

Each metadata document is the lab's own with one address turned into `http://`; the
hostile web server sees every request, so the tests can say what left the phone.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.hostile_fixtures import (
    CERT_MEX,
    CERT_POST,
    PIN_POST,
    TICKET_MEX,
    edited,
    healthy_case,
    web_case,
)

PIN_URL = b"://web01.phonesim.test" + PIN_POST.encode()
PROOF_URL = b"://web01.phonesim.test" + CERT_POST.encode()
ISSUER_URL = b"://web01.phonesim.test/WebTicket/WebTicketService.svc"


def test_a_plain_http_pin_endpoint_is_a_named_failure_and_the_pin_never_leaves() -> None:
    outcome = asyncio.run(
        web_case({("https", TICKET_MEX): edited((b"https" + PIN_URL, b"http" + PIN_URL))}, "--json")
    )
    assert outcome.exit_code == 5, outcome.stderr
    assert outcome.result["Result"] == "Failure"
    assert outcome.reason == "webticket.pin_endpoint_not_tls"
    assert outcome.findings[0] == "web.endpoint_not_tls"
    assert not [r for r in outcome.requests if r.carried_pin or r.method == "POST"]


@pytest.mark.parametrize(
    "replacement",
    [(b"https" + PROOF_URL, b"http" + PROOF_URL), (b"https" + ISSUER_URL, b"http" + ISSUER_URL)],
    ids=["certificate-request", "web-ticket-issuer"],
)
def test_a_plain_http_certprov_address_is_a_named_failure_before_any_post(
    replacement: tuple[bytes, bytes],
) -> None:
    outcome = asyncio.run(web_case({("https", CERT_MEX): edited(replacement)}, "--json"))
    assert outcome.exit_code == 6, outcome.stderr
    assert outcome.reason == "certprov.endpoint_not_tls"
    assert outcome.findings[0] == "web.endpoint_not_tls"
    # Nothing over plain HTTP but the anonymous root chain download, which the protocol has.
    assert [r.path for r in outcome.requests if r.scheme == "http"] == [
        "/CertProv/CertProvisioningService.svc/rootchain"
    ]
    assert not [r for r in outcome.requests if r.method == "POST"]


def test_the_timeline_says_why_without_success() -> None:
    outcome = asyncio.run(
        web_case({("https", TICKET_MEX): edited((b"https" + PIN_URL, b"http" + PIN_URL))})
    )
    assert outcome.exit_code == 5, outcome.stderr
    assert "webticket.pin_endpoint_not_tls" in outcome.stdout
    assert "Success" not in outcome.stdout


def test_the_same_boot_against_https_metadata_signs_in() -> None:
    """The control: the fixture itself lets a healthy sign-in through, PIN over HTTPS."""
    outcome = asyncio.run(web_case({}, "--json"))
    assert outcome.exit_code == 0, outcome.stderr
    pin_posts = [r for r in outcome.requests if r.carried_pin]
    assert [(r.scheme, r.path) for r in pin_posts] == [("https", PIN_POST)]
    assert asyncio.run(healthy_case("--json")).exit_code == 0
