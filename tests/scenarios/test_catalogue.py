"""Every shipped scenario reproduces its fault: the phone stops where the field says, and
`diagnose` names the real cause with the evidence that shows it.

The phone meets each scenario's lab in memory (`LabPair`): the lab's own servers,
the stock CX600 profile at its real timers (a minute of DHCP silence costs nothing
on the virtual clock), the whole catalogue in well under a second.
`test_loopback_smoke.py` boots a few of them over sockets and holds the pairing to
what the phone does there.
"""

from __future__ import annotations

from typing import Any

import pytest

from phonesim.core.commands import Trace
from phonesim.diagnosis import diagnose
from phonesim.lab.scenario import catalogue, load_scenario
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.testing import LabPair

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
    "dns-load-balancing",
    "dhcp-and-dns-down-warm-cache",
}


POOL_FAILURES = {
    "director-redirect",
    "director-redirect-loop",
    "client-certificate-untrusted",
    "bad-server-signature",
    "registrar-busy",
    "association-ended-early",
    "user-not-enabled-for-registrar",
    "phone-clock-ahead-of-pool",
}
"""The failures a pool really produces (issue 11), each a scenario of its own."""


def boot(name: str) -> tuple[dict[str, Any], list[Trace]]:
    """The boot's result, as `phonesim boot` shapes it, and its trace."""
    scenario = load_scenario(name)
    pair = LabPair(scenario, hold=scenario.hold)
    outcome = pair.run()
    return bootstrap_result(outcome, diagnosis=diagnose(pair.traces), phone={}), pair.traces


def test_the_catalogue_holds_every_fault_users_asked_for() -> None:
    assert set(catalogue()) >= REQUIRED | POOL_FAILURES


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_scenario_reproduces_its_fault_and_diagnose_names_it(name: str) -> None:
    expect = load_scenario(name).expect
    assert expect is not None, f"scenario {name} says nothing about what the phone does"
    result, traces = boot(name)
    assert (result["Result"], result["Stage"]) == (expect.result, expect.stage), result.get("Error")
    assert result.get("Reason") == expect.reason
    findings = diagnose(traces).findings
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
    _, traces = boot("truncated-option-43")
    findings = diagnose(traces).findings
    assert [f.id for f in findings] == ["option43.truncated"]
    # The root chain is asked for under option 43's path, so the cut path fails there.
    assert findings[0].evidence["failed_url"].endswith("/CertProvisioningService/rootchain")


def test_the_more_specific_cause_ranks_first() -> None:
    # No option 120 and an SRV record that strict naming refuses: the SRV record is the
    # reason DNS did not cover for DHCP, so it leads; option 120 still gets its finding.
    _, traces = boot("srv-target-outside-domain")
    ids = [f.id for f in diagnose(traces).findings]
    assert ids == ["dns.srv_target_outside_domain", "option120.missing"]


def test_a_fault_the_phone_survives_is_a_warning_not_an_error() -> None:
    result, traces = boot("two-registrars-first-dead")
    assert result["Result"] == "Success"
    (finding,) = diagnose(traces).findings
    assert finding.severity == "warning"
    assert finding.evidence["error"] == "Connection refused"
