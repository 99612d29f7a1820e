"""The readable timeline: each trace event as one line with its time since power-on."""

from __future__ import annotations

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
    """One sentence for an event; unknown events fall back to their fields."""
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
        return f"discovery cache ({f['source']}): {f['web_url']}, registrars {_join(f['registrars'])} - {f['note']}"
    if key == "discovery.cache_stored":
        return (
            f"discovery cache now holds ({f['source']}): {f['web_url']}, {_join(f['registrars'])}"
        )
    if key == "discovery.decided":
        return (
            f"web services {f['web_url']} ({f['web_source']}); "
            f"registrars {_join(f['registrars'])} ({f['registrar_source']})"
        )
    if key == "dns.registrar_lookup_done":
        found = f.get("found")
        return f"DNS registrar lookup: {_join(found)}" + (
            f" (from {f['source']})" if found else " - none found"
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
        return (
            f"{f['status']} {f['reason_phrase']}: {f['scheme']} challenge, sts-uri {f['sts_uri']}"
        )
    if key == "registrar.failed":
        return f"registrar {f['registrar']} failed: {f['kind']} ({f['detail']})"
    if key == "dhcp.option_43_truncated_used":
        return f"option 43 is cut short: the phone uses {f['url']} as it arrived"
    if key == "dns.srv_target_rejected":
        return f"{f['name']} -> {f['target']} refused: {f['why']}"
    if trace.event == "signed_in":
        return f"signed in as {f['sip_uri']} at {f['registrar']}"
    if trace.event == "failed":
        return f"{f['reason']}: {f['message']}"
    fields = " ".join(f"{k}={v}" for k, v in f.items() if k not in ("note",))
    note = f.get("note")
    return (fields + (f" - {note}" if note else "")).strip() or trace.event


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
        stage_style = _STAGE_STYLE.get(trace.stage, "white")
        text_style = _STYLE.get(trace.level, "")
        text = escape(describe(trace))
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
        for key in ("TargetUri", "TargetFqdn", "Result", "Latency", "Error", "Diagnosis"):
            value = result.get(key)
            shown = "" if value is None else str(value)
            table.add_row(
                key, f"[{style}]{escape(shown)}[/{style}]" if key == "Result" else escape(shown)
            )
        if result.get("PhoneScreen"):
            table.add_row("PhoneScreen", escape(result["PhoneScreen"]))
        self.console.print()
        self.console.print(table)
