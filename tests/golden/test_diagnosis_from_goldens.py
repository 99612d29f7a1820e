"""Diagnosis read straight from the golden traces, with no lab and no phone.

Each catalogue scenario's golden, diagnosed, gives the scenario's `[expect]`
(result, stage, reason, the top finding and its evidence): the rules are held to
the trace the phone writes today, so a renamed field that silently switches a
rule off fails here. The core paths' goldens say what diagnosis makes of them.
"""

from __future__ import annotations

import pytest

from phonesim.core import flow
from phonesim.core import trace_schema as ts
from phonesim.diagnosis import diagnose
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.lab.scenario import catalogue, load_scenario
from phonesim.report.trace_log import read_trace_log
from tests.golden.boots import PATHS, golden_file

PATH_FINDINGS = {
    "cached-boot": "discovery.cache_used",
    "cache-discarded": "discovery.cache_discarded",
    "fresh-phone-beside-a-cache": None,  # the site gives what the phone holds
    "rediscover": "discovery.cached_phones_differ",
    "stop-after-lease": "lldp.silent",
    "stop-after-dhcp": None,
    "stop-after-discovery": None,
    "stop-after-time": None,
    "stop-after-rootchain": None,
    "stop-after-webticket": None,
    "stop-after-certprov": None,
    "stop-after-registrar": None,
    "stop-after-tlsdsk": None,
    "stop-after-dhcp-silent": "dhcp.no_answer",
    "stop-after-webticket-from-a-cache": "discovery.cache_used",
    "option-120-three-registrars": "registrar.unreachable",
    "trust-ca-supplied": None,
    "pin-format-tel-uri": None,
}


def golden_record(name: str) -> BootRecord:
    path = golden_file(name)
    with path.open(encoding="utf-8") as stream:
        return BootRecord(read_trace_log(stream, source=str(path)))


def outcome_of(record: BootRecord) -> tuple[str, str, str | None]:
    failure = record.failure
    if failure is not None:
        return "Failure", failure.stage, record.reason
    last = record.steps[-1]
    if ts.HELD_SIGNED_OUT.matches(last):
        # A held boot ends signing out; what it reached is the stage it was held after.
        return "Success", str(flow.HELD_AFTER), None
    assert last.event in ("signed_in", "challenge_reached", "stopped_as_asked"), last.key
    return "Success", last.stage, None


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_a_scenarios_golden_diagnosed_gives_its_expected_finding(name: str) -> None:
    expect = load_scenario(name).expect
    assert expect is not None
    record = golden_record(name)
    assert outcome_of(record) == (expect.result, expect.stage, expect.reason)
    findings = diagnose(record).findings
    if expect.finding is None:
        assert findings == (), [f.id for f in findings]
        return
    top = findings[0]
    assert top.id == expect.finding, [f.id for f in findings]
    for key, value in expect.evidence.items():
        assert top.evidence.get(key) == value, (key, top.evidence)


@pytest.mark.parametrize("name", sorted(PATHS))
def test_a_core_paths_golden_diagnosed(name: str) -> None:
    top = diagnose(golden_record(f"paths/{name}")).top
    assert (top.id if top else None) == PATH_FINDINGS[name]


def test_a_dhcp_only_boot_that_got_no_answer_has_one_finding_its_cause() -> None:
    findings = diagnose(golden_record("paths/stop-after-dhcp-silent")).findings
    assert [(f.id, f.severity) for f in findings] == [("dhcp.no_answer", "error")]
