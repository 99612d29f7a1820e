"""`report.html`: one boot on one page, for a colleague who opens the ticket's attachment.

The page must read the same offline, from a zip, on a machine without phonesim: so its
style and the waterfall are inline (CSS and SVG), it loads nothing (a Content-Security-Policy
forbids it to), and the run's other files are linked by relative names beside it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from phonesim.core.commands import Trace
from phonesim.report.event_sentences import describe
from phonesim.report.step_waterfall import StepBar, Waterfall

REPORT = "report.html"

BAR_COLOURS = {
    "ok": "#2e7d32",
    "failed": "#c62828",
    "timed_out": "#ef6c00",
    "interrupted": "#757575",
}
"""Fill of a step's bar by its outcome; a test finds these colours in a browser's screenshot."""

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#222}
h1{font-size:1.4em;margin:0 0 .3em} h2{font-size:1.1em;margin:1.4em 0 .4em}
.Success{color:#2e7d32} .Failure{color:#c62828}
table{border-collapse:collapse;width:100%} td,th{padding:2px 8px;text-align:left;
vertical-align:top;border-bottom:1px solid #eee;overflow-wrap:anywhere}
th{white-space:nowrap;width:1%} h3{font-size:1em;margin:.8em 0 .2em} th{background:#f5f5f5}
td.t{font-family:monospace;white-space:nowrap;text-align:right}
.finding{border-left:4px solid #999;padding:.3em .8em;margin:.6em 0;background:#fafafa}
.error{border-color:#c62828} .warning{border-color:#ef6c00} .info{border-color:#1565c0}
.id{font-family:monospace;color:#555} code{font-family:monospace}
svg text{font:12px monospace;fill:#222}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_ROW = 20
_LABEL = 110
_PLOT = 760
_DURATION = 110


def boot_page(result: dict[str, Any], traces: Sequence[Trace], steps: Waterfall | None) -> str:
    """The whole page as text: result, findings with their fix, waterfall, timeline, DHCP
    answers, links. `steps`: the boot's steps timed (None: no waterfall is drawn)."""
    title = _title(result)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _result_table(result),
        _findings(result.get("Findings") or []),
        "<h2>Waterfall</h2>",
        _waterfall_svg(steps) if steps is not None else "<p>No step timing was given.</p>",
        _dhcp_answers(result.get("DhcpAnswers") or []),
        _timeline(traces),
        _links(result),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _title(result: dict[str, Any]) -> str:
    phone = result.get("Phone") or {}
    who = phone.get("SignInAs", "?")
    model = phone.get("Model", "phone")
    return f"phonesim: {model} signing in as {who}: {result.get('Result', '?')}"


def _result_table(result: dict[str, Any]) -> str:
    outcome = str(result.get("Result"))
    rows = [
        ("Result", f'<b class="{escape(outcome)}">{escape(outcome)}</b>'),
        ("Reached" if result.get("Reached") else "Error", _text(result, "Reached", "Error")),
        ("Reason", escape(str(result.get("Reason") or ""))),
        ("Stage", escape(str(result.get("Stage") or ""))),
        ("Latency", escape(str(result.get("Latency") or ""))),
        ("TargetUri", escape(str(result.get("TargetUri") or ""))),
        ("TargetFqdn", escape(str(result.get("TargetFqdn") or ""))),
        ("Discovery", escape(str(result.get("DiscoverySource") or ""))),
        ("PhoneScreen", escape(str(result.get("PhoneScreen") or ""))),
        ("Phone", escape(_phone(result.get("Phone") or {}))),
    ]
    body = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows if value)
    return f'<table class="result">{body}</table>'


def _text(result: dict[str, Any], *names: str) -> str:
    for name in names:
        if result.get(name):
            return escape(str(result[name]))
    return ""


def _phone(phone: dict[str, Any]) -> str:
    keys = ("Profile", "Model", "Mac", "SignInAs", "UserAgent", "Seed", "PowerOn")
    return ", ".join(f"{key} {phone[key]}" for key in keys if phone.get(key) is not None)


def _findings(findings: Sequence[dict[str, Any]]) -> str:
    if not findings:
        return "<h2>Findings</h2><p>No findings: every step went as a healthy pool's does.</p>"
    blocks = ["<h2>Findings</h2>"]
    for finding in findings:
        severity = escape(str(finding.get("Severity", "info")))
        fixes = "".join(f"<li>{escape(str(fix))}</li>" for fix in finding.get("Remediation") or [])
        screen = finding.get("PhoneScreen")
        blocks.append(
            f'<div class="finding {severity}"><b>{severity.upper()}</b> '
            f"{escape(str(finding.get('Title', '')))} "
            f'<span class="id">[{escape(str(finding.get("Id", "")))}]</span>'
            f"<p>{escape(str(finding.get('Explanation', '')))}</p>"
            + (f"<p>phone shows: {escape(str(screen))}</p>" if screen else "")
            + (f"<p>fix</p><ul>{fixes}</ul>" if fixes else "")
            + f"<details><summary>evidence</summary><pre>"
            f"{escape(json.dumps(finding.get('Evidence') or {}, indent=1, default=str))}"
            "</pre></details></div>"
        )
    return "".join(blocks)


def _waterfall_svg(steps: Waterfall) -> str:
    bars = steps.bars
    if not bars:
        return "<p>No step of the boot began: nothing to draw.</p>"
    span = max([steps.total or 0.0, *(bar.end for bar in bars)]) or 1.0
    height = _ROW * (len(bars) + 1) + 4
    width = _LABEL + _PLOT + _DURATION
    rows = [_axis(span, height)]
    for index, bar in enumerate(bars):
        rows.append(_bar(index, bar, span))
    return (
        f'<svg class="waterfall" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="every step of the boot on its clock">{"".join(rows)}</svg>'
    )


def _axis(span: float, height: int) -> str:
    ticks = []
    for tenth in range(11):
        x = _LABEL + _PLOT * tenth / 10
        ticks.append(
            f'<line x1="{x:.1f}" y1="{_ROW - 4}" x2="{x:.1f}" y2="{height}" stroke="#e0e0e0"/>'
        )
        if tenth % 2 == 0:
            ticks.append(f'<text x="{x:.1f}" y="12">{_seconds(span * tenth / 10)}</text>')
    return "".join(ticks)


def _bar(index: int, bar: StepBar, span: float) -> str:
    y = _ROW * (index + 1)
    x = _LABEL + _PLOT * bar.start / span
    width = max(_PLOT * bar.seconds / span, 3.0)
    colour = BAR_COLOURS.get(bar.outcome, BAR_COLOURS["interrupted"])
    note = f" {bar.outcome}: {bar.note}" if bar.outcome != "ok" else ""
    tip = escape(f"{bar.step} from {_seconds(bar.start)} for {_seconds(bar.seconds)}{note}")
    return (
        f'<text x="4" y="{y + 13}">{escape(bar.step)}</text>'
        f'<rect class="bar {escape(bar.outcome)}" x="{x:.1f}" y="{y + 2}" width="{width:.1f}" '
        f'height="{_ROW - 5}" fill="{colour}"><title>{tip}</title></rect>'
        f'<text x="{_LABEL + _PLOT + 6}" y="{y + 13}">{_seconds(bar.seconds)}</text>'
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.3f} s"


def _dhcp_answers(answers: Sequence[dict[str, Any]]) -> str:
    head = "<h2>DHCP answers</h2>"
    if not answers:
        return head + "<p>No DHCP answer arrived (or the phone used its discovery cache).</p>"
    columns = (
        "Server",
        "From",
        "AfterInform",
        "MessageType",
        "SipServers",
        "SipServerEncoding",
        "WebUrl",
        "SplitOptions",
        "Problems",
        "SeenByPhone",
        "Used",
    )
    tables = []
    for number, answer in enumerate(answers, 1):
        rows = "".join(
            f"<tr><th>{name}</th><td>{_cell(answer.get(name))}</td></tr>" for name in columns
        )
        tables.append(f'<h3>Answer {number}</h3><table class="dhcp">{rows}</table>')
    return head + "".join(tables)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return escape(json.dumps(value, default=str)) if value else ""
    return escape(str(value))


def _timeline(traces: Sequence[Trace]) -> str:
    rows = "".join(
        f'<tr class="{escape(trace.level)}"><td class="t">{trace.t:.3f}s</td>'
        f"<td>{escape(trace.stage)}</td><td>{escape(describe(trace))}</td></tr>"
        for trace in traces
    )
    return f'<h2>Timeline</h2><table class="timeline">{rows}</table>'


def _links(result: dict[str, Any]) -> str:
    from pathlib import Path

    names = ["cpsw3g.log", "trace.jsonl", "result.json"]
    capture = result.get("Capture")
    items = [f'<li><a href="{name}">{name}</a></li>' for name in names]
    if capture:
        run = result.get("RunFolder")
        path = Path(str(capture))
        inside = run is not None and path.parent == Path(str(run))
        href = path.name if inside else path.resolve().as_uri()
        items.append(
            f'<li><a href="{escape(href)}">{escape(path.name)}</a> '
            f"({escape(str(result.get('CapturedPackets', '?')))} DHCP packets)</li>"
        )
    return f"<h2>Files of this run</h2><ul>{''.join(items)}</ul>"


__all__ = ["BAR_COLOURS", "REPORT", "boot_page"]
