"""`phonesim lab`: the embedded lab in the foreground, for phones in other processes."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    lab = commands.add_parser(
        "lab",
        help="run the embedded lab in the foreground",
        description="Run the embedded lab (DHCP, DNS, NTP, web services, registrar) "
        "on loopback until Ctrl-C.",
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
    lab.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from phonesim.lab.embedded_lab import EmbeddedLab, LabLayout
    from phonesim.lab.scenario import load_scenario

    console = Console(highlight=False)
    scenario = load_scenario(args.scenario) if args.scenario else None
    captured = None
    if args.from_capture is not None:
        from phonesim.replay.lab_exchange import captured_exchange

        captured = captured_exchange(args.from_capture)

    async def serve() -> None:
        lab = EmbeddedLab(
            LabLayout(domain=args.domain),
            users_file=args.users,
            scenario=scenario,
            dhcp_capture=captured,
        )
        endpoints = await lab.start()
        try:
            # Written whole then renamed: another process waits for this file.
            partial = args.endpoints_file.with_name(args.endpoints_file.name + ".partial")
            partial.write_text(json.dumps(endpoints.to_json(), indent=2) + "\n")
            partial.replace(args.endpoints_file)
            table = Table(title=f"phonesim lab for {endpoints.domain}")
            table.add_column("server")
            table.add_column("listens on")
            table.add_column("advertised as")
            a = endpoints.address
            pm = endpoints.port_map
            table.add_row(
                "DHCP (INFORM responder)",
                f"{a}:{endpoints.dhcp_port}/udp",
                "options 43 and 120" if captured is None else f"as in {captured.origin}",
            )
            table.add_row("DNS", f"{a}:{endpoints.dns_port}/udp", f"zone {endpoints.domain}")
            table.add_row("NTP", f"{a}:{pm[123]}/udp", "port 123")
            table.add_row("web services HTTP", f"{a}:{pm[80]}/tcp", f"http://{endpoints.web_fqdn}")
            table.add_row(
                "web services HTTPS", f"{a}:{pm[443]}/tcp", f"https://{endpoints.web_fqdn}"
            )
            table.add_row("registrar SIP/TLS", f"{a}:{pm[5061]}/tcp", f"{endpoints.pool_fqdn}:5061")
            console.print(table)
            if scenario is not None:
                console.print(f"scenario [bold]{scenario.name}[/bold]: {scenario.summary}")
            console.print(f"endpoints written to {args.endpoints_file}")
            console.print(
                "boot a phone against it:  phonesim boot --lab-endpoints "
                f"{args.endpoints_file} --ext 5551234 --pin 13579"
            )
            console.print("[dim]Ctrl-C stops the lab.[/dim]")
            await asyncio.Event().wait()
        finally:
            await lab.close()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        console.print("lab stopped")
    return 0
