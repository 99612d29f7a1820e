"""Every shipped scenario reproduces its fault: the phone stops where the field says, and
`diagnose` names the real cause with the evidence that shows it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from phonesim.diagnosis import diagnose
from phonesim.lab.scenario import LabScenario, catalogue, load_scenario
from phonesim.phone_boot import BootReport, boot_in_lab
from phonesim.profiles import load_profile

REQUIRED = {
    "healthy",
    "no-option-43",
    "no-option-120",
    "truncated-option-43",
    "port-as-integer",
    "option-120-encoding-2",
    "option-120-no-terminator",
    "two-registrars-first-dead",
    "option-120-ipv4",
    "first-answer-without-fqdn",
    "dhcp-silent",
    "dns-srv-missing",
    "srv-target-outside-domain",
    "certprov-404",
    "rootchain-refused",
    "wrong-pin",
    "pin-locked",
    "not-sip-enabled",
    "registrar-unreachable",
    "untrusted-server-certificate",
    "phone-clock-wrong",
    "slow-dhcp",
}


def quick_profile():
    """The CX600 with DHCP timers scaled down, so silent and slow DHCP take a second, not a minute."""
    profile = load_profile("polycom-cx600")
    return replace(
        profile,
        dhcp=replace(
            profile.dhcp,
            retransmit_after=(0.3, 0.3, 0.3, 0.3),
            retransmit_jitter=0.0,
            answer_window=0.3,
        ),
    )


def boot(scenario: LabScenario) -> BootReport:
    return asyncio.run(
        boot_in_lab(
            scenario=scenario,
            profile=quick_profile(),
            sign_in_as="5551234",
            pin="13579",
            seed=11,
        )
    )


def test_the_catalogue_holds_every_fault_users_asked_for() -> None:
    assert set(catalogue()) >= REQUIRED


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_scenario_reproduces_its_fault_and_diagnose_names_it(name: str) -> None:
    scenario = load_scenario(name)
    expect = scenario.expect
    assert expect is not None, f"scenario {name} says nothing about what the phone does"
    report = boot(scenario)
    result = report.result
    assert (result["Result"], result["Stage"]) == (expect.result, expect.stage), result.get("Error")
    assert result.get("Reason") == expect.reason
    findings = diagnose(report.traces).findings
    if expect.finding is None:
        assert findings == (), [f.id for f in findings]
        return
    top = findings[0]
    assert top.id == expect.finding, [f.id for f in findings]
    for key, value in expect.evidence.items():
        assert top.evidence.get(key) == value, (key, top.evidence)
    # The result's Diagnosis line names the same root cause.
    if expect.result == "Failure":
        assert top.severity == "error"
        assert f"[{top.id}]" in result["Diagnosis"]
        assert result["Findings"][0]["Id"] == top.id
        assert top.phone_screen


def test_one_finding_per_root_cause() -> None:
    # The 404 that follows a truncated option 43 is evidence, not a finding of its own.
    report = boot(load_scenario("truncated-option-43"))
    findings = diagnose(report.traces).findings
    assert [f.id for f in findings] == ["option43.truncated"]
    assert findings[0].evidence["failed_url"].endswith("/CertProvisioningService/mex")


def test_the_more_specific_cause_ranks_first() -> None:
    # No option 120 and an SRV record that strict naming refuses: the SRV record is the
    # reason DNS did not cover for DHCP, so it leads; option 120 still gets its finding.
    report = boot(load_scenario("srv-target-outside-domain"))
    ids = [f.id for f in diagnose(report.traces).findings]
    assert ids == ["dns.srv_target_outside_domain", "option120.missing"]


def test_a_fault_the_phone_survives_is_a_warning_not_an_error() -> None:
    report = boot(load_scenario("two-registrars-first-dead"))
    assert report.result["Result"] == "Success"
    (finding,) = diagnose(report.traces).findings
    assert finding.severity == "warning"
    assert finding.evidence["error"] == "Connection refused"
