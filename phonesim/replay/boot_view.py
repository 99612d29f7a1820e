"""What only a replayed boot shows in the terminal: its sessions' parts, the VLAN and the
lease's values each with where it came from (`bringup_summary` reads them from the core's
trace), and the servers a discovery cache gave."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from phonesim.core import trace_schema as ts
from phonesim.core.outcome import Success
from phonesim.replay.bringup_summary import summarise_bringup
from phonesim.replay.phone_boots import INFORM, LEASE, RELEASE, VLAN_QUERY, PhoneBoot
from phonesim.replay.replay_result import SessionReplay

PART_WORDS = {
    VLAN_QUERY: "VLAN query",
    LEASE: "lease",
    INFORM: "INFORM",
    RELEASE: "release",
}


def boot_named(boot: PhoneBoot) -> str:
    """`00:04:f2:5a:10:01's boot (session 1 VLAN query, session 2 lease, ...)`."""
    parts = ", ".join(f"session {s.number} {PART_WORDS[boot.part_of(s)]}" for s in boot.sessions)
    return f"{boot.client_mac}'s boot ({parts})"


def print_cached_servers(console: Console, replay: SessionReplay) -> None:
    """The servers of a phone the discovery cache stood in for (it decided nothing itself)."""
    outcome = replay.outcome
    if not isinstance(outcome, Success) or not any(
        ts.DISCOVERY_CACHE_USED.matches(t) for t in replay.traces
    ):
        return
    registrars = outcome.registrar.replace(",", ", ")
    console.print(
        f"    web services {escape(str(outcome.web_url))} [dim](discovery cache)[/dim]\n"
        f"    registrars {escape(registrars)} [dim](discovery cache)[/dim]",
        highlight=False,
    )


def print_bringup(console: Console, replay: SessionReplay) -> None:
    """The VLAN and the lease's values, each with where it came from."""
    summary = summarise_bringup(replay.traces)
    console.print("  [bold]Bring-up[/bold]")
    if summary.vlan:
        given = f" by {summary.vlan_server}" if summary.vlan_server else ""
        spelt = f", sub-option 10 as {summary.vlan_spelling}" if summary.vlan_spelling else ""
        named = {"dhcp": "DHCP (CPE-OCPHONE)", "lldp": "LLDP-MED"}.get(
            summary.vlan_source, summary.vlan_source
        )
        console.print(f"    VLAN {summary.vlan} from {named}{given}{spelt}", highlight=False)
    elif summary.vlan_not_given:
        console.print(
            f"    [yellow]no VLAN: {escape(summary.vlan_not_given)}[/yellow]", highlight=False
        )
    lease = summary.lease
    if not lease:
        console.print("    no lease", highlight=False)
    for label, value, source in (
        ("address", lease.get("address"), None),
        ("domain", lease.get("domain"), lease.get("domain_source")),
        ("DNS servers", ", ".join(lease.get("dns_servers") or ()), lease.get("dns_source")),
        ("time servers", ", ".join(lease.get("ntp_servers") or ()), lease.get("ntp_source")),
    ):
        if not lease:
            break
        shown = value or "none"
        console.print(
            f"    {label:<13}{escape(str(shown))}"
            + (f" [dim](from {source})[/dim]" if source else ""),
            highlight=False,
        )
    if summary.domain_from_ack:
        console.print(
            f"    domain       {escape(summary.domain_from_ack)} [dim](from the INFORM's "
            "ACK, option 15: the lease had none)[/dim]",
            highlight=False,
        )


__all__ = ["PART_WORDS", "boot_named", "print_bringup", "print_cached_servers"]
