"""A phone's steps read off its trace: what worked, what failed, and how long failing took."""

from __future__ import annotations

from phonesim.core.commands import Trace
from phonesim.fleet.stage_clock import FAILED, TIMED_OUT, StageClock


def feed(*traces: tuple[float, str, str, str, dict]) -> StageClock:
    clock = StageClock()
    for t, stage, event, level, fields in traces:
        clock.observe(Trace(t, stage, event, fields, level))
    return clock


def test_a_failed_fetch_is_timed_to_its_failure_and_ends_the_boot() -> None:
    clock = feed(
        (0.0, "boot", "power_on", "info", {}),
        (0.0, "dhcp", "inform_sent", "info", {}),
        (0.01, "dhcp", "answer", "info", {}),
        (0.5, "certprov", "metadata_request", "info", {}),
        (
            0.75,
            "certprov",
            "failed",
            "error",
            {"reason": "certprov.http_404", "message": "404 at /mex", "kind": "http_status"},
        ),
    )
    assert clock.samples == [("dhcp", 0.01)]
    assert [(f.stage, f.seconds, f.kind, f.reason, f.ended_boot) for f in clock.failures] == [
        ("metadata", 0.25, FAILED, "certprov.http_404", True),
        ("boot", 0.75, FAILED, "certprov.http_404", True),
    ]
    assert clock.reached == {"boot", "dhcp", "metadata"}


def test_a_time_server_that_never_answers_is_a_timed_out_step_the_phone_got_past() -> None:
    clock = feed(
        (0.0, "boot", "power_on", "info", {}),
        (1.0, "time", "query", "info", {"server": "ntp"}),
        (3.0, "time", "no_answer", "warning", {"server": "ntp", "error": "no answer within 2 s"}),
        (3.5, "registrar", "challenge_reached", "info", {}),
    )
    assert clock.samples == [("boot", 3.5)]
    (failure,) = clock.failures
    assert (failure.stage, failure.seconds, failure.kind, failure.reason, failure.ended_boot) == (
        "time",
        2.0,
        TIMED_OUT,
        "time.no_answer",
        False,
    )


def test_a_web_timeout_counts_as_timed_out() -> None:
    clock = feed(
        (0.0, "boot", "power_on", "info", {}),
        (0.2, "webticket", "request", "info", {}),
        (
            10.2,
            "webticket",
            "failed",
            "error",
            {"reason": "webticket.timeout", "message": "no answer", "kind": "timeout"},
        ),
    )
    assert {(f.stage, f.kind) for f in clock.failures} == {
        ("webticket", TIMED_OUT),
        ("boot", TIMED_OUT),
    }


def test_a_query_still_out_when_the_boot_ends_well_is_counted_as_not_needed() -> None:
    # --stage discovery: DHCP gave everything; the SRV query sent beside it is still out.
    clock = feed(
        (0.0, "boot", "power_on", "info", {}),
        (0.0, "dhcp", "inform_sent", "info", {}),
        (0.0, "dns", "query", "info", {"name": "_sipinternaltls._tcp.phonesim.test"}),
        (0.003, "dhcp", "answer", "info", {}),
        (0.003, "discovery", "stopped_as_asked", "info", {}),
    )
    assert clock.samples == [("dhcp", 0.003), ("boot", 0.003)]
    assert clock.not_needed == ["dns"]
    assert clock.failures == []


def test_a_time_server_silent_in_the_time_clients_words_is_timed_out() -> None:
    from phonesim.drivers.time_client import time_not_answered

    silent = time_not_answered("ntp", TimeoutError(), 2.0)
    clock = feed(
        (0.0, "boot", "power_on", "info", {}),
        (1.0, "time", "query", "info", {"server": "ntp"}),
        (3.0, "time", "no_answer", "warning", {"server": "ntp", "error": silent.error}),
    )
    assert [(f.stage, f.kind, f.message) for f in clock.failures] == [
        ("time", TIMED_OUT, silent.error)
    ]
