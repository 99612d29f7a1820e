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
