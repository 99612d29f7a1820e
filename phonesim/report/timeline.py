"""The readable timeline: each trace event as one line with its time since power-on
(the sentences are `event_sentences.describe`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from phonesim.core.commands import Trace
from phonesim.core.stage import Stage
from phonesim.report.event_sentences import describe
from phonesim.report.guessed_fields import guessed_line
from phonesim.report.hold_span import held_span

_STYLE = {"info": "", "warning": "yellow", "error": "bold red"}
STAGE_COLUMN = max(len(str(stage)) for stage in Stage)
"""Wide enough for the longest stage name (`provisioning`): every sentence starts in line."""
STAGE_STYLE: dict[str, str] = {
    Stage.BOOT: "white",
    Stage.LLDP: "bright_blue",
    Stage.VLAN: "bright_blue",
    Stage.LEASE: "cyan",
    Stage.DHCP: "cyan",
    Stage.DNS: "blue",
    Stage.DISCOVERY: "magenta",
    Stage.TIME: "white",
    Stage.ROOTCHAIN: "green",
    Stage.CERTPROV: "green",
    Stage.WEBTICKET: "green",
    Stage.REGISTRAR: "bright_cyan",
    Stage.TLSDSK: "bright_green",
    Stage.PROVISIONING: "bright_green",
    Stage.HELD: "green",
}


class TimelinePrinter:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.reader_gone = False
        """The terminal's reader went away (`phonesim boot | head`); the boot goes on."""

    def print(self, trace: Trace) -> None:
        if self.reader_gone:
            return
        try:
            self._print(trace)
        except (BrokenPipeError, SystemExit):
            # rich turns a broken pipe into SystemExit; the boot must still finish and
            # write its run folder.
            self.reader_gone = True

    def _print(self, trace: Trace) -> None:
        self.line(trace, describe(trace))

    def line(self, trace: Trace, text: str) -> None:
        """One timeline line for `trace`, worded by the caller (a replay says some
        events its own way) and laid out as every other line."""
        stage_style = STAGE_STYLE.get(trace.stage, "white")
        text_style = _STYLE.get(trace.level, "")
        text = escape(text)
        self.console.print(
            f"[dim]{trace.t:8.3f}s[/dim] [{stage_style}]{trace.stage:<{STAGE_COLUMN}}[/{stage_style}] "
            + (f"[{text_style}]{text}[/{text_style}]" if text_style else text),
            highlight=False,
            soft_wrap=True,
        )

    def print_result(self, result: dict[str, Any]) -> None:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        style = "bold green" if result.get("Result") == "Success" else "bold red"
        for key in (
            "TargetUri",
            "TargetFqdn",
            "Result",
            "Reached",
            "Latency",
            "Error",
            "Diagnosis",
        ):
            value = result.get(key)
            if value is None or value == "":
                continue  # a row with nothing in it says nothing
            shown = str(value)
            table.add_row(
                key, f"[{style}]{escape(shown)}[/{style}]" if key == "Result" else escape(shown)
            )
        held = result.get("Held")
        if held:
            # The sign-in's Latency leaves the hold out: this row is the hold.
            signed_out = "signed out" if held.get("signed_out") else "not signed out"
            cut = " (exit code 130)" if held.get("cut_short_by") else ""
            table.add_row("Held", escape(f"{held_span(held)}, then {signed_out}{cut}"))
        source = result.get("DiscoverySource")
        if source is not None:
            table.add_row("Discovery", escape(_discovery_text(result)))
        if result.get("PhoneScreen"):
            table.add_row("PhoneScreen", escape(result["PhoneScreen"]))
        guessed = guessed_line(result)
        if guessed is not None:
            table.add_row("Guessed", escape(guessed))
        self.console.print()
        self.console.print(table)


def _discovery_text(result: dict[str, Any]) -> str:
    source = result["DiscoverySource"]
    cache = result.get("DiscoveryCache") or {}
    held = cache.get("Held")
    if source == "cache" and held:
        return (
            f"discovery cache ({held['Source']}, stored {held['StoredAt']}); DHCP and DNS not asked"
        )
    names = {"dhcp": "DHCP", "dns": "DNS", "dhcp+dns": "DHCP and DNS", "none": "nothing found"}
    text = names.get(str(source), str(source))
    if cache.get("Discarded"):
        text += " (the cached servers failed; discovered afresh)"
    elif cache.get("NotReadBecause") and held:
        text += f" (discovery cache not used: {cache['NotReadBecause']})"
    return text


__all__ = ["STAGE_STYLE", "TimelinePrinter", "describe"]
