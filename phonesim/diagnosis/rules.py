"""The diagnosis rules: each looks at one kind of evidence in a boot record.

A rule returns a finding or nothing. Its severity depends on what the boot
came to: the same missing option is an error when the sign-in failed because
of it, and a warning when something else covered for it. Rules never repeat a
consequence as a finding of its own: a 404 caused by a truncated option 43 is
evidence of `option43.truncated`, not a second finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phonesim.codec.hex_text import dhcputil_hex
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.diagnosis.boot_record import BootRecord, Step
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import LOCATING_FAILED, screen_for

Rule = Callable[[BootRecord], Finding | None]

CISCO_OPTION_43_BYTES = 90
"""Cisco IOS keeps 180 hex characters of `option 43 hex` (protocol.md §2)."""

DHCP_CONFIG_HINT = "`phonesim dhcp-config --sip-server <pool FQDN> --web-server <web FQDN>` prints the values for each DHCP server"

# Failures that follow from a web services URL the phone had to guess or got wrong.
_URL_FAILURES = ("discovery.no_web_services", "rootchain.", "certprov.")


def _failed(record: BootRecord, *prefixes: str) -> bool:
    reason = record.reason
    return reason is not None and reason.startswith(prefixes)


def _at(step: Step | None) -> dict[str, Any]:
    """Where in the boot the evidence was seen."""
    return {} if step is None else {"t": step.t}


def _failed_url(record: BootRecord) -> str | None:
    failure = record.failure
    return None if failure is None else failure.fields.get("url")


def _severity(explains: bool) -> str:
    return "error" if explains else "warning"


# -- DHCP ---------------------------------------------------------------------------


def dhcp_no_answer(record: BootRecord) -> Finding | None:
    gave_up = record.first("dhcp.gave_up")
    if gave_up is None or record.first("dhcp.answer") is not None:
        return None
    informs = record.all("dhcp.inform_sent")
    explains = record.failure is not None and (
        _failed(record, *_URL_FAILURES)
        # A DHCP-only boot (--stop-after dhcp, a DHCP storm) that got no answer.
        or record.reason in ("registrar.none_found", "discovery.no_servers", "dhcp.timeout")
    )
    return Finding(
        id="dhcp.no_answer",
        severity=_severity(explains),
        title="No DHCP server answered the DHCPINFORM",
        explanation=(
            f"The phone sent {len(informs)} DHCPINFORMs with vendor class "
            f"{informs[0].fields.get('vendor_class') if informs else 'MS-UC-Client'} over "
            f"{gave_up.t:.0f} s and got no DHCPACK, so it had neither option 43 (the "
            "certificate service URL) nor option 120 (the registrar) and fell back to DNS."
        ),
        evidence={
            "informs_sent": len(informs),
            "xid": informs[0].fields.get("xid") if informs else None,
            "gave_up_after_seconds": gave_up.t,
            "web_url_used": record.decided.fields.get("web_url") if record.decided else None,
        },
        remediation=(
            "Give the phone's subnet a DHCP server that answers DHCPINFORM from vendor class "
            "MS-UC-Client with options 43 and 120 (" + DHCP_CONFIG_HINT + ").",
            "Where no DHCP server can carry them, enable Communications Server DHCP: "
            "Set-CsRegistrarConfiguration -EnableDHCPServer $true.",
            "A DHCPINFORM is broadcast: on a routed VLAN the router needs a DHCP relay "
            "(ip helper-address) pointing at that server.",
        ),
        phone_screen=LOCATING_FAILED if explains else None,
        priority=20,
    )


def dhcp_slow_answer(record: BootRecord) -> Finding | None:
    answer = record.first("dhcp.answer")
    informs = record.all("dhcp.inform_sent")
    if answer is None or not informs:
        return None
    sent_before = [inform for inform in informs if inform.t <= answer.t]
    if len(sent_before) < 2:
        return None
    return Finding(
        id="dhcp.slow_answer",
        severity="warning",
        title=f"DHCP answered only the DHCPINFORM's try {len(sent_before)}",
        explanation=(
            f"The first DHCPACK came {answer.t - informs[0].t:.1f} s after the first "
            f"DHCPINFORM, after {len(sent_before) - 1} retransmission(s): every phone booting "
            "here waits that long, and under load a slower server makes phones give up."
        ),
        evidence={
            "answered_attempt": len(sent_before),
            "wait_seconds": round(answer.t - informs[0].t, 3),
            "server": answer.fields.get("server"),
            **_at(answer),
        },
        remediation=(
            "Check the DHCP server's load and the relay path: the first INFORM was lost or "
            "ignored (a server that answers only some vendor classes, or a relay dropping "
            "unicast replies).",
        ),
        priority=80,
    )


def dhcp_first_answer_without_fqdn(record: BootRecord) -> Finding | None:
    waiting = record.first("dhcp.answer_without_fqdn")
    won = record.first("dhcp.answer_won")
    if waiting is None or won is None:
        return None
    return Finding(
        id="dhcp.first_answer_without_fqdn",
        severity="info",
        title="Two DHCP servers answered; the first one carried no registrar FQDN",
        explanation=(
            f"{waiting.fields.get('server')} answered first without option 120; the phone "
            f"waited and took the answer of {won.fields.get('server')}, the first carrying an "
            "FQDN. A phone that took the first answer would have lost options 43 and 120."
        ),
        evidence={
            "first_server": waiting.fields.get("server"),
            "winner": won.fields.get("server"),
            "waited_seconds": round(won.t - waiting.t, 3),
            **_at(won),
        },
        remediation=(
            "Nothing to fix for these phones; make sure every DHCP server on the segment "
            "either carries options 43 and 120 for MS-UC-Client or stays silent.",
        ),
        priority=90,
    )


# -- option 43 ----------------------------------------------------------------------


def _option_43(record: BootRecord) -> tuple[Step, dict[str, Any]] | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    described = answer.fields.get("option_43")
    return (answer, described) if isinstance(described, dict) else None


def option43_missing(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None or answer.fields.get("option_43") is not None:
        return None
    if answer.fields.get("option_43_error"):
        return None
    explains = _failed(record, *_URL_FAILURES)
    decided = record.decided
    guessed = decided.fields.get("web_url") if decided is not None else None
    return Finding(
        id="option43.missing",
        severity=_severity(explains),
        title="DHCP gave no option 43: the phone does not know the certificate service URL",
        explanation=(
            f"The DHCPACK from {answer.fields.get('server')} carries no option 43 for vendor "
            "class MS-UC-Client. The phone guessed the CertProvisioningService on the "
            f"registrar's name ({guessed})"
            + (", which does not serve it." if explains else "; that worked here.")
        ),
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "guessed_url": guessed,
            "failed_step": record.reason if explains else None,
            "failed_url": _failed_url(record) if explains else None,
            **_at(answer),
        },
        remediation=(
            "Set option 43 for vendor class MS-UC-Client with sub-options 1-5 (UCIdentifier, "
            "URLScheme, WebServerFqdn = the pool's internal web FQDN, WebServerPort = the text "
            "443, CertProvRelPath); " + DHCP_CONFIG_HINT + ".",
        ),
        phone_screen=LOCATING_FAILED if explains else None,
        priority=20,
    )


def option43_truncated(record: BootRecord) -> Finding | None:
    found = _option_43(record)
    if found is None or not found[1].get("truncated"):
        return None
    answer, option = found
    cut = option["truncated"]
    length = int(option.get("length") or 0)
    explains = _failed(record, *_URL_FAILURES)
    fqdn = option.get("web_server_fqdn")
    evidence: dict[str, Any] = {
        "dhcp_server": answer.fields.get("server"),
        "option_43_bytes": length,
        "option_43_hex_characters": 2 * length,
        "sub_option": cut.get("code"),
        "declared_length": cut.get("declared_length"),
        "present_length": cut.get("present_length"),
        "path_received": cut.get("partial_value") if cut.get("code") == 5 else None,
        "failed_step": record.reason if explains else None,
        "failed_url": _failed_url(record) if explains else None,
        **_at(answer),
    }
    remediation = []
    cisco = length == CISCO_OPTION_43_BYTES
    if cisco:
        remediation.append(
            "Exactly 180 hex characters arrived: the Cisco IOS `option 43 hex` limit. Serve "
            "these options from a DHCP server that takes the whole value (Windows DHCP, "
            "Communications Server DHCP, dnsmasq, Kea), or use a web FQDN of at most 23 "
            "characters so the value fits."
        )
    if fqdn:
        full = encode_ms_uc_client_option(web_server_fqdn=fqdn)
        evidence["full_value_hex_characters"] = 2 * len(full)
        remediation.append(
            f"The whole value for {fqdn} is {len(full)} bytes ({2 * len(full)} hex "
            f"characters): {dhcputil_hex(full)}. Configure all of it."
        )
    return Finding(
        id="option43.truncated",
        severity=_severity(explains),
        title="Option 43 is cut short: the certificate service URL is incomplete",
        explanation=(
            f"Sub-option {cut.get('code')} of option 43 declares {cut.get('declared_length')} "
            f"bytes but only {cut.get('present_length')} arrived; the value ends after "
            f"{length} bytes"
            + (" (180 hex characters, where Cisco IOS cuts it)" if cisco else "")
            + ". The phone builds the URL from what arrived and asks for a path that does "
            "not exist."
        ),
        evidence=evidence,
        remediation=tuple(remediation),
        phone_screen=LOCATING_FAILED if explains else None,
        priority=10,
    )


def option43_port_not_text(record: BootRecord) -> Finding | None:
    found = _option_43(record)
    if found is None or found[1].get("port_as_integer") is None:
        return None
    answer, option = found
    port = option["port_as_integer"]
    explains = _failed(record, *_URL_FAILURES)
    return Finding(
        id="option43.port_not_text",
        severity=_severity(explains),
        title="Option 43 carries the web port as a binary integer, not as text",
        explanation=(
            f"Sub-option 4 (WebServerPort) holds {port} as a {2 if port > 255 else 1}-byte "
            f"integer ({port:x} hex); the phone reads it as the text of the port (34 34 33 for "
            "443) and cannot build the URL. dnsmasq writes a bare 443 this way."
        ),
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "port_as_integer": port,
            "sub_option_order": option.get("order"),
            "failed_step": record.reason if explains else None,
            "failed_url": _failed_url(record) if explains else None,
            **_at(answer),
        },
        remediation=(
            'Write the port as text: in dnsmasq quote it (vendor:MS-UC-Client,4,"443") or give '
            "hex 34:34:33; " + DHCP_CONFIG_HINT + ".",
        ),
        phone_screen=LOCATING_FAILED if explains else None,
        priority=10,
    )


def option43_unreadable(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None or not answer.fields.get("option_43_error"):
        return None
    explains = _failed(record, *_URL_FAILURES)
    return Finding(
        id="option43.unreadable",
        severity=_severity(explains),
        title="Option 43 cannot be read as MS-UC-Client sub-options",
        explanation=f"The phone could not decode option 43: {answer.fields['option_43_error']}.",
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "error": answer.fields["option_43_error"],
            **_at(answer),
        },
        remediation=("Rewrite option 43 for vendor class MS-UC-Client; " + DHCP_CONFIG_HINT + ".",),
        phone_screen=LOCATING_FAILED if explains else None,
        priority=10,
    )


# -- option 120 ---------------------------------------------------------------------


def _registrar_lookup(record: BootRecord) -> list[str]:
    done = record.last("dns.registrar_lookup_done")
    return list(done.fields.get("found") or []) if done is not None else []


def option120_missing(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None or answer.fields.get("option_120") is not None:
        return None
    if answer.fields.get("option_120_error"):
        return None
    explains = record.reason == "registrar.none_found"
    from_dns = _registrar_lookup(record)
    return Finding(
        id="option120.missing",
        severity=_severity(explains),
        title="DHCP gave no option 120: the phone has no registrar from DHCP",
        explanation=(
            f"The DHCPACK from {answer.fields.get('server')} carries no option 120, so the "
            "registrar had to come from DNS"
            + (f" ({', '.join(from_dns)})." if from_dns else ", which had none either.")
            + (
                " The phone signed in to the web services but could not start SIP."
                if explains
                else ""
            )
        ),
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "dns_registrars": from_dns,
            **_at(answer),
        },
        remediation=(
            "Set option 120 to the pool FQDN (encoding 0, e.g. 00 06 70 6f 6f 6c 30 31 ... 00 "
            "for pool01...); " + DHCP_CONFIG_HINT + ".",
            "Publish an SRV record _sipinternaltls._tcp.<SIP domain> for the pool as a "
            "second way in.",
        ),
        phone_screen=screen_for("registrar") if explains else None,
        priority=30,
    )


def option120_bad_encoding(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None or "option_120_encoding" not in answer.fields:
        return None
    encoding = answer.fields["option_120_encoding"]
    explains = record.reason == "registrar.none_found"
    return Finding(
        id="option120.bad_encoding",
        severity=_severity(explains),
        title=f"Option 120 uses encoding {encoding}, which does not exist",
        explanation=(
            f"The first byte of option 120 says how the rest is encoded: 0 for domain names, 1 "
            f"for IPv4 addresses (RFC 3361). It is {encoding} here, so the phone ignores the "
            "option and has no registrar from DHCP."
        ),
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "encoding": encoding,
            "option_120_hex": answer.fields.get("option_120_hex"),
            **_at(answer),
        },
        remediation=(
            "Start option 120 with 00 and write each name as length-prefixed labels ending in "
            "00; " + DHCP_CONFIG_HINT + ".",
        ),
        phone_screen=screen_for("registrar") if explains else None,
        priority=10,
    )


def option120_unreadable(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None or not answer.fields.get("option_120_error"):
        return None
    if "option_120_encoding" in answer.fields:
        return None
    explains = record.reason == "registrar.none_found"
    return Finding(
        id="option120.unreadable",
        severity=_severity(explains),
        title="Option 120 cannot be decoded",
        explanation=f"The phone could not decode option 120: {answer.fields['option_120_error']}.",
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "error": answer.fields["option_120_error"],
            "option_120_hex": answer.fields.get("option_120_hex"),
            **_at(answer),
        },
        remediation=("Rewrite option 120 (RFC 3361, encoding 0); " + DHCP_CONFIG_HINT + ".",),
        phone_screen=screen_for("registrar") if explains else None,
        priority=10,
    )


def _option_120(record: BootRecord) -> tuple[Step, dict[str, Any]] | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    described = answer.fields.get("option_120")
    return (answer, described) if isinstance(described, dict) else None


def option120_missing_terminator(record: BootRecord) -> Finding | None:
    found = _option_120(record)
    if found is None or not found[1].get("missing_terminator"):
        return None
    answer, option = found
    servers = option.get("servers") or []
    return Finding(
        id="option120.missing_terminator",
        severity="warning",
        title="Option 120's last name lacks its terminating zero byte",
        explanation=(
            "Each name in option 120 ends with a zero-length label (00). The last one here "
            "does not; the phone tolerates it, stricter DHCP clients and decoders may drop "
            "the option. (The product documentation's own example has the same slip.)"
        ),
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "registrar": servers[-1] if servers else None,
            **_at(answer),
        },
        remediation=("Append 00 to option 120's value; " + DHCP_CONFIG_HINT + ".",),
        priority=70,
    )


def option120_addresses(record: BootRecord) -> Finding | None:
    found = _option_120(record)
    if found is None or found[1].get("encoding") != 1:
        return None
    answer, option = found
    return Finding(
        id="option120.addresses",
        severity="info",
        title="Option 120 names the registrar by IPv4 address (encoding 1)",
        explanation=(
            "The phone connects to the address and checks the registrar's TLS certificate "
            "against it: the certificate must carry that address, and the pool cannot move "
            "without a DHCP change. Names (encoding 0) are the usual choice."
        ),
        evidence={
            "dhcp_server": answer.fields.get("server"),
            "addresses": option.get("servers"),
            **_at(answer),
        },
        remediation=("Prefer the pool FQDN (encoding 0) in option 120.",),
        priority=90,
    )


# -- DNS ----------------------------------------------------------------------------


def dns_srv_target_outside_domain(record: BootRecord) -> Finding | None:
    rejected = record.first("dns.srv_target_rejected")
    if rejected is None:
        return None
    explains = record.reason == "registrar.none_found"
    return Finding(
        id="dns.srv_target_outside_domain",
        severity=_severity(explains),
        title="The registrar SRV record points outside the domain",
        explanation=(
            f"{rejected.fields.get('name')} names {rejected.fields.get('target')}, which is not "
            f"in {rejected.fields.get('domain')}. Under strict DNS naming the phone refuses "
            "such a target, so DNS gave it no registrar."
        ),
        evidence={
            "name": rejected.fields.get("name"),
            "target": rejected.fields.get("target"),
            "domain": rejected.fields.get("domain"),
            **_at(rejected),
        },
        remediation=(
            f"Point the SRV record at a host in {rejected.fields.get('domain')} (e.g. an A "
            "record for the pool in that zone), or give the registrar in DHCP option 120.",
        ),
        phone_screen=screen_for("registrar") if explains else None,
        priority=5,
    )


def dns_srv_missing(record: BootRecord) -> Finding | None:
    if record.used_cache:
        return None
    queries = [q for q in record.all("dns.query") if q.fields.get("type") == "SRV"]
    first = next((q for q in queries if "_sip" in str(q.fields.get("name"))), None)
    if first is None:
        return None
    name = first.fields.get("name")
    missing = next(
        (
            s
            for s in record.all("dns.no_answer")
            if s.fields.get("name") == name and s.fields.get("type") == "SRV"
        ),
        None,
    )
    if missing is None or record.first("dns.srv_target_rejected") is not None:
        return None
    return Finding(
        id="dns.srv_missing",
        severity="warning",
        title=f"No SRV record {name}",
        explanation=(
            f"The phone asked DNS for {name} and got {missing.fields.get('error')}. DHCP is "
            "then the only way to the registrar: if it fails, so does the sign-in."
        ),
        evidence={"name": name, "error": missing.fields.get("error"), **_at(missing)},
        remediation=(f"Publish {name} (priority 0, weight 0, port 5061, target the pool FQDN).",),
        priority=60,
    )


def dns_web_host_unresolved(record: BootRecord) -> Finding | None:
    if record.reason != "rootchain.web_host_unresolved":
        return None
    failure = record.failure
    assert failure is not None
    host = failure.fields.get("host")
    return Finding(
        id="dns.web_host_unresolved",
        severity="error",
        title=f"The web services host {host} does not resolve",
        explanation=(
            f"Option 43 (or the phone's guess) names {host}, and the phone's DNS server has no "
            "A record for it."
        ),
        evidence={"host": host, **_at(failure)},
        remediation=(f"Add an A record for {host} pointing at the pool's web services.",),
        phone_screen=screen_for("rootchain"),
        priority=15,
    )


# -- time, root chain, TLS ------------------------------------------------------------


def time_phone_clock_wrong(record: BootRecord) -> Finding | None:
    if record.reason != "rootchain.not_valid_on_phone_clock":
        return None
    failure = record.failure
    assert failure is not None
    synced = record.last("time.synchronized")
    offset = float(synced.fields.get("offset", 0.0)) if synced is not None else None
    evidence: dict[str, Any] = {
        "phone_time": failure.fields.get("phone_time"),
        "certificate": failure.fields.get("subject"),
        "not_before": failure.fields.get("not_before"),
        "not_after": failure.fields.get("not_after"),
        **_at(failure),
    }
    if synced is not None and offset is not None:
        evidence["time_server"] = synced.fields.get("server")
        evidence["clock_offset_seconds"] = offset
        evidence["clock_offset_days"] = round(offset / 86400)
        source = (
            f"The time server {synced.fields.get('server')} set the phone's clock "
            f"{abs(offset) / 86400:.1f} days {'back' if offset < 0 else 'forward'}"
        )
        fix = (
            f"Correct the clock of {synced.fields.get('server')} (found through _ntp._udp or "
            "DHCP option 42), or point the phones at a correct time server."
        )
    else:
        source = "No time server answered, so the phone kept its own clock"
        fix = (
            "Publish _ntp._udp.<domain> for a reachable NTP server (or DHCP option 42); "
            "without it the phone falls back to time.windows.com."
        )
    return Finding(
        id="time.phone_clock_wrong",
        severity="error",
        title="The phone's clock is wrong: the pool's certificates look invalid",
        explanation=(
            f"{source}. At that time ({failure.fields.get('phone_time')}) the root certificate "
            f"{failure.fields.get('subject')} is not valid (valid from "
            f"{failure.fields.get('not_before')} to {failure.fields.get('not_after')}), so the "
            "phone trusts nothing the pool presents."
        ),
        evidence=evidence,
        remediation=(fix,),
        phone_screen=screen_for("rootchain"),
        priority=5,
    )


def _web_failure(record: BootRecord, stage: str) -> Step | None:
    failure = record.failure
    if failure is None or failure.stage != stage:
        return None
    return failure


def rootchain_unavailable(record: BootRecord) -> Finding | None:
    failure = _web_failure(record, "rootchain")
    if failure is None or failure.fields.get("kind") not in ("http_status", "connect", "timeout"):
        return None
    status = failure.fields.get("http_status")
    url = failure.fields.get("url")
    refused = status in (401, 403)
    return Finding(
        id="rootchain.refused" if refused else "rootchain.unavailable",
        severity="error",
        title=(
            f"The root certificate chain download was refused (HTTP {status})"
            if refused
            else "The root certificate chain could not be downloaded"
        ),
        explanation=(
            f"Before it trusts anything the phone fetches the pool's root chain anonymously "
            f"over plain HTTP from {url}; the answer was "
            + (f"HTTP {status}." if status else f"{failure.fields.get('detail')}.")
        ),
        evidence={
            "url": url,
            "http_status": status,
            "detail": failure.fields.get("detail"),
            **_at(failure),
        },
        remediation=(
            "Publish the CertProvisioningService anonymously over HTTP (port 80) on the web "
            "FQDN, and let port 80 through from the phone VLAN.",
        ),
        phone_screen=screen_for("rootchain"),
        priority=40,
        symptom=True,
    )


def certprov_not_found(record: BootRecord) -> Finding | None:
    failure = _web_failure(record, "certprov")
    if failure is None or failure.fields.get("http_status") != 404:
        return None
    url = failure.fields.get("url")
    decided = record.decided
    source = decided.fields.get("web_source") if decided is not None else "the discovery cache"
    return Finding(
        id="certprov.not_found",
        severity="error",
        title="The CertProvisioningService answers 404",
        explanation=(
            f"The phone asked {url} (its URL from {source}) and the web server has nothing "
            "there: the CertProv virtual directory is missing, or the URL names the wrong "
            "host or path."
        ),
        evidence={"url": url, "http_status": 404, "url_source": source, **_at(failure)},
        remediation=(
            f"Open {url} in a browser on the phone VLAN: anything but the service page means "
            "the URL (option 43) or the web server is wrong.",
            "Check that the pool's internal web services run and that option 43's "
            "WebServerFqdn is the pool's internal web FQDN.",
        ),
        phone_screen=screen_for("certprov"),
        priority=40,
        symptom=True,
    )


def tls_server_certificate(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or failure.fields.get("kind") != "tls":
        return None
    detail = str(failure.fields.get("detail") or "")
    presented = failure.fields.get("server_certificate") or {}
    roots = []
    received = record.last("rootchain.received")
    if received is not None:
        roots = [c.get("subject") for c in received.fields.get("certificates") or []]
    url = failure.fields.get("url")
    evidence = {
        "url": url,
        "detail": detail,
        "subject": presented.get("subject"),
        "issuer": presented.get("issuer"),
        "trusted_roots": roots,
        **_at(failure),
    }
    if "hostname" in detail or "IP address mismatch" in detail:
        return Finding(
            id="tls.name_mismatch",
            severity="error",
            title="The server's certificate does not carry the name the phone used",
            explanation=f"TLS to {url} failed: {detail}.",
            evidence=evidence,
            remediation=(
                "Put the web FQDN (and the pool FQDN) in the certificate's subject "
                "alternative names, or make option 43 / option 120 use a name it carries.",
            ),
            phone_screen=screen_for(failure.stage),
            priority=20,
        )
    return Finding(
        id="tls.untrusted_server_certificate",
        severity="error",
        title="The pool's certificate does not chain to the root the phone downloaded",
        explanation=(
            f"TLS to {url} failed: {detail}. The server presented {presented.get('subject')} "
            f"issued by {presented.get('issuer')}, while the phone trusts only "
            f"{', '.join(str(r) for r in roots) or 'the downloaded root chain'}."
        ),
        evidence=evidence,
        remediation=(
            "Issue the pool's web and SIP certificates from the CA whose chain the "
            "CertProvisioningService publishes (an internal enterprise CA), or publish that "
            "CA's chain.",
        ),
        phone_screen=screen_for(failure.stage),
        priority=20,
    )


# -- web ticket -------------------------------------------------------------------------

_WEB_TICKET_FIXES = {
    "webticket.pin_rejected": (
        "The number and PIN were refused",
        "Set a new PIN for the user (Set-CsClientPin -Identity <user> -Pin <digits>) and check "
        "that the number typed is the user's LineURI or extension.",
    ),
    "webticket.pin_locked": (
        "The user's PIN account is locked",
        "Too many wrong PINs: wait out the lockout, or unlock it now (Unlock-CsClientPin "
        "-Identity <user>); Get-CsClientPinInfo shows the failure counts.",
    ),
    "webticket.not_sip_enabled": (
        "The user is not enabled for Lync",
        "Enable the user for Lync Server (Enable-CsUser -Identity <user> -RegistrarPool <pool> "
        "-SipAddressType EmailAddress).",
    ),
    "webticket.user_unknown": (
        "No user has this phone number or extension",
        "Give the user a LineURI with this number (Set-CsUser -LineURI tel:+...;ext=...), or "
        "sign in with the number the user has.",
    ),
}


def webticket_refused(record: BootRecord) -> Finding | None:
    reason = record.reason
    if reason not in _WEB_TICKET_FIXES:
        return None
    failure = record.failure
    assert failure is not None
    request = record.last("webticket.request")
    title, fix = _WEB_TICKET_FIXES[reason]
    return Finding(
        id=reason,
        severity="error",
        title=title,
        explanation=(
            f"The Web Ticket service at {failure.fields.get('address')} answered "
            f'{failure.fields.get("error_id")} "{failure.fields.get("server_reason")}" for '
            f"{request.fields.get('username') if request else 'the number typed'}; without a "
            "web ticket there is no certificate and no sign-in."
        ),
        evidence={
            "sign_in_as": request.fields.get("username") if request else None,
            "error_id": failure.fields.get("error_id"),
            "server_reason": failure.fields.get("server_reason"),
            "address": failure.fields.get("address"),
            **_at(failure),
        },
        remediation=(fix,),
        phone_screen=screen_for("webticket"),
        priority=5,
    )


# -- registrar ----------------------------------------------------------------------------


def registrar_unreachable(record: BootRecord) -> Finding | None:
    if record.reason != "registrar.unreachable":
        return None
    failure = record.failure
    assert failure is not None
    attempts = [
        {
            "registrar": f.fields.get("registrar"),
            "address": f.fields.get("address"),
            "error": f.fields.get("detail"),
        }
        for f in record.all("registrar.failed")
        if f.level == "warning"
    ]
    return Finding(
        id="registrar.unreachable",
        severity="error",
        title="No registrar answered",
        explanation=(
            "The phone signed in to the web services, then tried every registrar it knew over "
            "TLS and none answered with a TLS-DSK challenge."
        ),
        evidence={"tried": failure.fields.get("tried"), "attempts": attempts, **_at(failure)},
        remediation=(
            "Check that the Front End (registrar) service runs and that TCP 5061 is open from "
            "the phone VLAN to each registrar address.",
        ),
        phone_screen=screen_for("registrar"),
        priority=30,
    )


def registrar_first_unreachable(record: BootRecord) -> Finding | None:
    reached = record.reached_registrar
    failed = [f for f in record.all("registrar.failed") if f.level == "warning"]
    if reached is None or not failed:
        return None
    return Finding(
        id="registrar.first_unreachable",
        severity="warning",
        title=f"Registrar {failed[0].fields.get('registrar')} did not answer; the next one did",
        explanation=(
            f"The phone reached {reached.fields.get('registrar')} only after "
            f"{len(failed)} registrar(s) failed ({failed[0].fields.get('detail')}): every boot "
            "pays that delay, and one registrar left means no spare."
        ),
        evidence={
            "registrar": failed[0].fields.get("registrar"),
            "error": failed[0].fields.get("detail"),
            "challenged_at": reached.fields.get("registrar"),
            **_at(failed[0]),
        },
        remediation=(
            f"Bring {failed[0].fields.get('registrar')} back, or take it out of option 120 and "
            "the SRV records.",
        ),
        priority=60,
    )


RULES: tuple[Rule, ...] = (
    dhcp_no_answer,
    dhcp_slow_answer,
    dhcp_first_answer_without_fqdn,
    option43_missing,
    option43_truncated,
    option43_port_not_text,
    option43_unreadable,
    option120_missing,
    option120_bad_encoding,
    option120_unreadable,
    option120_missing_terminator,
    option120_addresses,
    dns_srv_target_outside_domain,
    dns_srv_missing,
    dns_web_host_unresolved,
    time_phone_clock_wrong,
    rootchain_unavailable,
    certprov_not_found,
    tls_server_certificate,
    webticket_refused,
    registrar_unreachable,
    registrar_first_unreachable,
)
