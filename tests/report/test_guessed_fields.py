"""result.json's `Guessed`: each field that came through a step phonesim could only guess is
marked when, and only when, this boot used that guess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from phonesim.diagnosis import diagnose
from phonesim.drivers.trust_ca_file import read_trust_ca
from phonesim.lab.lab_servers import LabServers
from phonesim.lab.scenario import load_scenario
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.report.guessed_fields import guessed_fields, guessed_line
from phonesim.testing import LabPair

UA = "CPE/test"


def guessed(pair: LabPair) -> dict[str, Any]:
    outcome = pair.run()
    result = bootstrap_result(outcome, phone={}, diagnosis=diagnose(pair.traces))
    return guessed_fields(pair.traces, result, UA)


def lab_ca(folder: Path):
    def supplied(lab: LabServers):
        path = folder / "ca.pem"
        der = lab.ca.chain[0]
        path.write_bytes(x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM))
        return read_trust_ca(path)

    return supplied


def test_a_healthy_lab_boot_marks_the_root_chain_pin_user_agent_and_device_id() -> None:
    marks = guessed(LabPair())
    assert set(marks) == {"RootChain", "WebTicket.PinFormat", "Phone.UserAgent", "Phone.DeviceId"}
    assert marks["RootChain"]["Value"].endswith("/CertProvisioningService.svc/rootchain")
    assert marks["RootChain"]["Why"].startswith("[U]")
    assert marks["RootChain"]["See"] == "fidelity.md §2(g) 1"
    assert marks["WebTicket.PinFormat"]["Value"] == "username-token"
    assert marks["Phone.UserAgent"]["Value"] == UA
    assert marks["Phone.DeviceId"]["Value"].startswith("{")


def test_a_root_chain_supplied_is_not_a_guess(tmp_path: Path) -> None:
    marks = guessed(LabPair(supplied_trust=lab_ca(tmp_path)))
    assert "RootChain" not in marks
    assert "WebTicket.PinFormat" in marks


@pytest.mark.parametrize(
    ("stop", "absent", "present"),
    [
        ("time", {"RootChain", "Phone.UserAgent", "WebTicket.PinFormat", "Phone.DeviceId"}, set()),
        ("rootchain", {"WebTicket.PinFormat", "Phone.DeviceId"}, {"RootChain", "Phone.UserAgent"}),
        ("webticket", {"Phone.DeviceId"}, {"WebTicket.PinFormat"}),
    ],
)
def test_a_guess_of_a_step_never_reached_is_not_marked(
    stop: str, absent: set[str], present: set[str]
) -> None:
    marks = guessed(LabPair(final_stage=stop))
    assert not absent & set(marks)
    assert present <= set(marks)


def test_web_services_derived_without_option_43_mark_the_target_uri() -> None:
    marks = guessed(LabPair(load_scenario("no-option-43")))
    assert marks["TargetUri"]["Value"] == (
        "https://pool01.phonesim.test:443/CertProv/CertProvisioningService.svc"
    )
    assert marks["TargetUri"]["See"] == "fidelity.md §2(g) 4"
    assert "TargetUri" not in guessed(LabPair())


def test_a_phone_screen_text_of_phonesims_own_is_marked_and_a_quoted_one_is_not() -> None:
    marks = guessed(LabPair(load_scenario("wrong-pin")))
    assert marks["PhoneScreen"]["Value"].startswith("Sign-in failed")
    assert "Web Ticket text is phonesim's wording" in marks["PhoneScreen"]["Why"]
    # The root chain refusal's text is the one field reports quote.
    assert "PhoneScreen" not in guessed(LabPair(load_scenario("rootchain-refused")))


@pytest.mark.parametrize("scenario", ["phone-clock-wrong", "untrusted-server-certificate"])
def test_a_quoted_text_reused_for_another_cause_is_marked(scenario: str) -> None:
    marks = guessed(LabPair(load_scenario(scenario)))
    assert "the real text is [U]" in marks["PhoneScreen"]["Why"]


def test_the_human_line_names_the_guessed_fields_and_says_nothing_without_any() -> None:
    line = guessed_line({"Guessed": {"RootChain": {}, "Phone.UserAgent": {}}})
    assert line is not None and line.startswith("RootChain, Phone.UserAgent ([U]")
    assert guessed_line({"Guessed": {}}) is None
