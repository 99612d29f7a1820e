"""What every reader of the trace makes of each golden trace, as text to compare.

A golden trace freezes what the phone does; these renderings freeze what the
readers say about it: the diagnosis (every finding, with its rank and texts),
the timeline as the terminal shows it (styles included), the device log lines,
the fleet's stage clock and statistics, the result.json parts read off the trace
(DiscoverySource and DiscoveryCache, the DHCP winner, the bootstrap result), and
`phonesim replay` over the example captures. A change to a reader that is meant
to keep its output shows here as no difference at all.

Everything is read from the committed golden files alone (no lab, no phone),
except the replays, which run the replay's own phone on a capture.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from phonesim.core import flow
from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.core.outcome import Failure, Outcome, Success
from phonesim.diagnosis import diagnose
from phonesim.fleet.stage_clock import StageClock
from phonesim.fleet.statistics import FleetStatistics
from phonesim.fleet.step_notes import shown_steps, step_notes
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.report.device_log import format_line
from phonesim.report.dhcp_answers import summarize_dhcp_answers, winning_server
from phonesim.report.discovery_summary import discovery_summary
from phonesim.report.timeline import TimelinePrinter
from phonesim.report.trace_log import read_trace_log
from phonesim.testing.lab_pair import START
from tests.golden.boots import GOLDEN, golden_file

RENDERINGS = GOLDEN / "renderings"


def read_golden(name: str) -> list[Trace]:
    path = golden_file(name)
    with path.open(encoding="utf-8") as stream:
        return list(read_trace_log(stream, source=str(path)))


def final_stage(name: str, traces: list[Trace]) -> str:
    """The stage the golden's boot was asked to stop after (what `fleet --stage` names)."""
    for trace in traces:
        if trace.event == "stopped_as_asked":
            return trace.stage
    if name == "paths/stop-after-dhcp-silent":
        return "dhcp"
    return "registrar"


def outcome_of(traces: list[Trace]) -> Outcome:
    """The boot's outcome as its last trace event states it (a failure's web services URL and
    registrar are not in the trace, so a reconstructed failure has neither)."""
    last = traces[-1]
    fields = dict(last.fields)
    if last.level == "error":
        reason, message = fields.pop("reason"), fields.pop("message")
        return Failure(last.t, last.stage, reason, message, evidence=fields)
    held = None
    stage = last.stage
    if ts.HELD_SIGNED_OUT.matches(last):
        # A held boot's outcome is the stage it was held after, with what the hold did.
        stage = str(flow.HELD_AFTER)
        held = {k: v for k, v in fields.items() if k not in ("web_url", "registrar", "sip_uri")}
    return Success(
        last.t,
        fields.get("web_url") or "",
        fields.get("registrar") or "",
        fields.get("sip_uri"),
        stage=stage,
        held=held,
    )


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _lines(items: list[tuple[str, Any]]) -> str:
    """One `name: value` line per item, the value as compact JSON: figures side by side."""
    return "\n".join(
        f"{name}: {json.dumps(value, ensure_ascii=False, default=str, separators=(',', ':'))}"
        for name, value in items
    )


def _diagnosis(traces: list[Trace]) -> str:
    findings = diagnose(traces).findings
    return _json([dataclasses.asdict(finding) for finding in findings])


def _timeline(traces: list[Trace]) -> str:
    stream = io.StringIO()
    console = Console(
        file=stream,
        force_terminal=True,
        color_system="standard",
        no_color=False,
        width=200,
        legacy_windows=False,
    )
    printer = TimelinePrinter(console)
    for trace in traces:
        printer.print(trace)
    return stream.getvalue().rstrip("\n")


def _device_log(traces: list[Trace]) -> str:
    return "\n".join(format_line(trace, START) for trace in traces)


def _stage_clock(traces: list[Trace]) -> tuple[str, StageClock]:
    clock = StageClock()
    for trace in traces:
        clock.observe(trace)
    shown = [
        ("samples", clock.samples),
        *(("failure", dataclasses.asdict(f)) for f in clock.failures),
        ("not_needed", clock.not_needed),
        ("reached", sorted(clock.reached)),
        ("current_stage", clock.current_stage),
    ]
    return _lines(shown), clock


def _fleet_statistics(name: str, traces: list[Trace], clock: StageClock) -> str:
    """The golden's phone as a fleet of one: its steps, failures and the notes under them."""
    stage = final_stage(name, traces)
    outcome = outcome_of(traces)
    statistics = FleetStatistics(stage)
    statistics.phone_started(0.0)
    named = outcome.reason if isinstance(outcome, Failure) else "success"
    statistics.phone_finished(outcome.t, named, clock, ext="5551234", mac="00:04:f2:00:00:01")
    summary = statistics.summary()
    summary["config"] = {"stage": stage, "target": "embedded lab"}
    steps, left_out = shown_steps(summary)
    return _lines(
        [
            ("outcomes", summary["outcomes"]),
            *((f"step {name}", step) for name, step in summary["steps"].items()),
            *(("failure", row) for row in summary["failures"]),
            *(("note", note) for note in step_notes(summary)),
            ("shown_steps", [step for step, _ in steps]),
            *(("left_out", line) for line in left_out),
        ]
    )


@dataclasses.dataclass(frozen=True)
class _Datagram:
    at: float
    source: str
    payload: bytes


def _dhcp_answers(traces: list[Trace]) -> str:
    """What the DHCP answer table reads off the trace: the server the phone used, and which
    datagrams it looked at (two empty datagrams from every address the DHCP traces name, so
    each source shows how many the phone saw)."""
    named = [
        str(value)
        for trace in traces
        if trace.stage == "dhcp"
        for key in ("source", "server")
        if (value := trace.fields.get(key)) is not None
    ]
    datagrams = [_Datagram(0.0, source, b"") for source in dict.fromkeys(named) for _ in (1, 2)]
    entries = summarize_dhcp_answers(datagrams, first_sent=0.0, traces=traces)
    return _json(
        {
            "winning_server": winning_server(traces),
            "seen_by_phone": [(entry["From"], entry["SeenByPhone"]) for entry in entries],
        }
    )


def _bootstrap_result(traces: list[Trace]) -> str:
    result = bootstrap_result(outcome_of(traces), phone={}, diagnosis=diagnose(traces))
    result.pop("Findings")  # the diagnosis section holds them in full
    return _json(result)


def render(name: str) -> str:
    """Every reader's output for one golden trace, one section each."""
    traces = read_golden(name)
    clock_text, clock = _stage_clock(traces)
    sections: list[tuple[str, Callable[[], str]]] = [
        ("diagnosis", lambda: _diagnosis(traces)),
        ("bootstrap result", lambda: _bootstrap_result(traces)),
        ("discovery summary", lambda: _json(discovery_summary(traces))),
        ("dhcp answers", lambda: _dhcp_answers(traces)),
        ("timeline", lambda: _timeline(traces)),
        ("device log", lambda: _device_log(traces)),
        ("stage clock", lambda: clock_text),
        ("fleet of one", lambda: _fleet_statistics(name, traces, clock)),
    ]
    return "".join(f"== {title} ==\n{make()}\n" for title, make in sections)


def rendering_file(name: str) -> Path:
    return RENDERINGS / f"{name}.txt"


# -- replay ------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str]:
    """The command line's exit code and everything it wrote (the caller fixes the terminal's
    width and colours: see `plain_terminal` in test_renderings.py)."""
    from phonesim.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(argv)
    return code, out.getvalue()


def render_replay(capture: Path) -> str:
    """`phonesim replay` on one capture, in the terminal and as JSON lines."""
    parts = []
    for extra in ([], ["--json"]):
        code, out = run_cli(["replay", str(capture), *extra])
        parts.append(f"== replay{''.join(' ' + e for e in extra)}: exit {code} ==\n{out}")
    return "".join(parts)


__all__ = ["RENDERINGS", "render", "render_replay", "rendering_file", "run_cli"]
