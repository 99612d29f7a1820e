"""Sessions and replays as plain JSON values, for `phonesim replay --json` and for scripts."""

from __future__ import annotations

from typing import Any

from phonesim.replay.answer_diff import ResendDiff
from phonesim.replay.bringup_summary import summarise_bringup
from phonesim.replay.live_resend import ResendPlan
from phonesim.replay.option_forensics import read_message_options
from phonesim.replay.phone_boots import PhoneBoot
from phonesim.replay.session_replayer import SessionReplay, outcome_summary
from phonesim.replay.sessions import DhcpSession, SessionMessage
from phonesim.report.trace_log import trace_to_json


def session_to_json(session: DhcpSession) -> dict[str, Any]:
    start = session.first_time
    vendor_class = session.vendor_class
    return {
        "session": session.number,
        "kind": session.kind,
        "xid": f"0x{session.xid:08x}",
        "client_mac": session.client_mac,
        "client_address": session.client_address,
        "vendor_class": vendor_class,
        "vlan_query": session.is_vlan_query,
        "start": start,
        "duration": round(session.last_time - start, 6),
        "interfaces": session.interfaces,
        "vlans": [list(stack) for stack in session.vlans],
        "servers": session.servers,
        "messages": [message_to_json(m, start, vendor_class) for m in session.messages],
        "messages_not_kept": session.dropped,
    }


def message_to_json(
    message: SessionMessage, start: float, vendor_class: str | None
) -> dict[str, Any]:
    decoded = message.message
    return {
        "t": round(message.time - start, 6),
        "type": message.type_name,
        "from_client": message.from_client,
        "source": message.source,
        "destination": message.destination,
        "server": None if message.from_client else message.server,
        "record": message.record,
        "offset": message.offset,
        "interface": message.interface,
        "vlans": list(message.vlans),
        "copies": message.copies,
        "ciaddr": decoded.ciaddr,
        "yiaddr": decoded.yiaddr,
        "giaddr": decoded.giaddr,
        "options": [reading.to_json() for reading in read_message_options(decoded, vendor_class)],
    }


def replay_to_json(replay: SessionReplay) -> dict[str, Any]:
    summary = outcome_summary(replay.outcome)
    decision = replay.decision
    return {
        "profile": replay.profile,
        "domain": replay.domain,
        "domain_source": replay.domain_source,
        "address": replay.address,
        "phone_xid": f"0x{replay.phone_xid:08x}",
        "outcome": summary,
        "decision": None if decision is None else dict(decision),
        "dns_fallback": replay.dns_fallback,
        "answers": [answer.to_json() for answer in replay.answers],
        "findings": replay.diagnosis().to_json(),
        "timeline": [trace_to_json(trace) for trace in replay.traces],
        **_boot_fields(replay),
    }


def _boot_fields(replay: SessionReplay) -> dict[str, Any]:
    """What only a boot's replay (or one given a cache) has; absent otherwise, so a lone
    INFORM session's line reads as it always has."""
    fields: dict[str, Any] = {}
    if replay.boot is not None:
        fields["boot_sessions"] = replay.sessions
        fields["bringup"] = summarise_bringup(replay.traces).to_json()
    if replay.cache_file is not None:
        fields["cache_file"] = replay.cache_file
    return fields


def boot_to_json(boot: PhoneBoot, session: DhcpSession) -> dict[str, Any]:
    """Which phone's boot a session is part of, and which part."""
    return {
        "client_mac": boot.client_mac,
        "part": boot.part_of(session),
        "sessions": [s.number for s in boot.sessions],
    }


RESEND_SAME = "same meaning"
RESEND_DIFFERS = "differs"
RESEND_UNANSWERED = "no live answer"


def resend_to_json(
    session: DhcpSession, plan: ResendPlan, sent_to: str, sent_from: str, diff: ResendDiff
) -> dict[str, Any]:
    """The `resend` line of `replay --resend --json`: what left, and each answer's diff."""
    return {
        "type": "resend",
        "session": session.number,
        "captured_xid": f"0x{session.xid:08x}",
        "captured_record": plan.captured.record,
        "sent_to": sent_to,
        "sent_from": sent_from,
        "xid": f"0x{plan.xid:08x}",
        "mac": plan.mac,
        "ciaddr": plan.ciaddr,
        **diff.to_json(),
    }


def resend_summary(
    capture: str, capture_format: str, session: DhcpSession, diff: ResendDiff
) -> dict[str, Any]:
    """The last line of `replay --resend --json`, shaped like the offline replay's summary."""
    if not diff.answered:
        result = RESEND_UNANSWERED
    else:
        result = RESEND_SAME if diff.matches else RESEND_DIFFERS
    return {
        "type": "summary",
        "capture": capture,
        "format": capture_format,
        "session": session.number,
        "captured_answers": len(session.answers),
        "live_answers": sum(1 for pair in diff.pairs if pair.live is not None),
        "answered": diff.answered,
        "matches": diff.matches,
        "result": result,
    }
