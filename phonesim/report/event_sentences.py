"""One sentence per trace event, for the timeline: what the phone did, in an admin's words.

Each sentence is kept beside the declaration of the event it says (a table
keyed by `core/trace_schema`), and reads the event's fields through that
declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.core.stage import Stage
from phonesim.core.trace_schema import TraceEvent
from phonesim.diagnosis.declared_fields import (
    DeclaredFields,
    fields_of,
    phone_declaration,
    reads,
)
from phonesim.report.bringup_sentences import BRINGUP_SENTENCES
from phonesim.report.hold_span import held_span

Sentence = Callable[[DeclaredFields], str]

SENTENCES: dict[TraceEvent, Sentence] = {}
"""The sentence of every declared event (a test holds the table to the declarations)."""


def says(*events: TraceEvent) -> Callable[[Sentence], Sentence]:
    """Registers the sentence for `events` (the reader test holds its fields to each)."""

    def register(sentence: Sentence) -> Sentence:
        for event in events:
            SENTENCES[event] = sentence
        return sentence

    return register


def describe(trace: Trace) -> str:
    """One sentence for an event; unknown events, or fields a sentence expects and an
    event lacks, fall back to the fields as they are: the timeline never stops a boot."""
    try:
        return _sentence(trace)
    except (KeyError, TypeError, ValueError, IndexError):
        return _fields_text(trace.fields) or trace.event


def _sentence(trace: Trace) -> str:
    event = phone_declaration(trace.stage, trace.event, trace.level)
    sentence = SENTENCES.get(event) if event is not None else None
    if event is not None and sentence is not None:
        return sentence(fields_of(event, trace))
    # An ending at a stage that does not declare one (an older run folder's) reads as the
    # declared endings do.
    if trace.event == _STOPPED.name:
        return _stopped(DeclaredFields(_STOPPED, trace.fields), trace.stage)
    if trace.event == _FAILED.name:
        return _failed(DeclaredFields(_FAILED, trace.fields))
    return _fields_text(trace.fields) or trace.event


def _join(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(str(v) for v in values) or "-"
    return "-" if values is None else str(values)


def _fields_text(f: Mapping[str, Any]) -> str:
    fields = " ".join(f"{k}={v}" for k, v in f.items() if k not in ("note",))
    note = f.get("note")
    return (fields + (f" - {note}" if note else "")).strip()


def _when(unix: Any) -> str:
    if unix is None:
        return "at an unknown time"
    return datetime.fromtimestamp(float(unix), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- power on, DHCP ----------------------------------------------------------------------


@says(ts.POWER_ON)
def _power_on(f: DeclaredFields) -> str:
    return (
        f"power on: {f['model']} firmware {f['firmware']}, MAC {f['mac']}, "
        f"address {f['address']}, domain {f['domain']}"
    )


@says(ts.DHCP_INFORM_SENT)
def _inform_sent(f: DeclaredFields) -> str:
    return (
        f"DHCPINFORM #{f['attempt']} xid {f['xid']} vendor class {f['vendor_class']}, "
        f"asking options {_join(f['requested'])}"
    )


@says(ts.DHCP_ANSWER)
def _dhcp_answer(f: DeclaredFields) -> str:
    parts = [f"DHCPACK from {f['server']}"]
    o120 = f.get("option_120")
    parts.append(
        f"option 120 -> {_join(o120['servers'])} (encoding {o120['encoding']}"
        + (", final zero missing" if o120.get("missing_terminator") else "")
        + ")"
        if o120
        else "no option 120" + (f" ({f['option_120_error']})" if f.get("option_120_error") else "")
    )
    o43 = f.get("option_43")
    if o43:
        url = o43.get("url") or "no usable URL"
        extra = ""
        if o43.get("truncated"):
            extra = f", sub-option {o43['truncated']['code']} truncated"
        elif o43.get("missing"):
            extra = f", sub-options missing {_join(o43['missing'])}"
        parts.append(f"option 43 -> {url}{extra}")
    else:
        parts.append(
            "no option 43" + (f" ({f['option_43_error']})" if f.get("option_43_error") else "")
        )
    return "; ".join(parts)


@says(ts.DHCP_ANSWER_WON)
def _answer_won(f: DeclaredFields) -> str:
    return f"using the answer from {f['server']}: {f['why']}"


@says(ts.DHCP_ANSWER_IGNORED)
def _answer_ignored(f: DeclaredFields) -> str:
    return f"ignored answer from {f['server']}: {f['why']}"


@says(ts.DHCP_ANSWER_NOT_OURS)
def _answer_not_ours(f: DeclaredFields) -> str:
    return f"ignored answer from {f['server']}: transaction id {f.get('xid')}"


@says(ts.DHCP_ANSWER_MALFORMED)
def _answer_malformed(f: DeclaredFields) -> str:
    return f"unreadable answer from {f['server']}: {f['error']}"


@says(ts.DHCP_ANSWER_WITHOUT_FQDN)
def _answer_without_fqdn(f: DeclaredFields) -> str:
    return (
        f"the answer from {f['server']} carries no FQDN (no option 120): waiting "
        f"{f['window']:g} s for one that does"
    )


@says(ts.DHCP_GAVE_UP)
def _gave_up(f: DeclaredFields) -> str:
    return f"no DHCP answer to {f['attempts']} DHCPINFORMs: carrying on with DNS"


@says(ts.DHCP_OPTION_43_TRUNCATED_USED)
def _option_43_truncated_used(f: DeclaredFields) -> str:
    return f"option 43 is cut short: the phone uses {f['url']} as it arrived"


# -- DNS ---------------------------------------------------------------------------------


@says(ts.DNS_QUERY)
def _dns_query(f: DeclaredFields) -> str:
    return f"DNS {f['type']} {f['name']}?"


@says(ts.DNS_ANSWER)
def _dns_answer(f: DeclaredFields) -> str:
    records = f.get("records") or f.get("addresses")
    return f"DNS {f['type']} {f['name']} -> {_join(records)}"


@says(ts.DNS_NO_ANSWER)
def _dns_no_answer(f: DeclaredFields) -> str:
    return f"DNS {f['type']} {f['name']}: {f.get('error') or 'no answer'}"


@says(ts.DNS_SRV_TARGET_REJECTED)
def _srv_target_rejected(f: DeclaredFields) -> str:
    return f"{f['name']} -> {f['target']} refused: {f['why']}"


@says(ts.DNS_UPDATE_SERVER)
def _update_server(f: DeclaredFields) -> str:
    addresses = f.get("addresses")
    if addresses:
        return f"update server {f['name']} -> {_join(addresses)}"
    return f"no update server {f['name']}: the phone goes on without updates"


@says(ts.DNS_REGISTRAR_LOOKUP_DONE)
def _registrar_lookup_done(f: DeclaredFields) -> str:
    found = f.get("found")
    if not found:
        return "DNS registrar lookup: none found"
    return f"DNS registrar lookup: {_join(found)}" + (
        f" (from {f['source']})" if f.get("source") else ""
    )


# -- discovery ---------------------------------------------------------------------------


@says(ts.DISCOVERY_CACHE_USED)
def _cache_used(f: DeclaredFields) -> str:
    held = (
        f"discovery cache ({f['source']}, stored {_when(f.get('stored_at'))}): "
        f"{_join(f['web_url'])}, registrars {_join(f['registrars'])}"
    )
    if "falling back" in str(f.get("note") or ""):
        return f"{held} - DHCP and DNS gave no servers, so the phone falls back to them"
    return f"{held} - DHCPINFORM and DNS discovery skipped (--no-cache asks them)"


@says(ts.WEBTICKET_SKIPPED)
def _webticket_skipped(f: DeclaredFields) -> str:
    return (
        f"no PIN asked: the certificate kept from the last sign-in ({f['sip_uri']}, valid "
        f"until {f['certificate_not_after']}) signs the phone in"
    )


@says(ts.WEBTICKET_CACHED_CERTIFICATE_REFUSED)
def _cached_certificate_refused(f: DeclaredFields) -> str:
    return (
        f"the kept certificate did not sign the phone in ({f['cause']}): signing in with "
        "the PIN again"
    )


@says(ts.WEBTICKET_CACHED_CERTIFICATE_EXPIRED)
def _cached_certificate_expired(f: DeclaredFields) -> str:
    return (
        f"the kept certificate of {f['sip_uri']} expired {f['certificate_not_after']} "
        f"(phone time {f['phone_time']}): signing in with the PIN again"
    )


@says(ts.DISCOVERY_CACHE_UNUSABLE)
def _cache_unusable(f: DeclaredFields) -> str:
    return f"discovery cache not used: {f['why']}; discovering as a phone without one"


@says(ts.DISCOVERY_CACHE_HELD)
def _cache_held(f: DeclaredFields) -> str:
    return (
        f"discovery cache ({f['source']}, stored {_when(f.get('stored_at'))}) held back: "
        f"registrars {_join(f['registrars'])}, used only if DHCP and DNS give nothing"
    )


@says(ts.DISCOVERY_CACHE_IGNORED)
def _cache_ignored(f: DeclaredFields) -> str:
    return (
        f"discovery cache not used ({f['why']}); it holds ({f['source']}, stored "
        f"{_when(f.get('stored_at'))}): {_join(f['web_url'])}, registrars {_join(f['registrars'])}"
    )


@says(ts.DISCOVERY_FRESH_PHONE)
def _fresh_phone(f: DeclaredFields) -> str:
    return f"factory-fresh phone, no discovery cache ({f['why']})"


@says(ts.DISCOVERY_CACHE_STORED)
def _cache_stored(f: DeclaredFields) -> str:
    held = f"({f['source']}): {_join(f['web_url'])}, registrars {_join(f['registrars'])}"
    if f.get("persisted", True):
        return f"discovery cache now holds {held}"
    return f"the phone would now cache {held}; not kept ({f.get('why') or 'nothing is stored'})"


@says(ts.DISCOVERY_CACHE_DISCARDED)
def _cache_discarded(f: DeclaredFields) -> str:
    return (
        f"the cached servers failed at {f['failed_stage']} ({f['cause']}): "
        "forgetting them and asking DHCP and DNS again"
    )


@says(ts.DISCOVERY_WAITING_FOR_DNS)
def _waiting_for_dns(f: DeclaredFields) -> str:
    return f"waiting for DNS: {f['why']}"


@says(ts.DISCOVERY_DECIDED)
def _decided(f: DeclaredFields) -> str:
    web = (
        f"web services {f['web_url']} ({f['web_source']})"
        if f.get("web_url")
        else "web services not found"
    )
    registrars = (
        f"registrars {_join(f['registrars'])} ({f['registrar_source']})"
        if f.get("registrars")
        else "registrars not found"
    )
    return f"{web}; {registrars}"


# -- time, root chain ---------------------------------------------------------------------


@says(ts.TIME_QUERY)
def _time_query(f: DeclaredFields) -> str:
    return f"SNTP query to {f['server']} ({f['address']}:{f['port']})"


@says(ts.TIME_NO_ANSWER)
def _time_no_answer(f: DeclaredFields) -> str:
    return f"no time from {f['server']}: {f.get('error')}"


@says(ts.TIME_SYNCHRONIZED)
def _synchronized(f: DeclaredFields) -> str:
    clock = f.get("clock")
    to = f" to {clock}" if clock else ""
    return f"clock set from {f['server']}{to} (offset {f['offset']:+.3f} s)"


@says(ts.TIME_UNSYNCHRONIZED)
def _unsynchronized(f: DeclaredFields) -> str:
    clock = f.get("clock")
    kept = f" at {clock}" if clock else ""
    return f"no time server answered: the phone keeps its own clock{kept}"


@says(ts.ROOTCHAIN_REQUEST)
def _rootchain_request(f: DeclaredFields) -> str:
    return f"GET {f['url']} (root chain, plain HTTP)"


@says(ts.ROOTCHAIN_RECEIVED)
def _rootchain_received(f: DeclaredFields) -> str:
    return "root chain: " + "; ".join(
        f"{c['subject']} (until {c['not_after'][:10]})" for c in f["certificates"]
    )


@says(ts.ROOTCHAIN_SUPPLIED)
def _rootchain_supplied(f: DeclaredFields) -> str:
    return f"root chain not fetched: supplied by --trust-ca {f['source']}: " + "; ".join(
        f"{c['subject']} (until {c['not_after'][:10]})" for c in f["certificates"]
    )


# -- web ticket and certificate ------------------------------------------------------------


@says(ts.CERTPROV_METADATA_REQUEST, ts.WEBTICKET_METADATA_REQUEST)
def _metadata_request(f: DeclaredFields) -> str:
    return f"GET {f['url']}"


@says(ts.CERTPROV_METADATA)
def _certprov_metadata(f: DeclaredFields) -> str:
    return (
        f"CertProvisioningService endpoint {f['auth_address']}, web tickets from "
        f"{f['web_ticket_service']}"
    )


@says(ts.WEBTICKET_METADATA)
def _webticket_metadata(f: DeclaredFields) -> str:
    return f"PIN endpoint {f['pin_address']}"


@says(ts.WEBTICKET_REQUEST)
def _webticket_request(f: DeclaredFields) -> str:
    return f"web ticket for {f['username']} with PIN **** at {f['address']}"


@says(ts.WEBTICKET_ISSUED)
def _webticket_issued(f: DeclaredFields) -> str:
    return f"web ticket issued for {f['sip_uri']} (expires {f['expires']})"


@says(ts.CERTPROV_REQUEST)
def _certprov_request(f: DeclaredFields) -> str:
    return f"GetAndPublishCert for {f['entity']} DeviceId {f['device_id']}"


@says(ts.CERTPROV_ISSUED)
def _certprov_issued(f: DeclaredFields) -> str:
    return (
        f"certificate issued: subject {f['subject']}, issuer {f['issuer']}, "
        f"valid until {f['not_after'][:19]}"
    )


# -- registrar ------------------------------------------------------------------------------


@says(ts.REGISTRAR_CONNECT)
def _registrar_connect(f: DeclaredFields) -> str:
    return (
        f"REGISTER to {f['registrar']} ({f['address']}, {f['transport']}) "
        f"try {f['attempt']}/{f['of']}"
    )


@says(ts.REGISTRAR_SKIPPED)
def _registrar_skipped(f: DeclaredFields) -> str:
    return f"registrar {f['registrar']} skipped: {f['why']}"


@says(ts.REGISTRAR_POOL_SUFFIX_MISMATCH)
def _registrar_pool_suffix_mismatch(f: DeclaredFields) -> str:
    return f"registrar {f['registrar']} not tried: {f['why']} (the SIP URI is {f['sip_uri']})"


@says(ts.REGISTRAR_CHALLENGE)
def _registrar_challenge(f: DeclaredFields) -> str:
    offered = f.get("offered_schemes") or []
    return (
        f"{f['status']} {f['reason_phrase']}: {f['scheme']} challenge"
        + (f" (offered {_join(offered)})" if len(offered) > 1 else "")
        + f", sts-uri {f['sts_uri']}"
    )


@says(ts.REGISTRAR_ANSWER)
def _registrar_answer(f: DeclaredFields) -> str:
    offered = f.get("offered_schemes") or []
    text = f"{f['status']} {f['reason_phrase']} from {f['registrar']}: no TLS-DSK challenge" + (
        f" (offered {_join(offered)})" if offered else ""
    )
    if f.get("error_id") is not None:
        text += f'; ms-diagnostics {f["error_id"]} "{f.get("server_reason")}"'
    if f.get("retry_after") is not None:
        text += f"; Retry-After {f['retry_after']} s"
    return text


@says(ts.REGISTRAR_ATTEMPT_FAILED)
def _registrar_attempt_failed(f: DeclaredFields) -> str:
    # One registrar attempt that failed; the boot's own end is a `failed` of level error.
    return f"registrar {f['registrar']} failed: {f['kind']} ({f['detail']})"


@says(ts.REGISTRAR_CHALLENGE_REACHED)
def _challenge_reached(f: DeclaredFields) -> str:
    return (
        f"reached the TLS-DSK challenge of {f['registrar']} for {f['sip_uri']}: stopped "
        "here as asked (no TLS-DSK handshake or REGISTER 200 OK, so not signed in)"
    )


@says(ts.TLSDSK_HANDSHAKE_ROUND)
def _handshake_round(f: DeclaredFields) -> str:
    return (
        f"TLS-DSK handshake round {f['round']}: REGISTER (CSeq {f['cseq']}) "
        f"carrying the phone's TLS flight to {f['registrar']}"
    )


@says(ts.TLSDSK_HANDSHAKE_COMPLETE)
def _handshake_complete(f: DeclaredFields) -> str:
    return (
        f"TLS-DSK handshake complete after {f['rounds']} rounds "
        f"({f['version']}, {f['cipher']}): REGISTER signed with the phone's key"
    )


@says(ts.TLSDSK_REGISTERED)
def _registered(f: DeclaredFields) -> str:
    gruu = f" as {f['gruu']}" if f.get("gruu") else ""
    return (
        f"{f['status']} OK from {f['registrar']}, server signature verified: registered{gruu} "
        f"for {f['expires']} s (keep-alive every {f['keep_alive']:g} s, security association "
        f"until {f['sa_expires']})"
    )


@says(ts.TLSDSK_REDIRECTED)
def _redirected(f: DeclaredFields) -> str:
    return (
        f"{f['status']} from {f['registrar']}, server signature verified: redirected to "
        f"{f['to']} ({f['transport']}, redirect {f['hop']}); signing in there afresh"
    )


@says(ts.TLSDSK_SIGNED_IN)
def _signed_in(f: DeclaredFields) -> str:
    return f"signed in to {f['registrar']} as {f['sip_uri']}"


@says(ts.PROVISIONING_REQUESTED)
def _provisioning_requested(f: DeclaredFields) -> str:
    return f"in-band provisioning asked of {f['registrar']}: {', '.join(f['groups'])}"


@says(ts.PROVISIONING_RECEIVED)
def _provisioning_received(f: DeclaredFields) -> str:
    backup = f", backup {f['backup_pool']}" if f.get("backup_pool") else ""
    relay = f", media relay {f['mras_uri']}" if f.get("mras_uri") else ", no media relay"
    return (
        f"provisioned ({len(f['groups'])} groups, signature verified): pool "
        f"{f.get('pool') or 'not given'}{backup}{relay}, location profile "
        f"{f.get('location_profile') or 'none'}"
    )


@says(ts.SUBSCRIPTION_SENT)
def _subscription_sent(f: DeclaredFields) -> str:
    return f"SUBSCRIBE {f['event']} (Expires {f['expires']})"


@says(ts.SUBSCRIPTION_ANSWERED)
def _subscription_answered(f: DeclaredFields) -> str:
    return f"{f['status']} to SUBSCRIBE {f['event']}: subscribed for {f['expires']} s"


@says(ts.SUBSCRIPTION_REFUSED)
def _subscription_refused(f: DeclaredFields) -> str:
    return f"SUBSCRIBE {f['event']} refused ({f['why']}); signed in without it"


@says(ts.SUBSCRIPTION_SKIPPED)
def _subscription_skipped(f: DeclaredFields) -> str:
    return f"SUBSCRIBE {f['event']} not sent: {f['why']}"


@says(ts.PROVISIONING_SIGNED_IN)
def _provisioned_signed_in(f: DeclaredFields) -> str:
    return f"signed in to {f['registrar']} as {f['sip_uri']}, provisioned"


@says(ts.HELD_BEGAN)
def _held_began(f: DeclaredFields) -> str:
    return (
        f"held registered for {f['hold']:g} s: refresh at {f['next_refresh']}, keep-alive "
        f"every {f['keep_alive']:g} s, new security association at {f['sa_renew']}"
    )


_REREGISTERING = {
    "refresh": "re-REGISTER before Expires",
    "new_association": "REGISTER for a new security association",
    "sign_out": "REGISTER with Expires 0 (signing out)",
}


@says(ts.HELD_REREGISTERING)
def _held_reregistering(f: DeclaredFields) -> str:
    return f"{_REREGISTERING.get(str(f['why']), str(f['why']))} sent to {f['registrar']}"


@says(ts.HELD_REFRESHED)
def _held_refreshed(f: DeclaredFields) -> str:
    return (
        f"re-REGISTER #{f['refreshes']} answered 200, signature verified: registered for "
        f"{f['expires']} s more ({f['keep_alives']} keep-alives so far; next at "
        f"{f['next_refresh']})"
    )


@says(ts.HELD_REHANDSHAKED)
def _held_rehandshaked(f: DeclaredFields) -> str:
    why = {
        "association_ending": " before the old one ended",
        "registrar_forgot": ": the registrar had ended the old one (a refresh answered 401)",
    }.get(f.get("cause") or "", "")
    return (
        f"new security association (handshake #{f['handshakes']}) and 200 OK from "
        f"{f['registrar']}{why}: valid until {f['sa_expires']}"
    )


@says(ts.HELD_RESUBSCRIBED)
def _held_resubscribed(f: DeclaredFields) -> str:
    return f"SUBSCRIBE {f['event']} renewed: {f['status']}"


@says(ts.HELD_SIGNED_OUT)
def _held_signed_out(f: DeclaredFields) -> str:
    out = "signed out (REGISTER Expires 0 answered 200)" if f["signed_out"] else "not signed out"
    return (
        f"held {held_span(f)}: {f['refreshes']} refreshes, {f['keep_alives']} keep-alives, "
        f"{f['rehandshakes']} new security associations, {f['resubscriptions']} renewed "
        f"subscriptions; {out}"
    )


@says(ts.BOOT_EVENT_IGNORED)
def _event_ignored(f: DeclaredFields) -> str:
    return f"ignored {f['about']} ({f['event']}): {f['why']}"


# -- how a boot ends --------------------------------------------------------------------------

_STOPPED = ts.stopped_as_asked(Stage.DHCP)
"""Any stage's: every `stopped_as_asked` carries the same fields."""
_FAILED = ts.failed(Stage.DHCP)
"""Any stage's: every `failed` carries the same fields."""


@reads(*ts.STOPPED.values())
def _stopped(f: DeclaredFields, stage: str) -> str:
    text = (
        f"stopped after {stage}, as asked: {_join(f.get('not_begun'))} not begun, "
        "nothing of them sent"
    )
    if f.get("discovery_cache_used") and stage in (Stage.DHCP, Stage.DISCOVERY):
        text += " (the discovery cache stood in for DHCP and DNS: no DHCPINFORM was sent)"
    known = []
    if f.get("web_url"):
        known.append(f"web services {f['web_url']}")
    if f.get("registrar"):
        known.append(f"registrars {f['registrar']}")
    if f.get("sip_uri"):
        known.append(f"SIP URI {f['sip_uri']}")
    return text + ("; " + ", ".join(known) if known else "")


@says(*ts.FAILED.values())
def _failed(f: DeclaredFields) -> str:
    return f"{f['reason']}: {f['message']}"


def _stopped_at(stage: Stage) -> Sentence:
    return lambda f: _stopped(f, stage)


for _stage, _event in ts.STOPPED.items():
    SENTENCES[_event] = _stopped_at(_stage)


SENTENCES.update(BRINGUP_SENTENCES)

__all__ = ["SENTENCES", "describe"]
