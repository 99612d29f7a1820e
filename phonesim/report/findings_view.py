"""Findings in the terminal: the root cause first, its evidence, and the fix."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from phonesim.diagnosis import Diagnosis, Finding

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


class FindingsPrinter:
    def __init__(self, console: Console) -> None:
        self.console = console

    def print(self, diagnosis: Diagnosis) -> None:
        if not diagnosis.findings:
            self.console.print(
                "[green]No findings: every step went as a healthy pool's does.[/green]"
            )
            return
        for number, finding in enumerate(diagnosis.findings, start=1):
            self.console.print(self._panel(number, finding))

    def _panel(self, number: int, finding: Finding) -> Panel:
        style = _STYLE.get(finding.severity, "")
        # The finding's title heads the panel's body, where it wraps: a panel's own title
        # is cut at the terminal's width (80 columns in a pipe), and what it cut was the
        # part a user needs (the home pool, the registrar, the count).
        parts: list[Any] = [Text(finding.title, style="bold"), Text(finding.explanation)]
        evidence = Table(show_header=False, box=None, pad_edge=False)
        evidence.add_column(style="dim", no_wrap=True)
        evidence.add_column(overflow="fold")
        for key, value in finding.evidence.items():
            if value is not None and value != []:
                evidence.add_row(key, escape(_value(value)))
        if evidence.row_count:
            parts += [Text("\nevidence", style="bold"), evidence]
        if finding.phone_screen:
            parts += [Text.assemble(("\nphone shows  ", "bold"), finding.phone_screen)]
        if finding.remediation:
            parts.append(Text("\nfix", style="bold"))
            parts += [Text(f"  - {step}") for step in finding.remediation]
        title = f"[{style}]{number}. {finding.severity.upper()}[/{style}]"
        return Panel(
            Group(*parts),
            title=title,
            title_align="left",
            subtitle=finding.id,
            subtitle_align="right",
        )
