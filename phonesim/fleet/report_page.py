"""report.html: a fleet run for people, judged against what Locust and Gatling reports show.

The page is self-contained (charts inlined as SVG, no script, no network), so
it can be mailed or attached to a ticket and opened anywhere. Everything it
says comes from summary.json's figures, so the two never disagree.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from phonesim.core.stage import Stage
from phonesim.fleet import report_plots
from phonesim.fleet.hold_view import report_section
from phonesim.fleet.report_series import run_buckets
from phonesim.fleet.report_warm import WARM_HEADER, warm_origin, warm_rows
from phonesim.fleet.statistics import FleetStatistics
from phonesim.fleet.step_notes import reached_label, scenario_note, shown_steps, step_notes
from phonesim.fleet.summary_tables import PERCENTILE_KEYS
from phonesim.fleet.time_series import Buckets
from phonesim.fleet.wording import phones, rate_sentence

STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 80em; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
td:first-child, th:first-child, td.text { text-align: left; }
.warning { color: #a33; }
figure { margin: 1em 0; }
"""


def report_html(statistics: FleetStatistics, summary: dict[str, Any]) -> str:
    config = summary["config"]
    run = summary["run"]
    reached = reached_label(config.get("stage", Stage.REGISTRAR))
    title = f"phonesim fleet: {phones(summary['phones_started'])}, {config.get('target')}"
    buckets = run_buckets(summary["elapsed_seconds"], summary["phones_started"])
    arrivals = summary.get("arrivals") or {}
    warnings = "".join(f"<li>{_e(note)}</li>" for note in step_notes(summary))
    sections = [
        f"<h1>{_e(title)}</h1>",
        f"<p>Started {_e(run['started_utc'] or '-')} (UTC) on {_e(run['host'])}, phonesim "
        f"{_e(run['phonesim_version'])} (Python {_e(run.get('python', '-'))}, "
        f'{_e(run.get("platform", "-"))}). Files: <a href="summary.json">summary.json</a>, '
        f'<a href="phones.csv">phones.csv</a> (one row per phone).</p>',
        f"<p><b>{summary['succeeded']} {_e(reached)}, {summary['failed']} failed</b> of "
        f"{phones(summary['phones_finished'])}, in {summary['elapsed_seconds']:.1f} s: "
        f"{_e(rate_sentence(summary))}. Stopped: {_e(summary['stopped_detail'])}.</p>",
        f'<ul class="warning">{warnings}</ul>' if warnings else "",
        "<h2>Settings</h2>",
        _settings(config),
        "<h2>Outcomes</h2>",
        _table(("outcome", "phones"), [(name, n) for name, n in summary["outcomes"].items()]),
        f"<p>{_e(expected)}</p>" if (expected := scenario_note(summary)) else "",
        _profiles(summary),
        _warm(summary.get("warm")),
        "<h2>Steps</h2>",
        "<p>Exact nearest-rank percentiles (ms) over every attempt that worked; failed "
        "attempts are counted here and timed in summary.json "
        "(<code>failed_latency_seconds</code>) and in red in the histograms below.</p>",
        _steps(summary),
        "<h2>Failures</h2>",
        _failures(summary),
        report_section(summary.get("hold")),
        "<h2>Arrivals: scheduled and achieved</h2>",
        _arrival_figures(arrivals),
        f"<figure>{report_plots.arrivals_plot(statistics, buckets, bool(arrivals.get('target_per_second')))}</figure>",
        "<h2>The fleet's own delay</h2>",
        _loop_lag(summary.get("loop_lag"), buckets),
        "<h2>Boots over time</h2>",
        f"<figure>{report_plots.boots_plot(statistics, buckets, reached)}</figure>",
        "<h2>Phones in flight</h2>",
        f"<figure>{report_plots.in_flight_plot(statistics, buckets)}</figure>",
        "<h2>Boot latency over time</h2>",
        "<p>Percentiles of the boots that ended in each bucket.</p>",
        f"<figure>{report_plots.latency_over_time_plot(statistics, buckets)}</figure>",
        "<h2>Step latency over time</h2>",
        "<p>Per step, percentiles of the attempts that worked, by when they ended.</p>",
        f"<figure>{report_plots.step_latency_over_time_plots(statistics, buckets, list(summary['steps']))}</figure>",
        "<h2>Latency distribution per step</h2>",
        f"<figure>{report_plots.latency_histograms(statistics, list(summary['steps']))}</figure>",
    ]
    body = "\n".join(part for part in sections if part)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}'
        f"</title>\n<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]], text: int = -1) -> str:
    """`text`: the column (besides the first) that holds words, aligned left."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="text">{_e(cell)}</td>' if i == text else f"<td>{_e(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _settings(config: dict[str, Any]) -> str:
    rows = [(key, _setting(value)) for key, value in config.items()]
    return _table(("setting", "value"), rows, text=1)


def _setting(value: object) -> str:
    """A setting as the command line writes it (`--mix a=70,b=30`), not as Python does."""
    if value is None:
        return "-"
    if isinstance(value, bool):  # a flag: given or not
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _profiles(summary: dict[str, Any]) -> str:
    profiles = summary.get("profiles") or {}
    if len(profiles) < 2:
        return ""
    rows = []
    for name, figures in profiles.items():
        boot = figures["boot_latency_seconds"] or {}
        rows.append(
            (
                name,
                figures["phones_finished"],
                figures["succeeded"],
                figures["failed"],
                *(f"{boot[k] * 1000:.1f}" if boot else "-" for k in ("p50", "p90", "p99")),
                _failed_as(figures["outcomes"]),
            )
        )
    header = ("profile", "phones", "ok", "failed", "boot p50 ms", "boot p90 ms", "boot p99 ms")
    return "<h2>Per profile</h2>" + _table((*header, "failed as"), rows, text=7)


def _warm(warm: dict[str, Any] | None) -> str:
    if not warm:
        return ""
    return (
        "<h2>Cold and warm phones</h2>"
        + f"<p>{_e(warm_origin(warm))}.</p>"
        + _table((*WARM_HEADER, "how they signed in"), warm_rows(warm), text=7)
    )


def _failed_as(outcomes: dict[str, int]) -> str:
    """A profile's failures by name, most first: one model failing where the other signs
    in points at the device, not the servers."""
    failed = [(name, n) for name, n in outcomes.items() if name != "success"]
    return ", ".join(f"{name} {n}" for name, n in failed) or "-"


def _steps(summary: dict[str, Any]) -> str:
    steps, left_out = shown_steps(summary)
    rows = []
    for stage, step in steps:
        figures = step["latency_seconds"]
        rows.append(
            (
                stage,
                step["ok"],
                step["failed"],
                step["timed_out"],
                *(f"{figures[k] * 1000:.1f}" if figures else "-" for k in PERCENTILE_KEYS),
            )
        )
    table = _table(("step", "ok", "failed", "timed out", *PERCENTILE_KEYS), rows)
    return table + "".join(f"<p>{_e(line)}</p>" for line in left_out)


def _failures(summary: dict[str, Any]) -> str:
    if not summary["failures"]:
        return "<p>No step failed.</p>"
    rows = [
        (
            row["step"],
            row["reason"],
            row["count"],
            "yes" if row["ended_boot"] else "no",
            row["message"],
        )
        for row in summary["failures"]
    ]
    return _table(("step", "reason", "count", "ended the boot", "message"), rows, text=4)


def _arrival_figures(arrivals: dict[str, Any]) -> str:
    if not arrivals:
        return ""

    def rate(key: str) -> str:
        value = arrivals.get(key)
        return "-" if value is None else f"{value:.1f}/s"

    lag = arrivals.get("lag_seconds")
    rows = [
        ("target (--rate)", rate("target_per_second") if arrivals["target_per_second"] else "max"),
        ("scheduled, first to last phone", rate("scheduled_per_second")),
        ("achieved, first to last phone", rate("achieved_per_second")),
        (
            "lag behind the schedule p50 / p99 / max",
            "-"
            if lag is None
            else " / ".join(f"{lag[k] * 1000:.1f} ms" for k in ("p50", "p99", "max")),
        ),
        ("phones held back by --concurrency", arrivals["waited_for_concurrency"]),
    ]
    return _table(("arrivals", ""), rows)


def _loop_lag(lag: dict[str, Any] | None, buckets: Buckets) -> str:
    if not lag or not lag["ticks"]:
        return (
            "<p>Not measured: the run ended before the first tick of the timer that "
            "measures how late the fleet's event loop runs.</p>"
        )
    about = (
        f"<p>A timer on the fleet's event loop every {lag['interval_seconds'] * 1000:g} ms, "
        "and how late it fired: the time any answer arriving then waited before the fleet "
        "read it, on top of the network and the server. "
        + (
            "<b>The fleet was saturated: the latencies in this report include its own delay.</b>"
            if lag["saturated"]
            else "It stayed within its bound: the latencies are the network's and the servers'."
        )
        + "</p>"
    )
    rows = [
        (
            "late by (p50 / p90 / p99 / max / mean)",
            " / ".join(f"{lag[k] * 1000:.1f} ms" for k in ("p50", "p90", "p99", "max", "mean")),
        ),
        ("ticks", lag["ticks"]),
        ("bound (p90)", f"{lag['bound_seconds'] * 1000:g} ms"),
        ("saturated", "yes" if lag["saturated"] else "no"),
    ]
    return (
        about
        + _table(("event loop", ""), rows)
        + f"<figure>{report_plots.loop_lag_plot(lag, buckets)}</figure>"
    )
