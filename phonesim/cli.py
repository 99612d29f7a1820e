"""The `phonesim` command line. Thin: parse, pick a driver, render. No phone behaviour here."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from phonesim.errors import PhonesimError, UsageError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

STAGES = ("dhcp", "discovery", "rootchain", "webticket", "certprov", "registrar")

EPILOG_BOOT = """\
examples:
  phonesim boot --lab --ext 5551234 --pin 13579
  phonesim boot --lab --profile aastra-6725ip --ext 5551235 --pin 24680 --json
  phonesim boot --lab-endpoints lab.json --ext 5551234 --pin 13579   (a lab from `phonesim lab`)

exit codes: 0 signed in; 2 bad input; 3 discovery (DHCP/DNS) failed; 4 root chain;
            5 web ticket (PIN); 6 certificate provisioning; 7 registrar; 130 interrupted.
"""


def default_state_dir() -> Path:
    if os.environ.get("PHONESIM_STATE_DIR"):
        return Path(os.environ["PHONESIM_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "phonesim"


def host_port(text: str, default_port: int) -> tuple[str, int]:
    """`192.0.2.5`, `192.0.2.5:6767` or `[::1]:53` into (host, port)."""
    import ipaddress

    host, port = text, default_port
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, raw = text.split(":")
        port = _port(raw, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"{text!r} is not an IP address (optionally with :port)") from None
    return host, port


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise UsageError(f"bad port in {text!r}")
    return int(raw)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phonesim",
        description=(
            "Emulates the IP phones (Polycom CX600, Aastra 6725ip) that sign in to Lync Server 2010 "
            "with extension and PIN: DHCPINFORM for options 43/120, DNS SRV, root chain, web ticket, "
            "certificate, registrar."
        ),
    )
    parser.add_argument("--version", action="version", version=f"phonesim {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    boot = commands.add_parser(
        "boot",
        help="boot one virtual phone and sign it in",
        description="Boot one virtual phone step by step and show the timeline and result.",
        epilog=EPILOG_BOOT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = boot.add_argument_group("where the servers are (pick one)")
    where.add_argument(
        "--lab", action="store_true", help="start the embedded lab on loopback and boot against it"
    )
    where.add_argument(
        "--lab-endpoints",
        type=Path,
        metavar="FILE",
        help="use a lab already running (the endpoints file `phonesim lab` writes)",
    )
    where.add_argument(
        "--dhcp-server",
        metavar="IP[:PORT]",
        help="send the DHCPINFORM by unicast to this server (port 67 by default); the INFORM "
        "leaves from an unprivileged port, so the server must answer to the sender's port",
    )
    where.add_argument(
        "--dns", metavar="IP[:PORT]", help="the phone's DNS server (port 53 by default)"
    )
    where.add_argument(
        "--domain", help="DNS domain from the phone's lease, used for SRV lookups (option 15)"
    )
    where.add_argument("--address", help="the phone's own IPv4 address (DHCPINFORM ciaddr)")

    who = boot.add_argument_group("the phone and its user")
    who.add_argument(
        "--profile",
        default="polycom-cx600",
        help="device profile name or TOML file (default: %(default)s)",
    )
    who.add_argument(
        "--ext",
        required=True,
        metavar="DIGITS",
        help="phone number or extension typed on the keypad",
    )
    who.add_argument(
        "--pin", required=True, metavar="DIGITS", help="the user's PIN (never printed or logged)"
    )
    who.add_argument("--mac", help="the phone's MAC (default: stable one in the profile's OUI)")

    run = boot.add_argument_group("state and output")
    run.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="the phones' flash: discovery caches per MAC (default: $PHONESIM_STATE_DIR or ~/.local/state/phonesim)",
    )
    run.add_argument(
        "--no-cache", action="store_true", help="ignore the discovery cache: ask DHCP and DNS again"
    )
    run.add_argument(
        "--runs-dir",
        type=Path,
        default=Path("phonesim-runs"),
        help="where run folders go (default: %(default)s)",
    )
    run.add_argument(
        "--run-dir", type=Path, help="exact run folder to write (overrides --runs-dir)"
    )
    run.add_argument(
        "--seed", type=int, help="random seed (xid, jitter, ids) to repeat a run exactly"
    )
    run.add_argument(
        "--stop-after",
        choices=STAGES,
        default="registrar",
        help="stop after this stage (default: %(default)s)",
    )
    run.add_argument("--json", action="store_true", help="print only the result as JSON")

    lab = commands.add_parser(
        "lab",
        help="run the embedded lab in the foreground",
        description="Run the embedded lab (DHCP, DNS, NTP, web services, registrar) on loopback until Ctrl-C.",
    )
    lab.add_argument(
        "--endpoints-file",
        type=Path,
        default=Path("phonesim-lab.json"),
        help="where to write the endpoints (default: %(default)s)",
    )
    lab.add_argument("--users", type=Path, help="users file (TOML) instead of the shipped one")
    lab.add_argument(
        "--domain",
        default="phonesim.test",
        help="the lab's SIP and DNS domain (default: %(default)s)",
    )

    commands.add_parser(
        "profiles", help="list the device profiles", description="List the shipped device profiles."
    )
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("phonesim")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "boot":
            return _boot(args)
        if args.command == "lab":
            return _lab(args)
        if args.command == "profiles":
            return _profiles()
    except PhonesimError as error:
        print(f"phonesim: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("phonesim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def _network_from_args(args: argparse.Namespace) -> Any:
    from phonesim.boot import Network, lab_network
    from phonesim.lab.embedded_lab import LabEndpoints

    chosen = [bool(args.lab), args.lab_endpoints is not None, args.dhcp_server is not None]
    if sum(chosen) != 1:
        raise UsageError(
            "say where the servers are: --lab, --lab-endpoints FILE, or --dhcp-server with --dns"
        )
    if args.lab:
        return None
    if args.lab_endpoints is not None:
        return lab_network(LabEndpoints.from_file(args.lab_endpoints))
    if not args.dns or not args.domain or not args.address:
        raise UsageError("--dhcp-server needs --dns, --domain and --address too")
    return Network(
        dhcp_server=host_port(args.dhcp_server, 67),
        dns_server=host_port(args.dns, 53),
        address=host_port(args.address, 0)[0],
        domain=args.domain,
    )


def _boot(args: argparse.Namespace) -> int:
    from rich.console import Console

    from phonesim.boot import boot_in_lab, boot_phone, check_sign_in
    from phonesim.profiles import load_profile
    from phonesim.report.run_folder import new_run_dir, utc_now
    from phonesim.report.timeline import TimelinePrinter

    profile = load_profile(args.profile)
    check_sign_in(args.ext, args.pin)
    network = _network_from_args(args)
    run_dir = args.run_dir or new_run_dir(args.runs_dir, f"{profile.name}-{args.ext}", utc_now())
    console = Console(highlight=False)
    printer = TimelinePrinter(console)
    common: dict[str, Any] = {
        "profile": profile,
        "sign_in_as": args.ext,
        "pin": args.pin,
        "mac": args.mac,
        "state_dir": args.state_dir or default_state_dir(),
        "use_cache": not args.no_cache,
        "seed": args.seed,
        "final_stage": args.stop_after,
        "run_dir": run_dir,
        "on_trace": None if args.json else printer.print,
    }
    if not args.json:
        where = (
            "embedded lab on loopback"
            if network is None
            else f"DHCP {network.dhcp_server[0]}:{network.dhcp_server[1]}"
        )
        console.print(
            f"[bold]phonesim[/bold] {profile.device.vendor} {profile.device.model} signing in as {args.ext} ({where})"
        )
    if network is None:
        report = asyncio.run(boot_in_lab(**common))
    else:
        report = asyncio.run(boot_phone(network=network, **common))
    if args.json:
        print(json.dumps(report.result, indent=2, default=str))
    else:
        printer.print_result(report.result)
        console.print(f"[dim]run folder: {run_dir} (cpsw3g.log, trace.jsonl, result.json)[/dim]")
    return int(report.result["ExitCode"])


def _lab(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from phonesim.lab.embedded_lab import EmbeddedLab, LabLayout

    console = Console(highlight=False)

    async def serve() -> None:
        lab = EmbeddedLab(LabLayout(domain=args.domain), users_file=args.users)
        endpoints = await lab.start()
        try:
            args.endpoints_file.write_text(json.dumps(endpoints.to_json(), indent=2) + "\n")
            table = Table(title=f"phonesim lab for {endpoints.domain}")
            table.add_column("server")
            table.add_column("listens on")
            table.add_column("advertised as")
            a = endpoints.address
            pm = endpoints.port_map
            table.add_row(
                "DHCP (INFORM responder)", f"{a}:{endpoints.dhcp_port}/udp", "options 43 and 120"
            )
            table.add_row("DNS", f"{a}:{endpoints.dns_port}/udp", f"zone {endpoints.domain}")
            table.add_row("NTP", f"{a}:{pm[123]}/udp", "port 123")
            table.add_row("web services HTTP", f"{a}:{pm[80]}/tcp", f"http://{endpoints.web_fqdn}")
            table.add_row(
                "web services HTTPS", f"{a}:{pm[443]}/tcp", f"https://{endpoints.web_fqdn}"
            )
            table.add_row("registrar SIP/TLS", f"{a}:{pm[5061]}/tcp", f"{endpoints.pool_fqdn}:5061")
            console.print(table)
            console.print(f"endpoints written to {args.endpoints_file}")
            console.print(
                f"boot a phone against it:  phonesim boot --lab-endpoints {args.endpoints_file} --ext 5551234 --pin 13579"
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


def _profiles() -> int:
    from rich.console import Console
    from rich.table import Table

    from phonesim.profiles import available_profiles, load_profile_file

    table = Table()
    for column in ("profile", "model", "firmware", "MAC OUI", "sign-in"):
        table.add_column(column)
    for name, path in available_profiles().items():
        profile = load_profile_file(path)
        device = profile.device
        table.add_row(
            name,
            f"{device.vendor} {device.model}",
            device.firmware,
            device.mac_oui,
            ", ".join(device.sign_in_methods),
        )
    Console().print(table)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
