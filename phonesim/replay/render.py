"""`phonesim replay` in the terminal: each session, its decoded options, and the phone's decision."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.core.stage import Stage
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of, reads
from phonesim.replay.answer_diff import CAPTURED_ONLY, DIFFERS, LIVE_ONLY, SAME, ResendDiff
from phonesim.replay.boot_view import PART_WORDS, boot_named, print_bringup, print_cached_servers
from phonesim.replay.capture_skim import CaptureSkim
from phonesim.replay.live_resend import ResendPlan
from phonesim.replay.option_forensics import (
    ERROR,
    NOTE,
    OK,
    WARNING,
    OptionReading,
    read_message_options,
)
from phonesim.replay.phone_boots import PhoneBoot
from phonesim.replay.replay_notes import (
    DNS_FROM_CAPTURE,
    DNS_NOT_CAPTURED,
    INFORM_NOT_CAPTURED,
    NOT_ANSWERED,
    REPLAY_STAGE,
    STALLED,
    note_named,
)
from phonesim.replay.session_replayer import (
    AFTER_DECISION,
    IGNORED,
    PLACEHOLDER_DOMAIN,
    USED_WITHOUT_FQDN,
    WON,
    SessionReplay,
)
from phonesim.replay.sessions import DhcpSession, SessionMessage
from phonesim.report.findings_view import FindingsPrinter
from phonesim.report.timeline import TimelinePrinter

_FINDING_STYLE = {OK: "green", NOTE: "dim", WARNING: "yellow", ERROR: "bold red"}
_FINDING_MARK = {OK: "ok", NOTE: "note", WARNING: "warn", ERROR: "ERROR"}
_VERDICT_STYLE = {
    WON: "bold green",
    USED_WITHOUT_FQDN: "green",
    IGNORED: "yellow",
    AFTER_DECISION: "yellow",
}
_SKIPPED_IN_TIMELINE = (ts.stopped_as_asked(Stage.DISCOVERY), ts.stopped_as_asked(Stage.LEASE))
"""The replayed phone stops after discovery (or, in a boot the capture shows no INFORM of,
after its lease) because a replay goes no further, not as asked."""
_STATUS_STYLE = {
    SAME: "green",
    DIFFERS: "bold red",
    CAPTURED_ONLY: "bold red",
    LIVE_ONLY: "bold red",
}


class ReplayRenderer:
    def __init__(self, console: Console) -> None:
        self.console = console
        self._timeline = TimelinePrinter(console)

    # ------------------------------------------------------------ capture

    def capture_header(self, path: Path, skim: CaptureSkim) -> None:
        self.console.print(
            f"[bold]phonesim replay[/bold] {escape(str(path))} ({skim.format.kind})",
            highlight=False,
        )

    def capture_footer(self, skim: CaptureSkim, sessions: int) -> None:
        stats = skim.statistics
        self.console.print()
        self.console.print(
            f"[dim]{stats.records} frames read, {stats.dhcp_messages} DHCP messages "
            f"({stats.dhcp_server_messages} from servers) in "
            f"{sessions} session(s), {stats.dns_messages} DNS messages, "
            f"{len(skim.dns)} DNS answer(s) kept; "
            f"{escape('; '.join(skim.link_types()) or 'no interface')}[/dim]",
            highlight=False,
        )
        for linktype, count in sorted(stats.unsupported_link_types.items()):
            self.console.print(
                f"[yellow]{count} frame(s) of link type {linktype} not read "
                "(phonesim reads Ethernet, 802.1Q/QinQ, Linux SLL/SLL2 and raw IP)[/yellow]"
            )
        if stats.skipped.get("IP fragment"):
            self.console.print(
                f"[yellow]{stats.skipped['IP fragment']} IP fragment(s) of DHCP or DNS "
                "traffic not reassembled[/yellow]"
            )
        for note in stats.notes:
            self.console.print(
                f"[yellow]frame {note.record} at byte offset {note.offset}: "
                f"{escape(note.text)}[/yellow]",
                highlight=False,
            )
        if stats.notes_dropped:
            self.console.print(f"[yellow]... and {stats.notes_dropped} more such notes[/yellow]")

    # ------------------------------------------------------------ session

    def session(self, session: DhcpSession, boot: PhoneBoot | None = None) -> None:
        console = self.console
        when = datetime.fromtimestamp(session.first_time, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        kind = {"inform": "DHCPINFORM", "dora": "lease (DORA)"}.get(session.kind, session.kind)
        where = []
        if session.interfaces:
            where.append("interface " + ", ".join(session.interfaces))
        if session.vlans:
            where.append(
                "VLAN " + ", ".join(" in ".join(str(v) for v in stack) for stack in session.vlans)
            )
        address = session.client_address
        console.print()
        if boot is not None:
            role = f" · {PART_WORDS[boot.part_of(session)]} of {boot.client_mac}'s boot"
        else:
            role = " · VLAN query (CPE-OCPHONE)" if session.is_vlan_query else ""
        console.rule(f"[bold]Session {session.number}[/bold] · {kind}{role}", align="left")
        console.print(
            f"xid 0x{session.xid:08x} · client {session.client_mac}"
            + (f" ({address})" if address else "")
            + f" · vendor class {session.vendor_class or '-'} · {when} UTC"
            + ("" if not where else " · " + " · ".join(where)),
            highlight=False,
        )
        for message in session.messages:
            self._message(message, session)
        if session.dropped:
            console.print(f"[yellow]{session.dropped} further message(s) not kept[/yellow]")

    def _message(self, message: SessionMessage, session: DhcpSession) -> None:
        offset = message.time - session.first_time
        copies = (
            f" · {message.copies} copies ({', '.join((message.interface, *message.copy_interfaces))})"
            if message.copies > 1
            else ""
        )
        who = "client" if message.from_client else f"server {message.server}"
        self.console.print(
            f"  [dim]+{offset:9.6f}s[/dim] [bold]{message.type_name:<12}[/bold] "
            f"{message.source} → {message.destination} ({who}) "
            f"[dim]frame {message.record} @ byte {message.offset}{copies}[/dim]",
            highlight=False,
        )
        readings = read_message_options(message.message, session.vendor_class)
        if message.from_client:
            shown = [r for r in readings if r.code in (60, 55, 57, 61, 12)]
        else:
            shown = [r for r in readings if r.code != 53]
        if shown:
            self.console.print(self.options_table(shown), highlight=False)

    @staticmethod
    def options_table(readings: list[OptionReading]) -> Table:
        table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
        table.add_column(justify="right", style="dim", no_wrap=True, min_width=13)
        table.add_column(no_wrap=True, style="cyan")
        table.add_column(overflow="fold")
        for reading in readings:
            lines = [escape(reading.summary)]
            for finding in reading.findings:
                if finding.level == OK and finding.text.endswith(reading.summary):
                    continue
                style = _FINDING_STYLE[finding.level]
                lines.append(
                    f"[{style}]{_FINDING_MARK[finding.level]}: {escape(finding.text)}[/{style}]"
                )
            table.add_row(str(reading.code), reading.name, "\n".join(lines))
        return table

    # ------------------------------------------------------------- replay

    def not_replayed(self, why: str) -> None:
        self.console.print(f"  [dim]not replayed: {escape(why)}[/dim]")

    def replay(self, replay: SessionReplay, model: str) -> None:
        console = self.console
        console.print()
        boot = replay.boot
        what = "this session" if boot is None else boot_named(boot)
        console.print(
            f"  [bold]{escape(model)}[/bold] ({replay.profile}) on {escape(what)}, virtual clock; "
            f"domain {escape(replay.domain)} [dim]({escape(replay.domain_source)})[/dim]",
            highlight=False,
        )
        for trace in replay.traces:
            if any(skipped.matches(trace) for skipped in _SKIPPED_IN_TIMELINE):
                continue
            if trace.stage == REPLAY_STAGE:
                self._replay_note(trace)
            elif (reworded := self._reworded(trace, replay)) is not None:
                self._timeline.line(trace, reworded)
            else:
                self._timeline.print(trace)
                if self._timeline.reader_gone:
                    # The timeline printer keeps a boot going without its reader; a
                    # replay has nothing left to do for one.
                    raise BrokenPipeError
        console.print()
        if boot is not None:
            print_bringup(self.console, replay)
        console.print("  [bold]Answers[/bold]")
        if not replay.answers:
            console.print("    none in the capture")
        for answer in replay.answers:
            style = _VERDICT_STYLE.get(answer.verdict, "")
            verdict = answer.verdict.replace("_", " ")
            part = f"{PART_WORDS[answer.part]:<11} " if answer.part else ""
            console.print(
                f"    {part}{answer.server:<15} +{answer.t:.6f}s "
                + (f"[{style}]{verdict}[/{style}]" if style else verdict)
                + f": {escape(answer.why)}",
                highlight=False,
            )
        self.decision(replay)

    def decision(self, replay: SessionReplay) -> None:
        decision = replay.decision
        outcome = replay.outcome
        console = self.console
        console.print("  [bold]Decision[/bold]")
        if decision is not None:
            for line in _decision_lines(decision, replay):
                console.print(line, highlight=False)
        else:
            print_cached_servers(console, replay)
        fallback = "yes" if replay.dns_fallback else "no"
        console.print(f"    falls back to DNS: {fallback}", highlight=False)
        reason = getattr(outcome, "reason", None)
        if reason:
            console.print(
                f"    [bold red]{escape(reason)}[/bold red]: {escape(getattr(outcome, 'message', ''))}",
                highlight=False,
            )
        diagnosis = replay.diagnosis()
        if diagnosis.findings:
            console.print("  [bold]Findings[/bold]")
            FindingsPrinter(console).print(diagnosis)

    @staticmethod
    def _reworded(trace: Trace, replay: SessionReplay) -> str | None:
        """Events the shared timeline words for a live boot, said as they are true of a replay."""
        if ts.DNS_REGISTRAR_LOOKUP_DONE.matches(trace) and not _found(trace):
            return "DNS registrar lookup: none found (" + _dns_gap(replay, until=trace.t) + ")"
        return None

    def _replay_note(self, trace: Trace) -> None:
        note = note_named(trace.event)
        if note is DNS_FROM_CAPTURE:
            text = _from_capture(fields_of(DNS_FROM_CAPTURE, trace))
        elif note is DNS_NOT_CAPTURED:
            text = _not_captured(fields_of(DNS_NOT_CAPTURED, trace))
        elif note is not None:
            text = str(_why(fields_of(note, trace)) or trace.fields)
        else:
            text = str(trace.fields)
        style = "yellow" if trace.level == "warning" else "dim"
        self.console.print(
            f"[dim]{trace.t:8.3f}s[/dim] [{style}]{'replay':<10} {escape(text)}[/{style}]",
            highlight=False,
            soft_wrap=True,
        )

    # ------------------------------------------------------------- resend

    def resend_plan(self, plan: ResendPlan, server: tuple[str, int], session: int) -> None:
        self.console.print(
            f"re-sending the DHCPINFORM of session {session} to {server[0]}:{server[1]} "
            f"(xid 0x{plan.xid:08x}, MAC {plan.mac}, ciaddr {plan.ciaddr})",
            highlight=False,
        )

    def resend_diff(self, diff: ResendDiff) -> None:
        console = self.console
        if not diff.answered:
            console.print("[bold red]no live answer[/bold red]")
        for pair in diff.pairs:
            live = pair.live
            captured = pair.captured
            console.print()
            console.rule(
                f"captured {captured.server if captured else '-'} · live "
                f"{live.server if live else '-'}" + (f" (+{live.t * 1000:.1f} ms)" if live else ""),
                align="left",
            )
            console.print(f"[dim]paired by {escape(pair.paired_by)}[/dim]")
            if live is not None and live.error:
                console.print(f"[bold red]live answer unreadable: {escape(live.error)}[/bold red]")
            table = Table(box=None, padding=(0, 1), pad_edge=False)
            table.add_column("", justify="right", style="dim", no_wrap=True)
            table.add_column("option", style="cyan", no_wrap=True)
            table.add_column("captured", overflow="fold")
            table.add_column("live", overflow="fold")
            table.add_column("", no_wrap=True)
            for option in pair.options:
                style = _STATUS_STYLE.get(option.status, "yellow")
                table.add_row(
                    str(option.code),
                    option.name,
                    escape(option.captured.summary) if option.captured else "-",
                    escape(option.live.summary) if option.live else "-",
                    f"[{style}]{option.status}[/{style}]",
                )
            console.print(table)
        for missing in diff.unanswered:
            console.print(
                f"[dim]no live answer from {missing.server} (it answered in the capture)[/dim]"
            )
        console.print()
        if diff.matches:
            console.print(
                "[bold green]the live answer means the same as the captured one[/bold green]"
            )
        elif diff.answered:
            console.print("[bold red]the live answer differs from the captured one[/bold red]")


def _dns_gap(replay: SessionReplay, *, until: float | None = None) -> str:
    """What the capture says about the phone's DNS questions, for a registrar not found."""
    if replay.domain == PLACEHOLDER_DOMAIN:
        return "the phone's DNS domain is not in the capture; give it with --domain"
    if replay.boot is not None and not any(
        ts.DNS_QUERY.matches(t) and (until is None or t.t <= until) for t in replay.traces
    ):
        return "the phone had no DNS domain to search in yet"
    missing = [
        str(fields_of(DNS_NOT_CAPTURED, t).get("name"))
        for t in replay.traces
        if DNS_NOT_CAPTURED.matches(t) and (until is None or t.t <= until)
    ]
    # The update server's name (ucupdates-r2) is no registrar's: its absence explains nothing.
    updates = {
        str(fields_of(ts.DNS_UPDATE_SERVER, t).get("name"))
        for t in replay.traces
        if ts.DNS_UPDATE_SERVER.matches(t)
    }
    missing = [name for name in dict.fromkeys(missing) if name not in updates]
    if missing:
        return "the capture holds no DNS answer for " + ", ".join(missing)
    return "the captured DNS answers hold no registrar record"


def _found(trace: Trace) -> Any:
    return fields_of(ts.DNS_REGISTRAR_LOOKUP_DONE, trace).get("found")


@reads(ts.DISCOVERY_DECIDED)
def _decision_lines(decision: DeclaredFields, replay: SessionReplay) -> list[str]:
    lines = []
    web_url = decision.get("web_url")
    registrars = ", ".join(decision.get("registrars") or [])
    if web_url:
        lines.append(
            f"    web services {escape(str(web_url))} "
            f"[dim]({escape(str(decision.get('web_source')))})[/dim]"
        )
    else:
        lines.append(f"    web services not found: {escape(_why_no_web_services(replay))}")
    if registrars:
        lines.append(
            f"    registrars {escape(registrars)} "
            f"[dim]({escape(str(decision.get('registrar_source')))})[/dim]"
        )
    else:
        lines.append(f"    registrars not found: {escape(_why_no_registrars(replay))}")
    return lines


@reads(DNS_FROM_CAPTURE)
def _from_capture(f: DeclaredFields) -> str:
    latency = f.get("latency")
    return (
        f"answered from the capture: {f['type']} {f['name']} "
        f"(server {f['server']}"
        + (f", took {latency * 1000:.1f} ms" if latency is not None else "")
        + ")"
    )


@reads(DNS_NOT_CAPTURED)
def _not_captured(f: DeclaredFields) -> str:
    return f"{f['type']} {f['name']}: {f['why']}"


@reads(INFORM_NOT_CAPTURED, STALLED, NOT_ANSWERED, DNS_NOT_CAPTURED)
def _why(f: DeclaredFields) -> Any:
    return f.get("why")


def _dhcp_gap(replay: SessionReplay, option: str) -> str:
    if not replay.answers:
        return "the capture holds no DHCP answer to this DHCPINFORM"
    return f"no DHCP answer the phone used carries a usable {option}"


def _why_no_registrars(replay: SessionReplay) -> str:
    return f"{_dhcp_gap(replay, 'option 120')}, and {_dns_gap(replay)}"


def _why_no_web_services(replay: SessionReplay) -> str:
    return f"{_dhcp_gap(replay, 'option 43')}, and no registrar was found to derive them from"
