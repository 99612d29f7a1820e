"""A fleet's report folder: summary.json for machines, report.html for people (see
`report_page`), phones.csv (written as phones finish, see `phone_log`)."""

from __future__ import annotations

import json
import platform
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phonesim.fleet.report_series import over_time
from phonesim.fleet.statistics import FleetStatistics, micro
from phonesim.fleet.stop_reason import describe as describe_stop

if TYPE_CHECKING:
    from phonesim.fleet.hold_figures import HoldFigures

SUMMARY = "summary.json"
REPORT = "report.html"
PHONES = "phones.csv"


def fleet_summary(
    statistics: FleetStatistics,
    *,
    config: dict[str, Any],
    elapsed: float,
    stop_reason: str | None,
    udp_drops: dict[str, Any] | None = None,
    arrivals: dict[str, Any] | None = None,
    loop_lag: dict[str, Any] | None = None,
    started_wall: float | None = None,
    hold: HoldFigures | None = None,
    warm: dict[str, Any] | None = None,
    leases: dict[str, Any] | None = None,
) -> dict[str, Any]:
    summary = statistics.summary()
    summary["run"] = run_facts(started_wall)
    summary["config"] = config
    summary["elapsed_seconds"] = micro(elapsed)
    # A held phone finishes when its hold ends: a held fleet's rate is of its sign-ins.
    # The span as printed, so that phones / span read from the summary gives the printed rate.
    span = micro(elapsed if hold is None else hold.signed_in_last)
    summary["phones_per_second"] = round(summary["phones_finished"] / span, 3) if span > 0 else None
    summary["stopped"] = stop_reason
    summary["stopped_detail"] = describe_stop(stop_reason, summary)
    summary["udp_receive_drops"] = udp_drops
    summary["arrivals"] = arrivals
    summary["loop_lag"] = loop_lag
    summary["hold"] = None if hold is None else hold.summary(elapsed, summary["steps"])
    summary["warm"] = warm
    # Only for phones that take their own leases: what they took and gave back.
    summary["leases"] = leases
    summary["accounting_complete"] = summary["phones_finished"] == summary["phones_started"]
    summary["over_time"] = over_time(statistics, elapsed)
    return summary


def run_facts(started_wall: float | None) -> dict[str, Any]:
    """When, where and with what a run was made, for a report read weeks later."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        phonesim_version = version("phonesim")
    except PackageNotFoundError:
        phonesim_version = "unknown"
    started = (
        None
        if started_wall is None
        else datetime.fromtimestamp(started_wall, UTC).isoformat(timespec="milliseconds")
    )
    return {
        "started_utc": started,
        "phonesim_version": phonesim_version,
        "host": socket.gethostname(),
        # Timings depend on the interpreter and the kernel as much as on phonesim.
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_report(folder: Path, statistics: FleetStatistics, summary: dict[str, Any]) -> None:
    from phonesim.fleet.report_page import report_html

    folder.mkdir(parents=True, exist_ok=True)
    (folder / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (folder / REPORT).write_text(report_html(statistics, summary), encoding="utf-8")
