"""The exporter's schedule on a virtual clock: a boot at once, then every interval, never two
at a time; a boot that outlasts the interval skips the ticks it covered."""

from __future__ import annotations

from phonesim.probe.exporter import ProbeSchedule
from phonesim.probe.probe_run import ProbeRun


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.running = 0
        self.most_at_once = 0

    def waited(self, seconds: float) -> bool:
        self.now += seconds
        return False


def boots_taking(clock: VirtualClock, durations: list[float]):
    remaining = list(durations)

    def boot() -> ProbeRun:
        clock.running += 1
        clock.most_at_once = max(clock.most_at_once, clock.running)
        clock.now += remaining.pop(0)
        clock.running -= 1
        failed = {"Result": "Failure", "Reason": "webticket.pin_rejected"}
        return ProbeRun(failed, 1.0, {}, clock.now)

    return boot


def test_boots_start_on_every_tick_of_the_interval() -> None:
    clock = VirtualClock()
    schedule = ProbeSchedule(
        60.0, boots_taking(clock, [2.0, 3.0, 1.0]), now=lambda: clock.now, wait=clock.waited
    )
    schedule.run(runs=3)
    assert schedule.starts == [0.0, 60.0, 120.0]
    assert schedule.counts.runs == 3 and schedule.counts.skipped == 0
    assert schedule.counts.failures == {"webticket.pin_rejected": 3}


def test_a_long_boot_skips_the_ticks_it_covered_and_never_overlaps() -> None:
    clock = VirtualClock()
    schedule = ProbeSchedule(
        60.0, boots_taking(clock, [150.0, 60.0, 1.0]), now=lambda: clock.now, wait=clock.waited
    )
    schedule.run(runs=3)
    # 60 and 120 fell while the first boot ran; the second began at the next tick, and
    # one that ends on a tick lets the next start on it.
    assert schedule.starts == [0.0, 180.0, 240.0]
    assert schedule.counts.skipped == 2
    assert clock.most_at_once == 1


def test_stopping_ends_the_schedule_after_the_boot_under_way() -> None:
    clock = VirtualClock()
    schedule = ProbeSchedule(60.0, boots_taking(clock, [1.0]), now=lambda: clock.now)
    schedule.wait = lambda seconds: True  # stopped while waiting for the next tick
    schedule.run()
    assert schedule.starts == [0.0] and schedule.last_run is not None


def test_a_boot_that_could_not_start_is_counted_and_the_schedule_goes_on() -> None:
    clock = VirtualClock()
    good = boots_taking(clock, [1.0, 1.0])
    outcomes = iter([good, lambda: None, good])
    schedule = ProbeSchedule(
        60.0, lambda: next(outcomes)(), now=lambda: clock.now, wait=clock.waited
    )
    schedule.run(runs=3)
    assert schedule.starts == [0.0, 60.0, 120.0]
    assert (schedule.counts.runs, schedule.counts.errors) == (2, 1)
    assert schedule.last_run is not None and schedule.last_run.finished_at == 121.0
