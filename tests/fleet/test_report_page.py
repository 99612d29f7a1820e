"""report.html reads as a person expects: settings as typed, no empty chart, legible axes."""

from __future__ import annotations

import html

import pytest

from phonesim.fleet.fleet_report import fleet_summary
from phonesim.fleet.report_page import report_html
from phonesim.fleet.stage_clock import StageClock, StepFailure
from phonesim.fleet.statistics import FleetStatistics


def page_for(stats: FleetStatistics, **config: object) -> str:
    summary = fleet_summary(
        stats,
        config={"stage": "registrar", "target": "embedded lab", **config},
        elapsed=1.0,
        stop_reason="completed",
    )
    return report_html(stats, summary)


def settings_section(page: str) -> str:
    return html.unescape(page[page.index("<h2>Settings</h2>") : page.index("<h2>Outcomes</h2>")])


def test_settings_read_as_typed_not_as_python() -> None:
    stats = FleetStatistics()
    page = page_for(
        stats,
        mix={"polycom-cx600": 70, "aastra-6725ip": 30},
        profiles=["aastra-6725ip", "polycom-cx600"],
        users=None,
        lab=True,
    )
    settings = settings_section(page)
    assert "{'" not in settings and "['" not in settings
    assert "polycom-cx600=70, aastra-6725ip=30" in settings
    assert "aastra-6725ip, polycom-cx600" in settings
    assert '<td>lab</td><td class="text">yes</td>' in settings


def test_a_run_where_no_boot_succeeded_draws_no_empty_latency_chart() -> None:
    stats = FleetStatistics()
    for index in range(5):
        clock = StageClock()
        clock.samples = [("dhcp", 0.01)]
        clock.failures = [
            StepFailure("boot", 0.2, "failed", "certprov.http_404", "404", True),
        ]
        clock.reached = {"boot", "dhcp"}
        stats.phone_started(index * 0.01)
        stats.phone_finished(index * 0.01 + 0.2, "certprov.http_404", clock)
    page = page_for(stats)
    section = page[page.index("<h2>Boot latency over time</h2>") :]
    section = section[: section.index("<h2>", 5)]
    assert "<svg" not in section
    assert "No boot succeeded, so there is no boot latency to draw" in section


@pytest.mark.parametrize(
    ("low", "high", "labels"),
    [
        (0.3, 10.0, {"1", "10"}),  # two powers of ten in view: those alone
        (0.35, 2.2, {"0.5", "1", "2"}),  # one: the 1s, 2s and 5s
        (21.0, 63.0, {"30", "40", "50", "60"}),  # none: every tick
    ],
)
def test_log_axes_label_ticks_that_do_not_run_together(
    low: float, high: float, labels: set[str]
) -> None:
    from phonesim.fleet.report_plots import _plain_ticks, _pyplot

    plt = _pyplot()
    figure, axis = plt.subplots()
    axis.set_xscale("log")
    axis.set_xlim(low, high)
    _plain_ticks(axis.xaxis)
    figure.canvas.draw()
    shown = {
        label.get_text()
        for label in [*axis.xaxis.get_ticklabels(), *axis.xaxis.get_ticklabels(minor=True)]
        if label.get_text() and low <= label.get_position()[0] <= high
    }
    plt.close(figure)
    assert shown == labels


def test_the_per_profile_table_says_which_model_failed_and_as_what() -> None:
    stats = FleetStatistics()
    for index, (profile, outcome) in enumerate(
        [("polycom-cx600", "success")] * 3
        + [("aastra-6725ip", "webticket.pin_rejected")] * 2
        + [("aastra-6725ip", "success")]
    ):
        clock = StageClock()
        clock.samples = [("boot", 0.1)] if outcome == "success" else []
        clock.reached = {"boot"}
        stats.phone_started(index * 0.01)
        stats.phone_finished(index * 0.01 + 0.1, outcome, clock, profile=profile)
    page = page_for(stats)
    section = page[page.index("<h2>Per profile</h2>") : page.index("<h2>Steps</h2>")]
    rows = {row.split("</td>", 1)[0]: row for row in section.split("<tr><td>")[1:]}
    assert '<td class="text">webticket.pin_rejected 2</td>' in rows["aastra-6725ip"]
    assert '<td class="text">-</td>' in rows["polycom-cx600"]
