"""`phonesim replay`: the DHCP sessions of a capture and what the phone would have decided."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from phonesim.errors import UsageError

EXIT_DECIDED = 0
EXIT_DIFFERS = 1
EXIT_USAGE = 2
EXIT_DISCOVERY_FAILED = 3

EPILOG = """\
examples:
  phonesim replay site-A.pcapng
  phonesim replay site-A.pcapng --profile aastra-6725ip --session 2
  phonesim replay warm-boot.pcapng --cache state/00-04-f2-5a-10-01/discovery-cache.json
  phonesim replay site-A.pcapng --resend --dhcp-server 192.0.2.5

exit codes: 0 every replayed phone decided (with --resend: the live answer means the same);
            1 with --resend: the live answer differs; 2 bad input, or the capture is damaged
            (the sessions before the damage are shown first); 3 a replayed phone's discovery
            (or a replayed boot's lease) failed (with --resend: no live answer);
            141 the reader of the output went away (phonesim replay ... | head).
"""


def register(commands: Any) -> None:
    replay = commands.add_parser(
        "replay",
        help="replay the DHCP sessions of a pcap/pcapng capture through the phone",
        description=(
            "Read every DHCP session in a capture (pcap or pcapng; Ethernet, 802.1Q, QinQ, "
            "Linux cooked, raw IP), decode its options, and replay them through the phone on "
            "a virtual clock. A phone's VLAN query (CPE-OCPHONE), its lease and its "
            "DHCPINFORM replay as one boot: the VLAN it moves to, its lease's values and "
            "where each came from, which INFORM answer won, why the others were ignored, "
            "the registrars and web services it settles on. An INFORM session with no "
            "lease before it replays alone."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("capture", type=Path, help="the capture file (.pcap or .pcapng)")
    replay.add_argument(
        "--session",
        type=int,
        metavar="N",
        help="only session N (numbered in capture order), replayed alone, not as part of a boot",
    )
    replay.add_argument(
        "--profile",
        default="polycom-cx600",
        help="device profile that replays (name or TOML file; default: %(default)s)",
    )
    replay.add_argument(
        "--domain",
        help="the phone's DNS domain (option 15), when the capture does not show it",
    )
    replay.add_argument(
        "--cache",
        type=Path,
        metavar="FILE",
        help="start the phone with this discovery cache (the discovery-cache.json a boot "
        "keeps in its state folder, or that folder): a capture of a phone that skipped "
        "discovery because of its cache replays as it did; never written back",
    )
    replay.add_argument("--seed", type=int, default=0, help="random seed of the replayed phone")
    replay.add_argument(
        "--json",
        action="store_true",
        help="JSON lines: one per session (with --resend: the re-send), then a summary",
    )
    live = replay.add_argument_group("live re-send (compare with today's answer)")
    live.add_argument(
        "--resend",
        action="store_true",
        help="re-send the session's captured DHCPINFORM and diff the live answer option by option",
    )
    live.add_argument(
        "--dhcp-server",
        metavar="IP[:PORT]",
        help="where to send it (unicast; port 67 by default); the server must answer the "
        "sender's port, as Communications Server DHCP and phonesim's lab do",
    )
    live.add_argument(
        "--xid",
        choices=("keep", "fresh"),
        default="fresh",
        help="keep the captured transaction id or draw a fresh one (default: %(default)s)",
    )
    live.add_argument(
        "--mac",
        default="keep",
        metavar="keep|fresh|MAC",
        help="keep the captured client MAC, draw one in the profile's OUI, or use this one "
        "(default: %(default)s)",
    )
    live.add_argument(
        "--address",
        help="ciaddr of the re-sent INFORM (default: the captured one); servers answer there",
    )
    live.add_argument(
        "--iface",
        metavar="IFACE",
        help="send it on this interface, from port 68 and the INFORM's MAC, broadcast (or "
        "unicast to --dhcp-server); the address defaults to the interface's; needs root",
    )
    live.add_argument(
        "--bind",
        metavar="IP[:PORT]",
        help="local address (and port) to send from; e.g. 0.0.0.0:68 with --address set to "
        "this machine's address, for servers that answer ciaddr:68 (port 68 needs root)",
    )
    live.add_argument(
        "--wait",
        type=float,
        default=4.0,
        help="seconds to collect live answers (default: %(default)s)",
    )
    replay.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.session is not None and args.session < 1:
        raise UsageError("--session counts from 1")
    if args.resend and args.cache is not None:
        raise UsageError("--cache is for the offline replay, not --resend")
    if args.resend:
        code = _run_resend(args)
    elif args.dhcp_server is not None:
        raise UsageError("--dhcp-server is for --resend")
    elif args.cache is not None and args.session is not None:
        raise UsageError("--cache is for a phone's boot: leave out --session")
    else:
        code = _run_offline(args)
    # A reader that went away after the last write must still end as a broken pipe,
    # not as a failed flush at interpreter exit.
    sys.stdout.flush()
    return code


def _run_offline(args: argparse.Namespace) -> int:
    from phonesim.app.replay import ReplayRequest, replay_capture
    from phonesim.profiles import load_profile
    from phonesim.replay.capture_skim import CaptureSkim
    from phonesim.replay.render import ReplayRenderer
    from phonesim.replay.session_json import boot_to_json, replay_to_json, session_to_json
    from phonesim.report.terminal import TerminalConsole

    profile = load_profile(args.profile)
    skim = CaptureSkim(args.capture)
    request = ReplayRequest(
        capture=args.capture,
        profile=profile,
        session=args.session,
        domain=args.domain,
        seed=args.seed,
        cache=args.cache,
    )
    console = TerminalConsole(highlight=False)
    renderer = ReplayRenderer(console)
    model = f"{profile.device.vendor} {profile.device.model}"
    seen = 0
    failed = 0
    replayed = 0
    found = False
    header_done = False
    for item in replay_capture(request, skim):
        if not header_done and not args.json:
            renderer.capture_header(args.capture, skim)
            header_done = True
        seen += 1
        if not item.chosen:
            continue
        found = True
        session, replay, why_not = item.session, item.replay, item.why_not
        if replay is not None:
            replayed += 1
            failed += 0 if replay.decided else 1
        if args.json:
            line: dict[str, Any] = {"type": "session", **session_to_json(session)}
            if item.boot is not None:
                line["boot"] = boot_to_json(item.boot, session)
            line["replay"] = replay_to_json(replay) if replay is not None else None
            line["not_replayed"] = why_not
            _emit(line)
        else:
            renderer.session(session, item.boot)
            if replay is not None:
                renderer.replay(replay, model)
            elif why_not:
                renderer.not_replayed(why_not)
    if not header_done and not args.json:
        renderer.capture_header(args.capture, skim)
    if args.json:
        _emit(
            {
                "type": "summary",
                "capture": str(args.capture),
                "format": skim.format.kind,
                "link_types": skim.link_types(),
                "sessions": seen,
                "replayed": replayed,
                "failed": failed,
                "frames": skim.statistics.records,
                "dhcp_messages": skim.statistics.dhcp_messages,
                "dhcp_server_messages": skim.statistics.dhcp_server_messages,
                "error": None if skim.error is None else str(skim.error),
            }
        )
    else:
        renderer.capture_footer(skim, seen)
    if skim.error is not None:
        print(f"phonesim: error: {skim.error}", file=sys.stderr)
        return EXIT_USAGE
    if args.session is not None and not found:
        raise UsageError(
            f"capture {args.capture} has {seen} DHCP session(s); there is no session {args.session}"
        )
    if seen == 0 and not args.json:
        console.print("[yellow]no DHCP session in this capture (UDP ports 67/68)[/yellow]")
    return EXIT_DISCOVERY_FAILED if failed else EXIT_DECIDED


def _run_resend(args: argparse.Namespace) -> int:
    from phonesim.app.replay import ResendRequest, plan_resend_session, resend_session
    from phonesim.replay.render import ReplayRenderer
    from phonesim.replay.session_json import resend_summary, resend_to_json
    from phonesim.report.terminal import TerminalConsole

    planned = plan_resend_session(
        ResendRequest(
            capture=args.capture,
            profile=args.profile,
            session=args.session,
            dhcp_server=args.dhcp_server,
            iface=args.iface,
            address=args.address,
            bind=args.bind,
            xid=args.xid,
            mac=args.mac,
            seed=args.seed,
            wait=args.wait,
        )
    )
    console = TerminalConsole(highlight=False)
    renderer = ReplayRenderer(console)
    if not args.json:
        renderer.resend_plan(planned.plan, planned.server, planned.session.number)
    outcome = resend_session(planned)
    diff = outcome.diff
    if args.json:
        server = planned.server
        sent_to = f"{server[0]}:{server[1]}"
        _emit(
            resend_to_json(planned.session, planned.plan, sent_to, outcome.exchange.sent_from, diff)
        )
        _emit(resend_summary(str(args.capture), planned.skim.format.kind, planned.session, diff))
    else:
        renderer.resend_diff(diff)
    if not diff.answered:
        return EXIT_DISCOVERY_FAILED
    return EXIT_DECIDED if diff.matches else EXIT_DIFFERS


def _emit(item: dict[str, Any]) -> None:
    """One JSON line, flushed: a reader sees each session as it is replayed, and a reader
    that went away is noticed here rather than after the last line."""
    print(json.dumps(item, default=str), flush=True)
