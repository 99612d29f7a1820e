"""Which received DHCP datagrams the phone looked at, read off its trace: an answer it
ignored for its message type was looked at; one it ignored because another answer had
already won came through its own `dhcp.answer` first."""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.core.commands import Trace
from phonesim.report.dhcp_answers import summarize_dhcp_answers


@dataclass(frozen=True)
class Datagram:
    at: float
    source: str
    payload: bytes


def seen(traces: list[Trace], *sources: str) -> list[bool]:
    answers = [Datagram(1.0, source, b"") for source in sources]
    return [
        e["SeenByPhone"] for e in summarize_dhcp_answers(answers, first_sent=0.0, traces=traces)
    ]


def test_an_answer_ignored_as_not_a_dhcpack_was_looked_at() -> None:
    traces = [
        Trace(
            0.1,
            "dhcp",
            "answer_ignored",
            {"server": "192.0.2.7:67", "message_type": 2, "why": "not a DHCPACK"},
        )
    ]
    assert seen(traces, "192.0.2.7:67", "192.0.2.8:67") == [True, False]


def test_an_answer_ignored_because_another_won_is_counted_once_by_its_answer() -> None:
    traces = [
        Trace(0.1, "dhcp", "answer", {"server": "192.0.2.7", "source": "192.0.2.7:67"}),
        Trace(0.1, "dhcp", "answer_won", {"server": "192.0.2.7"}),
        Trace(0.2, "dhcp", "answer", {"server": "192.0.2.8", "source": "192.0.2.8:67"}),
        Trace(
            0.2,
            "dhcp",
            "answer_ignored",
            {"server": "192.0.2.8", "why": "the answer from 192.0.2.7 with an FQDN already won"},
        ),
    ]
    assert seen(traces, "192.0.2.8:67", "192.0.2.8:67") == [True, False]


def test_unreadable_and_foreign_answers_name_their_source_as_server() -> None:
    traces = [
        Trace(
            0.1, "dhcp", "answer_malformed", {"server": "192.0.2.7:67", "error": "short"}, "warning"
        ),
        Trace(0.2, "dhcp", "answer_not_ours", {"server": "192.0.2.8:67", "xid": "0x1"}),
    ]
    assert seen(traces, "192.0.2.7:67", "192.0.2.8:67", "192.0.2.9:67") == [True, True, False]
