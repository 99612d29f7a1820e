"""A few scenarios booted over loopback sockets, against the in-memory pairing.

The catalogue is checked in memory (test_catalogue.py); these boots hold the
pairing to the real thing: the phone's trace over sockets, TLS and the lab's
aiohttp servers is the trace of the pair, event for event and field for field.
Only what a live boot cannot fix differs, and is masked: times of day (the CA's
validity, ticket expiry, the phone's clock), the lab's kernel-chosen ports, the
certificate serials, the clock offset the SNTP exchange measures, and the order
in which answers to requests in flight at once arrive (the lines are sorted).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from phonesim.app.boot import boot_in_lab
from phonesim.core.commands import Trace
from phonesim.core.identity import PhoneIdentity, Pin
from phonesim.diagnosis import diagnose
from phonesim.lab.scenario import load_scenario
from phonesim.profiles import load_profile
from phonesim.report.trace_log import trace_to_json
from phonesim.testing import LabPair

SMOKE = [
    "healthy",
    "two-registrars-first-dead",
    "untrusted-server-certificate",
    "director-redirect",
    "phone-clock-ahead-of-pool",
]
"""The whole sign-in; SIP refused by an address the lab does not hold; TLS refused; a
Director and its home pool on one address, told apart by the name the phone asked for; a
security timestamp refused, the pool's clock read from aiohttp's answer."""

_TIME_OF_DAY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
_MASKED = {"serial", "offset"}


def comparable(traces: list[Trace]) -> list[str]:
    return sorted(
        json.dumps(_masked({k: v for k, v in trace_to_json(t).items() if k != "t"}), default=str)
        for t in traces
    )


def _masked(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if key in _MASKED:
        return f"<{key}>"
    if isinstance(value, str):
        value = _TIME_OF_DAY.sub("<time>", value)
        if key == "source":
            value = re.sub(r":\d+$", ":<port>", value)
    return value


@pytest.mark.parametrize("name", SMOKE)
def test_over_loopback_the_phone_does_what_it_does_in_memory(name: str) -> None:
    scenario = load_scenario(name)
    expect = scenario.expect
    assert expect is not None
    report = asyncio.run(
        boot_in_lab(
            scenario=scenario,
            profile=load_profile("polycom-cx600"),
            sign_in_as="5551234",
            pin="13579",
            seed=11,
        )
    )
    result = report.result
    assert (result["Result"], result["Stage"], result.get("Reason")) == (
        expect.result,
        expect.stage,
        expect.reason,
    ), result.get("Error")
    top = diagnose(report.traces).top
    assert (top.id if top else None) == expect.finding
    phone = result["Phone"]
    pair = LabPair(
        scenario,
        identity=PhoneIdentity(mac=phone["Mac"], sign_in_as="5551234", pin=Pin("13579")),
        seed=11,
    )
    pair.run()
    assert comparable(report.traces) == comparable(pair.traces)
