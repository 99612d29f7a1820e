"""Which of a result's fields came through a step phonesim could only guess.

A lab run passes every step because the lab was built to answer phonesim's
requests; against a real pool some of those requests are phonesim's own
invention or inference ([U] in `protocol.md`; `fidelity.md` §2(g)). The
result says so field by field, and only where the guess was used in this
boot: a root chain supplied with `--trust-ca` was not requested, so it is not
a guess; a DeviceId never sent to the pool misleads nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.core.trace_schema import TraceEvent
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of
from phonesim.diagnosis.discovery_sources import web_derived
from phonesim.diagnosis.phone_screen import why_own_text

FIDELITY = "fidelity.md §2(g)"

ROOT_CHAIN_WHY = (
    "[U] the root chain request (GET …/rootchain answered with PKCS#7) is phonesim's "
    "invention, answered by the lab because it was built to; a real pool most likely "
    "answers 404. --trust-ca FILE skips it"
)
PIN_FORMAT_WHY = (
    "[U] how the number and PIN travel to WebTicketServicePin is not public; the profile's "
    "web.pin_format chose this variant"
)
DERIVED_WEB_WHY = (
    "[U] no usable option 43: the web services URL was derived from a registrar's name; "
    "the device is documented only to 'fail over to DNS'"
)
USER_AGENT_WHY = (
    "[U] no public sample of this firmware's User-Agent is known, and a registrar's "
    "client-version filter reads it"
)
DEVICE_ID_WHY = "[U] the DeviceId sent in GetAndPublishCert is phonesim's derivation from the MAC"

_READ = (
    ts.ROOTCHAIN_REQUEST,
    ts.DISCOVERY_DECIDED,
    ts.WEBTICKET_REQUEST,
    ts.CERTPROV_REQUEST,
    ts.CERTPROV_METADATA_REQUEST,
    ts.REGISTRAR_CONNECT,
)
_BY_KEY: dict[tuple[str, str], TraceEvent] = {(e.stage, e.name): e for e in _READ}
_SENT_USER_AGENT = (ts.ROOTCHAIN_REQUEST, ts.CERTPROV_METADATA_REQUEST, ts.REGISTRAR_CONNECT)
"""The first request of each step that carries the phone's User-Agent (HTTP or SIP)."""


def guessed_fields(
    traces: Iterable[Trace], result: Mapping[str, Any], user_agent: str
) -> dict[str, dict[str, Any]]:
    """The result's fields resting on a guess used in this boot: value, why, reference."""
    last: dict[TraceEvent, DeclaredFields] = {}
    for trace in traces:
        event = _BY_KEY.get((trace.stage, trace.event))
        if event is not None:
            last[event] = fields_of(event, trace)
    guessed: dict[str, dict[str, Any]] = {}
    requested = last.get(ts.ROOTCHAIN_REQUEST)
    if requested is not None:
        guessed["RootChain"] = _mark(requested.get("url"), ROOT_CHAIN_WHY, 1)
    ticket = last.get(ts.WEBTICKET_REQUEST)
    if ticket is not None:
        guessed["WebTicket.PinFormat"] = _mark(ticket.get("pin_format"), PIN_FORMAT_WHY, 2)
    decided = last.get(ts.DISCOVERY_DECIDED)
    if decided is not None and decided.get("web_url") and web_derived(decided.get("web_source")):
        guessed["TargetUri"] = _mark(decided.get("web_url"), DERIVED_WEB_WHY, 4)
    if any(event in last for event in _SENT_USER_AGENT):
        guessed["Phone.UserAgent"] = _mark(user_agent, USER_AGENT_WHY, 9)
    certificate = last.get(ts.CERTPROV_REQUEST)
    if certificate is not None:
        guessed["Phone.DeviceId"] = _mark(certificate.get("device_id"), DEVICE_ID_WHY, 9)
    screen = result.get("PhoneScreen")
    own = why_own_text(result.get("Stage"), result.get("Reason")) if screen else None
    if own is not None:
        guessed["PhoneScreen"] = _mark(screen, f"[U] {own}", 7)
    return guessed


def _mark(value: Any, why: str, item: int) -> dict[str, Any]:
    return {"Value": value, "Why": why, "See": f"{FIDELITY} {item}"}


def guessed_line(result: Mapping[str, Any]) -> str | None:
    """The human renderers' one line: which fields rest on guesses (None: none did)."""
    guessed = result.get("Guessed") or {}
    if not guessed:
        return None
    return ", ".join(guessed) + " ([U] phonesim's guesses; why: result.json Guessed)"


__all__ = ["guessed_fields", "guessed_line"]
