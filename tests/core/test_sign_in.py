"""The sign-in steps after discovery: root chain, web ticket with the PIN, certificate, registrar."""

from __future__ import annotations

import json
from dataclasses import replace

from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.core.commands import (
    FetchRootChain,
    RequestCertificate,
    RequestWebTicket,
    ResolveSrv,
    TrustRootChain,
)
from phonesim.core.events import Event
from phonesim.core.failure import ServiceFailure
from phonesim.core.outcome import Failure, Success
from phonesim.profiles import load_profile

from .world import PIN_DIGITS, POOL, WEB, Boot, World


def signed_in(world: World | None = None, **kwargs: object) -> Boot:
    boot = Boot(world=world, **kwargs)  # type: ignore[arg-type]
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    return boot


def test_steps_run_in_the_phone_order() -> None:
    boot = signed_in()
    order = [
        type(c).__name__
        for c in boot.log
        if isinstance(c, FetchRootChain | TrustRootChain | RequestWebTicket | RequestCertificate)
    ]
    assert order == ["FetchRootChain", "TrustRootChain", "RequestWebTicket", "RequestCertificate"]
    assert (
        boot.of(FetchRootChain)[0].url
        == f"http://{WEB}/CertProv/CertProvisioningService.svc/rootchain"
    )


def test_web_ticket_is_asked_with_the_typed_extension_and_pin_at_the_mex_pin_port() -> None:
    boot = signed_in()
    request = boot.of(RequestWebTicket)[0]
    assert request.username == "5551234"
    assert request.pin.reveal() == PIN_DIGITS
    assert request.address.endswith("/WebTicket/WebTicketService.svc/Pin")
    assert request.applies_to.endswith("/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1")


def test_certificate_is_requested_for_the_sip_uri_from_the_ticket() -> None:
    boot = signed_in()
    request = boot.of(RequestCertificate)[0]
    assert request.entity == "alice@contoso.test"
    assert request.ticket == "T"
    issued = boot.trace("issued", "certprov")
    assert issued.fields["subject"] == "CN=alice@contoso.test"
    assert issued.fields["issuer"] == "CN=Contoso Root CA"


def test_pin_never_appears_in_any_trace() -> None:
    boot = signed_in()
    text = json.dumps([t.fields for t in boot.traces()], default=repr)
    assert PIN_DIGITS not in text
    assert PIN_DIGITS not in repr(boot.of(RequestWebTicket)[0])


def test_wrong_pin_stops_at_the_web_ticket_with_the_server_diagnostics() -> None:
    world = World(web_ticket=ServiceFailure("fault", "soap fault", 500, 28020, "Invalid PIN"))
    boot = signed_in(world)
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure)
    assert outcome.reason == "webticket.pin_rejected"
    assert outcome.evidence["error_id"] == 28020
    assert not boot.of(RequestCertificate)


def test_user_not_sip_enabled_is_its_own_reason() -> None:
    world = World(
        web_ticket=ServiceFailure("fault", "soap fault", 500, 28000, "User is not SIP enabled")
    )
    outcome = signed_in(world).phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "webticket.not_sip_enabled"


def test_root_chain_404_names_the_stage_and_status() -> None:
    world = World(root_chain=ServiceFailure("http_status", "Not Found", 404))
    outcome = signed_in(world).phone.outcome
    assert isinstance(outcome, Failure)
    assert outcome.reason == "rootchain.http_404"
    assert outcome.evidence["url"].startswith(f"http://{WEB}/")


def test_web_host_without_address_fails_before_any_http() -> None:
    world = World()
    world.a.pop(WEB)
    boot = signed_in(world)
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "rootchain.web_host_unresolved"
    assert not boot.of(FetchRootChain)


def test_registrar_answer_without_tls_dsk_challenge_is_not_a_sign_in() -> None:
    world = World(registrar_status=403)
    outcome = signed_in(world).phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "registrar.unreachable"


def test_stop_after_dhcp_reports_what_dhcp_gave() -> None:
    boot = Boot(final_stage="dhcp")
    boot.feed(boot.ack(registrars=[POOL]), after=0.02)
    outcome = boot.phone.outcome
    assert isinstance(outcome, Success) and outcome.stage == "dhcp"
    assert outcome.registrar == POOL
    assert not boot.of(FetchRootChain)
    assert not boot.of(ResolveSrv)  # a DHCP storm measures DHCP alone


def test_stop_after_dhcp_with_silence_is_a_dhcp_timeout() -> None:
    boot = Boot(final_stage="dhcp")
    boot.tick(120)
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "dhcp.timeout"


LONG_WEB = "lyncweb-internal-pool01.contoso.test"  # 36 characters: Cisco's 180-hex cut loses the path's end


def _truncated_ack(boot: Boot) -> Event:
    value = encode_ms_uc_client_option(web_server_fqdn=LONG_WEB)[:90]
    return boot.ack(
        registrars=None, web=None, extra=[(120, encode_sip_server_names([POOL])), (43, value)]
    )


def test_truncated_option_43_is_used_as_it_arrived_like_the_device() -> None:
    boot = Boot()
    boot.feed(_truncated_ack(boot), after=0.01)
    answer = boot.trace("answer", "dhcp")
    assert answer.fields["option_43"]["truncated"]["code"] == 5
    assert answer.fields["option_43"]["url"] is None
    used = boot.trace("option_43_truncated_used")
    assert used.level == "warning"
    # 90 bytes leave 24 of the 37-byte path: 14 + 7 + 38 + 5 + 2 header bytes come first.
    assert used.fields["url"] == f"https://{LONG_WEB}:443/CertProv/CertProvisioni"
    boot.settle()
    decided = boot.trace("decided")
    assert decided.fields["web_url"] == used.fields["url"]
    assert decided.fields["web_source"] == "dhcp option 43"


def test_a_profile_can_treat_a_truncated_option_43_as_absent() -> None:
    profile = load_profile("polycom-cx600")
    profile = replace(profile, web=replace(profile.web, use_truncated_option_43=False))
    boot = Boot(profile=profile)
    boot.feed(_truncated_ack(boot), after=0.01)
    boot.settle()
    decided = boot.trace("decided")
    assert "option 43 present but unusable" in decided.fields["web_source"]
    assert boot.traces("option_43_truncated_used") == []


def test_outcome_is_final_and_further_events_are_ignored() -> None:
    boot = signed_in()
    assert isinstance(boot.phone.outcome, Success)
    assert boot.feed(boot.ack(registrars=["x.contoso.test"])) == []


def test_a_root_chain_not_yet_valid_on_the_phone_clock_stops_the_sign_in() -> None:
    # The time server sets the phone a year back: the pool's root (valid from 2026-01-01)
    # is not valid yet on the phone's clock, so nothing it signed can be trusted.
    boot = signed_in(World(time_offset=-365 * 86400 - 3600))
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure)
    assert outcome.reason == "rootchain.not_valid_on_phone_clock"
    assert outcome.evidence["not_before"].startswith("2026-01-01")
    assert outcome.evidence["phone_time"].startswith("2025-11-23")
    assert boot.of(RequestWebTicket) == []


def test_a_locked_pin_account_is_its_own_cause() -> None:
    world = World(web_ticket=ServiceFailure("fault", "soap fault", 500, 28022, "PIN locked"))
    outcome = signed_in(world).phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "webticket.pin_locked"
