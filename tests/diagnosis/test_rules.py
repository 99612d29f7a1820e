"""Diagnosis rules on boots the goldens do not hold: each finding the catalogue never meets,
from a trace written as the phone writes it (every event and field held to its declaration),
with the words an admin reads."""

from __future__ import annotations

from typing import Any

from phonesim.core import trace_schema
from phonesim.core.commands import Trace
from phonesim.diagnosis import Diagnosis, diagnose

URL = "https://web01.example.test:443/CertProv/CertProvisioningService.svc"
POOL = "pool01.example.test:5061"


def event(stage: str, name: str, level: str = "info", t: float = 0.0, **fields: Any) -> Trace:
    declared = trace_schema.declared(stage, name, level)
    assert declared is not None, (stage, name, level)
    assert set(fields) <= declared.fields, sorted(set(fields) - declared.fields)
    return Trace(t, stage, name, fields, level)


def failed(stage: str, reason: str, message: str, **evidence: Any) -> Trace:
    return event(stage, "failed", "error", 1.0, reason=reason, message=message, **evidence)


def answered(**options: Any) -> list[Trace]:
    """A DHCP answer from 192.0.2.5 that the phone went with (won, or waited on)."""
    answer = event("dhcp", "answer", server="192.0.2.5", source="192.0.2.5:67", **options)
    if options.get("option_120"):
        chosen = event("dhcp", "answer_won", server="192.0.2.5", why="first DHCP answer")
    else:
        chosen = event(
            "dhcp", "answer_without_fqdn", "warning", server="192.0.2.5", note="-", window=2.0
        )
    return [answer, chosen]


def ids(diagnosis: Diagnosis) -> list[tuple[str, str]]:
    return [(f.id, f.severity) for f in diagnosis.findings]


def test_a_fresh_phone_that_found_nothing_beside_a_cache_that_would_have_worked() -> None:
    found = diagnose(
        [
            event(
                "discovery",
                "cache_ignored",
                why="diagnose asks what this site gives a phone",
                source="signin",
                web_url=URL,
                registrars=[POOL],
                stored_at=1795424400.0,
            ),
            event("dhcp", "gave_up", "warning", 20.0, attempts=4, note="carrying on with DNS"),
            failed("discovery", "discovery.no_servers", "neither DHCP nor DNS gave a server"),
        ]
    )
    unaffected = next(f for f in found.findings if f.id == "discovery.cached_phones_unaffected")
    assert unaffected.severity == "info"
    assert f"straight to {URL} and registrar {POOL} (cached 2026-11-23T09:00:00+00:00)" in (
        unaffected.explanation
    )


def test_a_web_services_host_that_does_not_resolve() -> None:
    found = diagnose(
        [
            failed(
                "rootchain",
                "rootchain.web_host_unresolved",
                "the web services host web01.example.test does not resolve",
                host="web01.example.test",
            )
        ]
    )
    assert ids(found) == [("dns.web_host_unresolved", "error")]
    assert found.findings[0].title == "The web services host web01.example.test does not resolve"
    assert found.findings[0].remediation == (
        "Add an A record for web01.example.test pointing at the pool's web services.",
    )


def test_an_unreadable_option_120_is_why_no_registrar_was_known() -> None:
    found = diagnose(
        [
            *answered(option_120_error="a label runs past the end", option_120_hex="0004ff"),
            failed("registrar", "registrar.none_found", "no registrar is known"),
        ]
    )
    assert found.top is not None and found.top.id == "option120.unreadable"
    assert found.top.severity == "error"
    assert found.top.explanation == (
        "The phone could not decode option 120: a label runs past the end."
    )
    assert found.top.evidence["option_120_hex"] == "0004ff"


def test_an_unreadable_option_43_is_why_the_certificate_service_was_not_found() -> None:
    found = diagnose(
        [
            *answered(
                option_120={"encoding": 0, "servers": ["pool01.example.test"]},
                option_43_error="sub-option 2 runs past the end",
            ),
            failed(
                "certprov", "certprov.http_404", "404", url=URL, kind="http_status", http_status=404
            ),
        ]
    )
    assert ids(found)[0] == ("option43.unreadable", "error")
    assert "certprov.not_found" not in [f.id for f in found.findings]  # its symptom


def test_a_root_chain_server_that_refuses_the_connection() -> None:
    url = "http://web01.example.test/CertProv/CertProvisioningService.svc/rootchain"
    found = diagnose(
        [
            failed(
                "rootchain",
                "rootchain.connect",
                "refused",
                url=url,
                kind="connect",
                detail="Connection refused",
            )
        ]
    )
    assert ids(found) == [("rootchain.unavailable", "error")]
    assert found.top is not None
    assert found.top.explanation.endswith(f"from {url}; the answer was Connection refused.")


def test_a_failure_no_rule_explains_says_where_and_what() -> None:
    message = "the Web Ticket service offers no WebTicket_Proof endpoint for PIN sign-in"
    found = diagnose(
        [failed("webticket", "webticket.no_pin_endpoint", message, url=URL, ports=["a"])]
    )
    assert ids(found) == [("signin.failed", "error")]
    assert found.top is not None
    assert (found.top.title, found.top.explanation) == (
        "Sign-in stopped at the webticket step",
        message,
    )
    assert "message" not in found.top.evidence
    assert found.top.phone_screen == (
        "Sign-in failed. Check your phone number or extension and PIN"
    )


def test_a_number_no_user_has() -> None:
    found = diagnose(
        [
            event("webticket", "request", address=URL + "/Pin", username="5550000"),
            failed(
                "webticket",
                "webticket.user_unknown",
                "refused",
                address=URL + "/Pin",
                error_id=28021,
                server_reason="User not found",
            ),
        ]
    )
    assert ids(found) == [("webticket.user_unknown", "error")]
    assert found.top is not None
    assert found.top.title == "No user has this phone number or extension"
    assert found.top.explanation == (
        f'The Web Ticket service at {URL}/Pin answered 28021 "User not found" for 5550000; '
        "without a web ticket there is no certificate and no sign-in."
    )


def test_a_certificate_without_the_name_the_phone_used() -> None:
    # OpenSSL 3's words, as drivers/web_services passes them on.
    detail = "certificate verify failed: Hostname mismatch, certificate is not valid for 'x'."
    found = diagnose(
        [failed("certprov", "certprov.tls", "TLS failed", url=URL, kind="tls", detail=detail)]
    )
    assert ids(found) == [("tls.name_mismatch", "error")]
    assert found.top is not None and found.top.explanation == f"TLS to {URL} failed: {detail}."


def test_a_busy_registrar_the_phone_got_past_is_a_warning_with_the_wait_it_asked_for() -> None:
    second = "pool02.example.test:5061"
    found = diagnose(
        [
            event(
                "registrar",
                "answer",
                "warning",
                0.5,
                registrar=POOL,
                status=503,
                reason_phrase="Service Unavailable",
                retry_after=120,
                error_id=17000,
                server_reason="Server overloaded.",
            ),
            event("registrar", "challenge", t=0.6, registrar=second, status=401),
            event("tlsdsk", "signed_in", t=0.7, web_url=URL, registrar=second, sip_uri="sip:a@b"),
        ]
    )
    (busy,) = found.findings
    assert (busy.id, busy.severity) == ("registrar.busy", "warning")
    assert busy.evidence["retry_after"] == 120 and busy.evidence["registrar"] == POOL
    assert "went on to the next registrar" in busy.explanation


def test_a_registrar_that_cannot_establish_certificate_trust_names_the_pools_ca() -> None:
    # Lync's own words for it ([OCER] 1010) without a TLS alert: the same finding.
    found = diagnose(
        [
            event("certprov", "issued", t=0.3, issuer="CN=Contoso Issuing CA", subject="CN=a"),
            failed(
                "tlsdsk",
                "tlsdsk.handshake_refused",
                "the registrar refused the handshake",
                registrar=POOL,
                status=401,
                error_id=1010,
                server_reason="Certificate trust with next-hop server could not be established.",
            ),
        ]
    )
    top = found.findings[0]
    assert (top.id, top.severity) == ("tlsdsk.client_certificate_untrusted", "error")
    assert top.evidence["issuer"] == "CN=Contoso Issuing CA"


def test_a_handshake_refused_for_another_reason_is_not_blamed_on_the_certificate() -> None:
    found = diagnose(
        [
            failed(
                "tlsdsk",
                "tlsdsk.handshake_refused",
                "the registrar refused the handshake",
                registrar=POOL,
                status=401,
                error_id=1000,
                server_reason="Final handshake failed.",
                alert="handshake failure",
            )
        ]
    )
    assert "tlsdsk.client_certificate_untrusted" not in [f.id for f in found.findings]


# -- a phone clock the pool refuses at CertProvisioningService ------------------------------

CERTPROV_AUTH = (
    "https://web01.example.test/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"
)
REFUSAL = "An error occurred when verifying security for the message."


def security_refused(phone_time: str, pool_time: str) -> Trace:
    return failed(
        "certprov",
        "certprov.invalid_security",
        "CertProvisioningService refused the request's security",
        url=CERTPROV_AUTH,
        kind="fault",
        detail=REFUSAL,
        http_status=500,
        phone_time=phone_time,
        pool_time=pool_time,
    )


def test_a_phone_that_kept_its_own_clock_behind_the_pool_is_told_to_get_a_time_server() -> None:
    found = diagnose(
        [
            event("time", "unsynchronized", "warning", note="no time server answered"),
            security_refused("2026-11-23T07:00:00+00:00", "2026-11-23T09:00:00+00:00"),
        ]
    )
    (finding,) = found.findings
    assert (finding.id, finding.severity) == ("time.phone_clock_skewed", "error")
    assert finding.evidence["skew_seconds"] == -7200
    assert "time_server" not in finding.evidence
    assert finding.title.startswith("The phone's clock is 120 minutes behind the pool's")
    assert finding.explanation.startswith("No time server answered, so the phone kept its own")
    assert "_ntp._udp.<domain>" in finding.remediation[0]


def test_the_time_server_and_where_the_phone_found_it_are_named() -> None:
    # No option 43 either: the service that refused the timestamp was found all the same,
    # so the missing option is a warning, not this failure's cause.
    found = diagnose(
        [
            *answered(option_120="pool01.example.test", option_42=["192.0.2.123"]),
            event("time", "synchronized", server="192.0.2.123", offset=1500.0),
            security_refused("2026-11-23T09:25:00+00:00", "2026-11-23T09:00:00+00:00"),
        ]
    )
    assert ids(found) == [("time.phone_clock_skewed", "error"), ("option43.missing", "warning")]
    finding = found.findings[0]
    assert finding.evidence["time_server"] == "192.0.2.123"
    assert finding.evidence["time_source"] == "DHCP option 42"
    assert finding.evidence["skew_seconds"] == 1500
    assert finding.explanation.startswith(
        "The time server 192.0.2.123 (DHCP option 42) set the phone's clock 25 minutes forward."
    )
    assert finding.remediation[0].startswith("Correct the clock of 192.0.2.123")


def test_clocks_within_the_allowed_skew_are_not_blamed_for_the_refusal() -> None:
    found = diagnose([security_refused("2026-11-23T09:04:00+00:00", "2026-11-23T09:00:00+00:00")])
    assert [f.id for f in found.findings] == ["signin.failed"]


def test_a_clock_minutes_wrong_is_told_in_minutes_not_in_tenths_of_a_day() -> None:
    found = diagnose(
        [
            event("time", "synchronized", server="ntp.example.test", offset=-1200.0),
            failed(
                "rootchain",
                "rootchain.not_valid_on_phone_clock",
                "root certificate not valid at the phone's time",
                phone_time="2026-11-23T08:40:00+00:00",
                subject="CN=Lab Root",
                not_before="2026-11-23T08:55:00+00:00",
                not_after="2036-11-23T09:00:00+00:00",
            ),
        ]
    )
    (finding,) = found.findings
    assert finding.id == "time.phone_clock_wrong"
    assert finding.explanation.startswith(
        "The time server ntp.example.test set the phone's clock 20 minutes back."
    )
