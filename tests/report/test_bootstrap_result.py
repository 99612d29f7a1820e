"""The Test-CsPhoneBootstrap-shaped result names what the boot knew: the registrar a
failed sign-in targeted, and the sign-in's own latency apart from a hold."""

from __future__ import annotations

from phonesim.core.outcome import Failure, Success
from phonesim.report.bootstrap_result import bootstrap_result


def test_a_busy_registrar_is_the_target_fqdn() -> None:
    busy = Failure(
        t=0.012,
        stage="registrar",
        reason="registrar.busy",
        message="registrar pool01.phonesim.test:5061 is busy",
        evidence={"tried": ["pool01.phonesim.test:5061"], "registrar": "pool01.phonesim.test:5061"},
        web_url="https://web01.phonesim.test:443/CertProv/CertProvisioningService.svc",
        registrar=None,  # every registrar was tried: none is next
    )
    assert bootstrap_result(busy, phone={})["TargetFqdn"] == "pool01.phonesim.test"


def test_a_failure_before_any_registrar_names_none() -> None:
    silent = Failure(t=12.0, stage="dhcp", reason="dhcp.no_answer", message="no answer")
    assert bootstrap_result(silent, phone={})["TargetFqdn"] is None


def test_a_hold_cut_by_ctrl_c_exits_130_though_the_sign_in_succeeded() -> None:
    held = {"hold": 30.0, "began_at": 0.25, "held_for": 6.1, "cut_short_by": "Ctrl-C"}
    cut = Success(
        t=6.36,
        web_url="https://web01.phonesim.test:443/CertProv/CertProvisioningService.svc",
        registrar="pool01.phonesim.test:5061",
        sip_uri="sip:alice@phonesim.test",
        stage="provisioning",
        held={**held, "signed_out": True},
    )
    result = bootstrap_result(cut, phone={})
    assert result["Result"] == "Success" and result["ExitCode"] == 130
    assert result["LatencySeconds"] == 0.25 and result["Latency"] == "00:00:00.2500000"
    assert "held registered 6.1 s of the 30 s asked (cut short by Ctrl-C)" in result["Reached"]
