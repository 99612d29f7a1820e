"""`phonesim lab`: the embedded lab in the foreground, for phones in other processes."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phonesim.lab.capture_responder import CapturedExchange
    from phonesim.lab.embedded_lab import EmbeddedLab

EPILOG = """\
examples:
  phonesim lab
  phonesim lab --scenario wrong-pin --endpoints-file wrong-pin-lab.json
  phonesim lab --from-capture site-A.pcapng --json
"""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def register(commands: Any) -> None:
    lab = commands.add_parser(
        "lab",
        help="run the embedded lab in the foreground",
        description="Run the embedded lab (DHCP, DNS, NTP, web services, registrar) "
        "on loopback until Ctrl-C (or SIGTERM, SIGHUP); the endpoints file goes with it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lab.add_argument(
        "--endpoints-file",
        type=Path,
        default=Path("phonesim-lab.json"),
        help="where to write the endpoints (default: %(default)s)",
    )
    lab.add_argument(
        "--users",
        type=Path,
        help="users instead of the shipped ones: a TOML file of [[user]] tables, or the "
        "CSV `phonesim fleet --users` reads (ext,pin[,mac][,profile])",
    )
    lab.add_argument(
        "--scenario",
        metavar="NAME|FILE",
        help="misbehave as this scenario says (`phonesim scenarios` lists them)",
    )
    lab.add_argument(
        "--domain",
        default="phonesim.test",
        help="the lab's SIP and DNS domain (default: %(default)s)",
    )
    lab.add_argument(
        "--from-capture",
        type=Path,
        metavar="FILE",
        help="DHCP answers exactly as the servers in this capture did (its first answered INFORM)",
    )
    lab.add_argument(
        "--json",
        action="store_true",
        help="print only the endpoints, as one line of JSON (the endpoints file's content) "
        "once every server listens",
    )
    lab.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from phonesim.lab.ca_file import ca_file_beside, withdraw_ca_file, write_ca_file
    from phonesim.lab.embedded_lab import EmbeddedLab
    from phonesim.lab.layout import LabLayout
    from phonesim.lab.scenario import load_scenario
    from phonesim.report.terminal import TerminalConsole

    console = TerminalConsole(highlight=False)
    domain = lab_domain(args.domain)
    scenario = load_scenario(args.scenario) if args.scenario else None
    captured = None
    if args.from_capture is not None:
        from phonesim.replay.lab_exchange import captured_exchange

        captured = captured_exchange(args.from_capture)

    async def serve() -> None:
        lab = EmbeddedLab(
            LabLayout(domain=domain),
            users_file=args.users,
            scenario=scenario,
            dhcp_capture=captured,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # A terminal closed (SIGHUP) or a supervisor's SIGTERM ends the lab like Ctrl-C:
        # servers closed and the endpoints file taken away, so nobody boots against it.
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, stop.set)
        endpoints = await lab.start()
        assert lab.ca is not None
        ca_file = ca_file_beside(args.endpoints_file)
        try:
            endpoints.write(args.endpoints_file)
            write_ca_file(ca_file, lab.ca.chain)
            if args.json:
                print(json.dumps(endpoints.to_json()), flush=True)
            else:
                _print_ready(console, lab, args, captured)
            await stop.wait()
        finally:
            endpoints.withdraw(args.endpoints_file)
            withdraw_ca_file(ca_file, lab.ca.chain)
            await lab.close()

    asyncio.run(serve())
    if not args.json:
        console.print("lab stopped")
    return 0


def lab_domain(text: str) -> str:
    """The lab's DNS and SIP domain: host-name labels only (RFC 1123 letters, digits, hyphens).

    Anything else would be served by the lab's DNS and carried in option 120 and
    in SIP URIs as it is, and fail far from the typo that caused it.
    """
    from phonesim.dhcp_config.url_parts import host_name

    return host_name("--domain", text, address_allowed=False).lower()


def _print_ready(
    console: Any,
    lab: EmbeddedLab,
    args: argparse.Namespace,
    captured: CapturedExchange | None,
) -> None:
    from rich.table import Table

    from phonesim.lab.ca_file import ca_file_beside

    endpoints = lab.endpoints
    table = Table(title=f"phonesim lab for {endpoints.domain}")
    table.add_column("server")
    table.add_column("listens on")
    table.add_column("advertised as")
    a = endpoints.address
    pm = endpoints.port_map
    table.add_row(
        "DHCP (INFORM responder)",
        f"{a}:{endpoints.dhcp_port}/udp",
        _dhcp_behaviour(lab, captured),
    )
    table.add_row("DNS", f"{a}:{endpoints.dns_port}/udp", f"zone {endpoints.domain}")
    table.add_row("NTP", f"{a}:{pm[123]}/udp", "port 123")
    table.add_row("web services HTTP", f"{a}:{pm[80]}/tcp", f"http://{endpoints.web_fqdn}")
    table.add_row("web services HTTPS", f"{a}:{pm[443]}/tcp", f"https://{endpoints.web_fqdn}")
    table.add_row("registrar SIP/TLS", f"{a}:{pm[5061]}/tcp", f"{endpoints.pool_fqdn}:5061")
    console.print(table)
    if args.scenario is not None:
        console.print(f"scenario [bold]{lab.scenario.name}[/bold]: {lab.scenario.summary}")
    console.print(f"endpoints written to {args.endpoints_file}")
    console.print(
        f"the lab's CA certificate (for --trust-ca): {ca_file_beside(args.endpoints_file)}",
        soft_wrap=True,
    )
    # Not wrapped: a command line is for copying.
    console.print(
        "boot a phone against it:  phonesim boot --lab-endpoints "
        f"{args.endpoints_file} --ext {_sample_user(lab)}",
        soft_wrap=True,
    )
    console.print(
        f"[dim](it asks for the PIN; the lab's users and PINs are in {_users_source(args)})[/dim]",
        soft_wrap=True,
    )
    console.print("[dim]Ctrl-C stops the lab.[/dim]")


def _sample_user(lab: EmbeddedLab) -> str:
    """A user who exists in this lab, enabled for SIP when one is."""
    assert lab.directory is not None
    users = lab.directory.users
    return next((user for user in users if user.enabled), users[0]).extension


def _users_source(args: argparse.Namespace) -> str:
    if args.users is not None:
        return str(args.users)
    from importlib import resources

    return str(resources.files("phonesim.lab").joinpath("data", "users.toml"))


def _dhcp_behaviour(lab: EmbeddedLab, captured: Any) -> str:
    """What the DHCP responder answers, as the scenario makes it (never more than it does)."""
    if captured is not None:
        return f"as in {captured.origin}"
    if not lab.scenario.dhcp_servers:
        return f"nothing (scenario {lab.scenario.name})"
    if lab.scenario.name == "healthy":
        return "options 43 and 120"
    return f"as scenario {lab.scenario.name} says"
