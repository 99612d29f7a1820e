"""A fleet's report folder: summary.json for machines, report.html for people, phones.csv.

The HTML page is self-contained (plots inlined as SVG, no script, no network),
so it can be mailed or attached to a ticket and opened anywhere.
"""

from __future__ import annotations

import html
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from phonesim.fleet.stage_clock import STAGES
from phonesim.fleet.statistics import PERCENTILES, FleetStatistics
from phonesim.fleet.step_notes import scenario_note, step_notes
from phonesim.fleet.stop_reason import describe as describe_stop

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
) -> dict[str, Any]:
    summary = statistics.summary()
    summary["config"] = config
    summary["elapsed_seconds"] = elapsed
    summary["phones_per_second"] = summary["phones_finished"] / elapsed if elapsed > 0 else None
    summary["stopped"] = stop_reason
    summary["stopped_detail"] = describe_stop(stop_reason, summary)
    summary["udp_receive_drops"] = udp_drops
    summary["arrivals"] = arrivals
    summary["accounting_complete"] = summary["phones_finished"] == summary["phones_started"]
    return summary


def write_report(folder: Path, statistics: FleetStatistics, summary: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (folder / REPORT).write_text(_html(statistics, summary), encoding="utf-8")


def _html(statistics: FleetStatistics, summary: dict[str, Any]) -> str:
    config = summary["config"]
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{count}</td></tr>"
        for name, count in summary["outcomes"].items()
    )
    latency_rows = ""
    for stage, step in summary["steps"].items():
        figures = step["latency_seconds"]
        cells = "".join(
            f"<td>{figures[f'p{p:g}'] * 1000:.1f}</td>" if figures else "<td>-</td>"
            for p in PERCENTILES
        )
        latency_rows += (
            f"<tr><td>{stage}</td><td>{step['ok']}</td><td>{step['failed']}</td>"
            f"<td>{step['timed_out']}</td>{cells}"
            f"<td>{figures['max'] * 1000:.1f}</td><td>{figures['mean'] * 1000:.1f}</td></tr>"
            if figures
            else f"<tr><td>{stage}</td><td>{step['ok']}</td><td>{step['failed']}</td>"
            f"<td>{step['timed_out']}</td>{cells}<td>-</td><td>-</td></tr>"
        )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in step_notes(summary))
    failure_rows = "".join(
        f"<tr><td>{html.escape(row['step'])}</td><td>{html.escape(row['reason'])}</td>"
        f"<td>{row['count']}</td><td>{'yes' if row['ended_boot'] else 'no'}</td>"
        f"<td class=message>{html.escape(row['message'])}</td></tr>"
        for row in summary["failures"]
    )
    failures = (
        "<table><tr><th>step</th><th>reason</th><th>count</th><th>ended the boot</th>"
        f"<th>message</th></tr>{failure_rows}</table>"
        if failure_rows
        else "<p>No step failed.</p>"
    )
    header = "".join(f"<th>p{p:g} ms</th>" for p in PERCENTILES)
    title = f"phonesim fleet: {summary['phones_started']} phones"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }}
td:first-child, th:first-child, td.message {{ text-align: left; }}
figure {{ margin: 1em 0; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{summary["succeeded"]} signed in, {summary["failed"]} failed, in {summary["elapsed_seconds"]:.1f} s
({(summary["phones_per_second"] or 0):.1f} phones/s); stage {html.escape(str(config.get("stage")))},
rate {html.escape(str(config.get("rate")))}, target {html.escape(str(config.get("target")))}.
Stopped: {html.escape(summary["stopped_detail"])}.</p>
<h2>Outcomes</h2>
<table><tr><th>outcome</th><th>phones</th></tr>{rows}</table>
{f"<p>{html.escape(expected)}</p>" if (expected := scenario_note(summary)) else ""}
<h2>Steps</h2>
<p>Exact nearest-rank percentiles over every step that worked; failed steps are counted
here and timed in summary.json (<code>failed_latency_seconds</code>).</p>
<table><tr><th>step</th><th>ok</th><th>failed</th><th>timed out</th>{header}<th>max ms</th><th>mean ms</th></tr>{latency_rows}</table>
{"<ul>" + notes + "</ul>" if notes else ""}
<h2>Failures</h2>
{failures}
<h2>Latency distribution</h2>
<figure>{_latency_plot(statistics)}</figure>
<h2>Boots over time</h2>
<figure>{_timeline_plot(statistics)}</figure>
</body></html>
"""


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    return plt


def _latency_plot(statistics: FleetStatistics) -> str:
    plt = _pyplot()
    stages = [s for s in STAGES if statistics.latencies[s]]
    if not stages:
        return "<p>No step completed.</p>"
    columns = 3
    rows = (len(stages) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(12, 3 * rows), squeeze=False)
    for index, stage in enumerate(stages):
        axis = axes[index // columns][index % columns]
        axis.hist([v * 1000 for v in statistics.latencies[stage]], bins=50, color="#4477aa")
        axis.set_title(stage)
        axis.set_xlabel("ms")
        axis.set_ylabel("samples")
    for index in range(len(stages), rows * columns):
        axes[index // columns][index % columns].axis("off")
    figure.tight_layout()
    svg = _svg(figure)
    plt.close(figure)
    return svg


def _timeline_plot(statistics: FleetStatistics) -> str:
    plt = _pyplot()
    last = int(max([*statistics.started_at, *statistics.ended_at, 0.0]))
    seconds = list(range(last + 1))
    started = Counter(int(t) for t in statistics.started_at)
    finished = Counter(
        int(t)
        for t, bad in zip(statistics.ended_at, statistics.ended_failed, strict=True)
        if not bad
    )
    failed = Counter(
        int(t) for t, bad in zip(statistics.ended_at, statistics.ended_failed, strict=True) if bad
    )
    figure, axis = plt.subplots(figsize=(12, 3.5))
    axis.plot(seconds, [started[s] for s in seconds], label="powered on")
    axis.plot(seconds, [finished[s] for s in seconds], label="signed in")
    axis.plot(seconds, [failed[s] for s in seconds], label="failed", color="#cc3311")
    axis.set_xlabel("seconds since the first phone")
    axis.set_ylabel("phones per second")
    axis.legend()
    figure.tight_layout()
    svg = _svg(figure)
    plt.close(figure)
    return svg
