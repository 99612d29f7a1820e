"""A step with fewer good samples than phones says why."""

from __future__ import annotations

from phonesim.fleet.step_notes import step_note


def step(**counts: object) -> dict:
    base = {
        "phones": 500,
        "ok": 500,
        "failed": 0,
        "timed_out": 0,
        "interrupted": 0,
        "not_reached": {},
        "latency_seconds": None,
        "failed_latency_seconds": None,
    }
    base.update(counts)
    return base


def test_a_step_every_phone_ran_well_needs_no_note() -> None:
    assert step_note("time", step(), 500) is None


def test_time_outs_are_said_with_the_time_they_cost() -> None:
    note = step_note(
        "time",
        step(ok=256, timed_out=244, failed_latency_seconds={"p50": 2.0004}),
        500,
    )
    assert note == (
        "time: ran on 500 of 500 phones; 256 ok, 244 timed out (median time to failure 2000.4 ms)"
    )


def test_phones_that_never_reached_a_step_are_accounted_for() -> None:
    note = step_note("certprov", step(phones=0, ok=0, not_reached={"failed_before": 100}), 100)
    assert note == "certprov: ran on 0 of 100 phones (100 failed before it)"


def test_datagrams_the_kernel_dropped_are_said_per_server() -> None:
    from phonesim.fleet.step_notes import drop_notes

    assert drop_notes({"servers": {"dhcp": 0, "time": 243}, "fleet": 0}) == [
        "the kernel dropped 243 datagrams sent to the time server (its receive buffer was "
        "full): the phones that sent them waited for their time-out"
    ]
    assert drop_notes(None) == []


def test_steps_supplied_or_never_due_say_what_happened_instead() -> None:
    """A root chain given by --trust-ca and a refresh no short hold needed are not steps
    the phones "went on without": the notes say what happened."""
    from phonesim.core.commands import Trace
    from phonesim.fleet.stage_clock import StageClock
    from phonesim.fleet.statistics import FleetStatistics

    stats = FleetStatistics("provisioning", held=True, supplied_trust=True)
    clock = StageClock()
    for t, stage, event, fields in (
        (0.0, "boot", "power_on", {}),
        (0.0, "dhcp", "inform_sent", {}),
        (0.1, "dhcp", "answer", {}),
        (0.2, "rootchain", "supplied", {}),
        (0.3, "certprov", "metadata_request", {}),
        (0.5, "provisioning", "requested", {}),
        (0.6, "provisioning", "received", {}),
        (0.7, "held", "began", {"registrar": "pool"}),
        (2.7, "held", "reregistering", {"registrar": "pool", "why": "sign_out"}),
        (2.8, "held", "signed_out", {}),
    ):
        clock.observe(Trace(t, stage, event, fields, "info"))
    stats.phone_finished(2.8, "success", clock)
    steps = stats.summary()["steps"]
    assert steps["rootchain"]["not_reached"] == {"supplied": 1}
    assert steps["refresh"]["not_reached"] == {"not_due": 1}
    notes = {name: step_note(name, step, 1) for name, step in steps.items()}
    assert notes["rootchain"] == (
        "rootchain: ran on 0 of 1 phone (1 were given the root chain by --trust-ca: not fetched)"
    )
    assert notes["refresh"] == (
        "refresh: ran on 0 of 1 phone (1 needed no refresh within their hold, shorter than "
        "the registration's refresh interval)"
    )
    assert notes["forced_rehandshake"] is not None
    assert "no refresh was answered 401" in notes["forced_rehandshake"]
    for name in ("rootchain", "refresh", "sa_renewal", "forced_rehandshake"):
        assert "went on without it" not in (notes[name] or ""), name
