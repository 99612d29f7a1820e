"""Every DHCP server that answered the phone, side by side.

The phone acts on the first answer that carries an FQDN and ignores the rest;
an admin chasing "the phone found the wrong pool" needs the rest too: which
servers answered, how fast, and with what. The core traces what it saw while
listening; this summary covers every answer the transport received, including
those that came after the phone stopped listening.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from phonesim.codec.dhcp_message import DHCPACK, decode_dhcp_message
from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.discovery_sources import web_from_option_43
from phonesim.errors import PhonesimError

MESSAGE_TYPES = {
    1: "DHCPDISCOVER",
    2: "DHCPOFFER",
    3: "DHCPREQUEST",
    4: "DHCPDECLINE",
    5: "DHCPACK",
    6: "DHCPNAK",
    7: "DHCPRELEASE",
    8: "DHCPINFORM",
}


class ReceivedDatagram(Protocol):
    @property
    def at(self) -> float: ...
    @property
    def source(self) -> str: ...
    @property
    def payload(self) -> bytes: ...


def winning_server(traces: Iterable[Trace]) -> str | None:
    """The server whose answer the phone used.

    The last `dhcp.answer_won` of the boot; without one, the first answer that
    carried no FQDN, when the phone took its option 43 URL.
    """
    winner = without_fqdn = None
    took_option_43 = False
    for trace in traces:
        if ts.DHCP_ANSWER_WON.matches(trace):
            winner = str(fields_of(ts.DHCP_ANSWER_WON, trace).get("server"))
        elif ts.DHCP_ANSWER_WITHOUT_FQDN.matches(trace):
            without_fqdn = without_fqdn or str(
                fields_of(ts.DHCP_ANSWER_WITHOUT_FQDN, trace).get("server")
            )
        elif ts.DISCOVERY_DECIDED.matches(trace):
            decided = fields_of(ts.DISCOVERY_DECIDED, trace)
            took_option_43 = web_from_option_43(decided.get("web_source"))
    if winner is not None:
        return winner
    return without_fqdn if took_option_43 else None


def summarize_dhcp_answers(
    answers: Sequence[ReceivedDatagram], *, first_sent: float | None, traces: Sequence[Trace]
) -> list[dict[str, Any]]:
    """One entry per answer, in arrival order.

    `SeenByPhone` comes from the phone's own `dhcp.answer` traces (per source,
    in order): an answer can reach the phone's queue after it already
    decided, and then it was never looked at.
    """
    winner = winning_server(traces)
    seen = Counter(source for source in map(_looked_at, traces) if source is not None)
    entries = []
    for answer in answers:
        entry = _summarize(answer, first_sent, winner)
        entry["SeenByPhone"] = seen[answer.source] > 0
        seen[answer.source] -= 1
        entries.append(entry)
    return entries


def _looked_at(trace: Trace) -> str | None:
    """The datagram source of a trace recording that the phone looked at an answer."""
    if ts.DHCP_ANSWER.matches(trace):
        return str(fields_of(ts.DHCP_ANSWER, trace).get("source"))
    # Answers the phone could not use name the datagram's source as `server`.
    for unusable in (ts.DHCP_ANSWER_MALFORMED, ts.DHCP_ANSWER_NOT_OURS):
        if unusable.matches(trace):
            return str(fields_of(unusable, trace).get("server"))
    if ts.DHCP_ANSWER_IGNORED.matches(trace):
        ignored = fields_of(ts.DHCP_ANSWER_IGNORED, trace)
        # Ignored for its message type (not a DHCPACK), not because another answer won.
        if "message_type" in ignored:
            return str(ignored.get("server"))
    return None


def _summarize(
    answer: ReceivedDatagram, first_sent: float | None, winner: str | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Server": answer.source.rsplit(":", 1)[0],
        "From": answer.source,
        "AfterInform": None if first_sent is None else round(answer.at - first_sent, 4),
        "MessageType": None,
        "SipServers": None,
        "SipServerEncoding": None,
        "WebUrl": None,
        "SplitOptions": {},
        "Problems": [],
        "SeenByPhone": False,
        "Used": False,
    }
    problems: list[str] = entry["Problems"]
    try:
        message = decode_dhcp_message(answer.payload)
    except PhonesimError as error:
        problems.append(str(error))
        return entry
    server = message.server_id or answer.source
    entry["Server"] = server
    entry["Used"] = server == winner
    entry["MessageType"] = MESSAGE_TYPES.get(message.message_type or 0, message.message_type)
    entry["SplitOptions"] = {
        str(code): count for code, count in message.options.parts.items() if count > 1
    }
    if message.message_type != DHCPACK:
        problems.append("not a DHCPACK")
    try:
        sip = message.sip_server()
    except PhonesimError as error:
        problems.append(str(error))
    else:
        if sip is None:
            problems.append("no option 120")
        else:
            entry["SipServers"] = list(sip.servers)
            entry["SipServerEncoding"] = sip.encoding
    try:
        vendor = message.uc_client_vendor()
    except PhonesimError as error:
        problems.append(str(error))
    else:
        if vendor is None:
            problems.append("no option 43")
        else:
            entry["WebUrl"] = vendor.url
            if vendor.truncated is not None:
                problems.append(f"option 43 sub-option {vendor.truncated.code} truncated")
            elif vendor.port_as_integer is not None:
                problems.append(f"option 43 port is the integer {vendor.port_as_integer}, not text")
            elif vendor.missing:
                missing = ", ".join(str(code) for code in vendor.missing)
                problems.append(f"option 43 lacks sub-options {missing}")
    return entry


def render_dhcp_answers(console: Any, answers: Sequence[dict[str, Any]]) -> None:
    """The summary as a table on a rich console: one row per answer, the used one marked."""
    from rich.markup import escape
    from rich.table import Table

    if not answers:
        console.print("[yellow]no DHCP server answered[/yellow]")
        return
    table = Table(title="DHCP answers (every server that answered)", title_justify="left")
    for column in ("server", "after", "option 120", "option 43 URL", "notes"):
        table.add_column(column, overflow="fold")
    for entry in answers:
        notes = list(entry["Problems"])
        if entry["SplitOptions"]:
            parts = ", ".join(f"{code} in {n} parts" for code, n in entry["SplitOptions"].items())
            notes.append(f"split (RFC 3396): {parts}")
        if not entry["SeenByPhone"]:
            notes.append("after the phone stopped listening")
        after = entry["AfterInform"]
        sip = entry["SipServers"]
        table.add_row(
            escape(entry["Server"]) + (" [bold](used)[/bold]" if entry["Used"] else ""),
            "-" if after is None else f"{after * 1000:.1f} ms",
            "-" if sip is None else escape(", ".join(sip)) + f" (enc {entry['SipServerEncoding']})",
            escape(entry["WebUrl"] or "-"),
            escape("; ".join(notes)),
        )
    console.print(table)
