"""The lab's CertProvisioningService checks a request's security timestamp against its own
clock as WCF does, and answers every request with its clock in a `Date` header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.client_replies import read_certificate_answer
from phonesim.codec.ocauthws.client_requests import get_and_publish_cert_request
from phonesim.codec.ocauthws.endpoints import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_SUFFIX,
    ROOT_CHAIN_PATH,
)
from phonesim.codec.ocauthws.saml import build_assertion
from phonesim.codec.ocauthws.security import ticket_security_header
from phonesim.codec.ocauthws.soap import read_envelope, read_fault
from phonesim.codec.ocauthws.wire import to_bytes
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.directory import LabDirectory
from phonesim.lab.web_core import UNKNOWN_TICKET, LabWebCore, WebFaults, WebReply, WebRequest

WEB = "web01.phonesim.test"
POOL_CLOCK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
INVALID_SECURITY = f"{{{ns.WSSE}}}InvalidSecurity"
REFUSAL = "An error occurred when verifying security for the message."
FAR = POOL_CLOCK + timedelta(hours=8)


def _core(faults: WebFaults | None = None) -> LabWebCore:
    return LabWebCore(
        web_fqdn=WEB,
        ca=LabCertificateAuthority.create(now=POOL_CLOCK),
        directory=LabDirectory.load(),
        now=lambda: POOL_CLOCK,
        faults=faults,
    )


def _ask(core: LabWebCore, created: datetime, expires: datetime) -> WebReply:
    """GetAndPublishCert with a ticket the pool never issued: a timestamp the pool accepts
    gets as far as the ticket check (ErrorInfo 28061), one it refuses gets the fault."""
    assertion = build_assertion(
        assertion_id="SamlSecurityToken-x",
        issuer=f"https://{WEB}/WebTicket/WebTicketService.svc",
        sip_uri="sip:alice@phonesim.test",
        audience=f"https://{WEB}{CERT_PROV_PATH}{CERT_PROV_PROOF_SUFFIX}",
        issued=POOL_CLOCK,
        expires=FAR,
    )
    request = get_and_publish_cert_request(
        f"https://{WEB}{CERT_PROV_PATH}{CERT_PROV_PROOF_SUFFIX}",
        security=ticket_security_header(
            to_bytes(assertion).decode("utf-8"), created=created, expires=expires
        ),
        csr_base64="AA==",
        request_id="r",
        device_id="{6d1f0e8a-1c2b-4e3d-8f5a-0a1b2c3d4e5f}",
        entity="alice@phonesim.test",
    )
    return core.handle(
        WebRequest(
            "https",
            "POST",
            CERT_PROV_PATH + CERT_PROV_PROOF_SUFFIX,
            {**request.headers, "Host": WEB},
            request.envelope,
        )
    )


def _refused(reply: WebReply) -> bool:
    if reply.status == 200:
        answer = read_certificate_answer(reply.body)
        assert answer is not None and answer.error is not None
        assert answer.error[0] == UNKNOWN_TICKET
        return False
    fault = read_fault(read_envelope(reply.body, "answer"))
    assert reply.status == 500 and fault is not None
    assert (fault.qualified_code, fault.reason) == (INVALID_SECURITY, REFUSAL)
    return True


SKEW = timedelta(minutes=5)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("created", "expires", "refused"),
    [
        (POOL_CLOCK, FAR, False),
        (POOL_CLOCK + SKEW - SECOND, FAR, False),  # ahead, within the skew
        (POOL_CLOCK + SKEW + SECOND, FAR, True),  # ahead, beyond it
        (POOL_CLOCK - timedelta(hours=2), POOL_CLOCK - SKEW + SECOND, False),  # behind, within
        (POOL_CLOCK - timedelta(hours=2), POOL_CLOCK - SKEW - SECOND, True),  # behind, beyond
    ],
)
def test_the_timestamp_is_held_to_the_pools_clock_within_five_minutes_either_way(
    created: datetime, expires: datetime, refused: bool
) -> None:
    assert _refused(_ask(_core(), created, expires)) is refused


def test_a_scenario_may_allow_a_wider_skew() -> None:
    twenty_minutes_ahead = POOL_CLOCK + timedelta(minutes=20)
    assert _refused(_ask(_core(), twenty_minutes_ahead, FAR))
    wide = WebFaults(max_clock_skew=timedelta(minutes=30))
    assert not _refused(_ask(_core(wide), twenty_minutes_ahead, FAR))


def test_every_answer_carries_the_pools_clock_as_iis_does() -> None:
    core = _core()
    answers = [
        core.handle(WebRequest("http", "GET", ROOT_CHAIN_PATH, {"Host": WEB})),
        core.handle(WebRequest("https", "GET", "/nowhere", {"Host": WEB})),
        _ask(core, POOL_CLOCK + timedelta(hours=1), FAR),
    ]
    assert [parsedate_to_datetime(a.headers["Date"]) for a in answers] == [POOL_CLOCK] * 3


def test_a_fault_code_is_read_by_its_namespace_whatever_the_prefix() -> None:
    wcf = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b'<faultcode xmlns:a="' + ns.WSSE.encode() + b'">a:InvalidSecurity</faultcode>'
        b"<faultstring>" + REFUSAL.encode() + b"</faultstring></s:Fault></s:Body></s:Envelope>"
    )
    fault = read_fault(read_envelope(wcf, "WCF fault"))
    assert fault is not None
    assert (fault.code, fault.qualified_code) == ("a:InvalidSecurity", INVALID_SECURITY)
