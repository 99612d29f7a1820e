"""The readable timeline: each trace event as one line with its time since power-on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from phonesim.core.commands import Trace

_STYLE = {"info": "", "warning": "yellow", "error": "bold red"}
_STAGE_STYLE = {
    "boot": "white",
    "dhcp": "cyan",
    "dns": "blue",
    "discovery": "magenta",
    "time": "white",
    "rootchain": "green",
    "certprov": "green",
    "webticket": "green",
    "registrar": "bright_cyan",
}


def _join(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(str(v) for v in values) or "-"
    return "-" if values is None else str(values)


def describe(trace: Trace) -> str:
    """One sentence for an event; unknown events, or fields a sentence expects and an
    event lacks, fall back to the fields as they are: the timeline never stops a boot."""
    try:
        return _sentence(trace)
    except (KeyError, TypeError, ValueError, IndexError):
        return _fields_text(trace.fields) or trace.event


def _sentence(trace: Trace) -> str:
    f = trace.fields
    key = f"{trace.stage}.{trace.event}"
    if key == "boot.power_on":
        return f"power on: {f['model']} firmware {f['firmware']}, MAC {f['mac']}, address {f['address']}, domain {f['domain']}"
    if key == "dhcp.inform_sent":
        return (
            f"DHCPINFORM #{f['attempt']} xid {f['xid']} vendor class {f['vendor_class']}, "
            f"asking options {_join(f['requested'])}"
        )
    if key == "dhcp.answer":
        parts = [f"DHCPACK from {f['server']}"]
        o120 = f.get("option_120")
        parts.append(
            f"option 120 -> {_join(o120['servers'])} (encoding {o120['encoding']}"
            + (", final zero missing" if o120.get("missing_terminator") else "")
            + ")"
            if o120
            else "no option 120"
            + (f" ({f['option_120_error']})" if f.get("option_120_error") else "")
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
    if key == "dhcp.answer_won":
        return f"using the answer from {f['server']}: {f['why']}"
    if key in ("dhcp.answer_ignored", "dhcp.answer_not_ours"):
        return f"ignored answer from {f['server']}: {f.get('why', 'transaction id ' + str(f.get('xid')))}"
    if key == "dns.query":
        return f"DNS {f['type']} {f['name']}?"
    if key == "dns.answer":
        records = f.get("records") or f.get("addresses")
        return f"DNS {f['type']} {f['name']} -> {_join(records)}"
    if key == "dns.no_answer":
        return f"DNS {f['type']} {f['name']}: {f.get('error') or 'no answer'}"
    if key == "discovery.cache_used":
        return (
            f"discovery cache ({f['source']}, stored {_when(f.get('stored_at'))}): "
            f"{_join(f['web_url'])}, registrars {_join(f['registrars'])} - DHCPINFORM and DNS "
            "discovery skipped (--no-cache asks them)"
        )
    if key == "discovery.cache_ignored":
        return (
            f"discovery cache not used ({f['why']}); it holds ({f['source']}, stored "
            f"{_when(f.get('stored_at'))}): {_join(f['web_url'])}, registrars {_join(f['registrars'])}"
        )
    if key == "discovery.fresh_phone":
        return f"factory-fresh phone, no discovery cache ({f['why']})"
    if key == "discovery.cache_stored":
        held = f"({f['source']}): {_join(f['web_url'])}, registrars {_join(f['registrars'])}"
        if f.get("persisted", True):
            return f"discovery cache now holds {held}"
        return f"the phone would now cache {held}; not kept ({f.get('why') or 'nothing is stored'})"
    if key == "discovery.decided":
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
    if key == "dns.registrar_lookup_done":
        found = f.get("found")
        if not found:
            return "DNS registrar lookup: none found"
        return f"DNS registrar lookup: {_join(found)}" + (
            f" (from {f['source']})" if f.get("source") else ""
        )
    if key == "time.query":
        return f"SNTP query to {f['server']} ({f['address']}:{f['port']})"
    if key == "time.no_answer":
        return f"no time from {f['server']}: {f.get('error')}"
    if key == "time.synchronized":
        return f"clock set from {f['server']} (offset {f['offset']:+.3f} s)"
    if key == "rootchain.request":
        return f"GET {f['url']} (root chain, plain HTTP)"
    if key == "rootchain.received":
        return "root chain: " + "; ".join(
            f"{c['subject']} (until {c['not_after'][:10]})" for c in f["certificates"]
        )
    if key.endswith(".metadata_request"):
        return f"GET {f['url']}"
    if key == "certprov.metadata":
        return f"CertProvisioningService endpoint {f['auth_address']}, web tickets from {f['web_ticket_service']}"
    if key == "webticket.metadata":
        return f"PIN endpoint {f['pin_address']}"
    if key == "webticket.request":
        return f"web ticket for {f['username']} with PIN **** at {f['address']}"
    if key == "webticket.issued":
        return f"web ticket issued for {f['sip_uri']} (expires {f['expires']})"
    if key == "certprov.request":
        return f"GetAndPublishCert for {f['entity']} DeviceId {f['device_id']}"
    if key == "certprov.issued":
        return f"certificate issued: subject {f['subject']}, issuer {f['issuer']}, valid until {f['not_after'][:19]}"
    if key == "registrar.connect":
        return f"REGISTER to {f['registrar']} ({f['address']}, {f['transport']}) try {f['attempt']}/{f['of']}"
    if key == "registrar.challenge":
        offered = f.get("offered_schemes") or []
        return (
            f"{f['status']} {f['reason_phrase']}: {f['scheme']} challenge"
            + (f" (offered {_join(offered)})" if len(offered) > 1 else "")
            + f", sts-uri {f['sts_uri']}"
        )
    if key == "registrar.answer":
        offered = f.get("offered_schemes") or []
        return f"{f['status']} {f['reason_phrase']} from {f['registrar']}: no TLS-DSK challenge" + (
            f" (offered {_join(offered)})" if offered else ""
        )
    if key == "registrar.challenge_reached":
        return (
            f"reached the TLS-DSK challenge of {f['registrar']} for {f['sip_uri']}: phonesim "
            "stops here (no TLS-DSK handshake or REGISTER 200 OK yet, so not signed in)"
        )
    if key == "registrar.failed" and trace.level != "error":
        # One registrar attempt that failed; the boot's own end is the `failed` below.
        return f"registrar {f['registrar']} failed: {f['kind']} ({f['detail']})"
    if key == "dhcp.answer_malformed":
        return f"unreadable answer from {f['server']}: {f['error']}"
    if key == "dhcp.answer_without_fqdn":
        return (
            f"the answer from {f['server']} carries no FQDN (no option 120): waiting "
            f"{f['window']:g} s for one that does"
        )
    if key == "dhcp.gave_up":
        return f"no DHCP answer to {f['attempts']} DHCPINFORMs: carrying on with DNS"
    if key == "discovery.waiting_for_dns":
        return f"waiting for DNS: {f['why']}"
    if key == "discovery.cache_discarded":
        return (
            f"the cached servers failed at {f['failed_stage']} ({f['cause']}): "
            "forgetting them and asking DHCP and DNS again"
        )
    if key == "registrar.skipped":
        return f"registrar {f['registrar']} skipped: {f['why']}"
    if key == "time.unsynchronized":
        return "no time server answered: the phone keeps its own clock"
    if key == "dhcp.option_43_truncated_used":
        return f"option 43 is cut short: the phone uses {f['url']} as it arrived"
    if key == "dns.srv_target_rejected":
        return f"{f['name']} -> {f['target']} refused: {f['why']}"
    if trace.event == "stopped_as_asked":
        return _stopped(trace.stage, f)
    if trace.event == "failed":
        return f"{f['reason']}: {f['message']}"
    return _fields_text(f) or trace.event


def _fields_text(f: dict[str, Any]) -> str:
    fields = " ".join(f"{k}={v}" for k, v in f.items() if k not in ("note",))
    note = f.get("note")
    return (fields + (f" - {note}" if note else "")).strip()


def _stopped(stage: str, f: dict[str, Any]) -> str:
    text = f"stopped after {stage}, as asked: {_join(f.get('not_begun'))} not begun, nothing of them sent"
    if f.get("discovery_cache_used") and stage in ("dhcp", "discovery"):
        text += " (the discovery cache stood in for DHCP and DNS: no DHCPINFORM was sent)"
    known = []
    if f.get("web_url"):
        known.append(f"web services {f['web_url']}")
    if f.get("registrar"):
        known.append(f"registrars {f['registrar']}")
    if f.get("sip_uri"):
        known.append(f"SIP URI {f['sip_uri']}")
    return text + ("; " + ", ".join(known) if known else "")


def _when(unix: Any) -> str:
    if unix is None:
        return "at an unknown time"
    return datetime.fromtimestamp(float(unix), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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
        stage_style = _STAGE_STYLE.get(trace.stage, "white")
        text_style = _STYLE.get(trace.level, "")
        text = escape(text)
        self.console.print(
            f"[dim]{trace.t:8.3f}s[/dim] [{stage_style}]{trace.stage:<10}[/{stage_style}] "
            + (f"[{text_style}]{text}[/{text_style}]" if text_style else text),
            highlight=False,
            soft_wrap=True,
        )

    def print_result(self, result: dict[str, Any]) -> None:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        style = "bold green" if result["Result"] == "Success" else "bold red"
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
        source = result.get("DiscoverySource")
        if source is not None:
            table.add_row("Discovery", escape(_discovery_text(result)))
        if result.get("PhoneScreen"):
            table.add_row("PhoneScreen", escape(result["PhoneScreen"]))
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
