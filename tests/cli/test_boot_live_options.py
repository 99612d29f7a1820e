"""`phonesim boot` options for a real network, turned into where the phone sits (no traffic)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from phonesim.app import live_network as live
from phonesim.app.live_network import LiveNetwork
from phonesim.cli import build_parser, main
from phonesim.cli.live_network import bringup_from_args, live_target, phone_mac_argument
from phonesim.core.bringup import bringup_stages
from phonesim.core.stage import Stage
from phonesim.errors import UsageError
from phonesim.profiles import load_profile


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["boot", "--ext", "5551234", "--pin", "13579", *argv])


def live_network(args: argparse.Namespace) -> LiveNetwork:
    return live.live_network(live_target(args))


def test_iface_broadcasts_from_port_68_with_the_interfaces_address_and_mac() -> None:
    choice = live_network(
        parse("--iface", "lo", "--no-bring-up", "--dns", "127.0.0.1", "--domain", "x.test")
    )
    network = choice.network
    assert network.dhcp_server == ("255.255.255.255", 67)
    assert network.interface == "lo" and network.local_dhcp == ("", 68)
    assert network.address == "127.0.0.1"
    assert network.mac_source == "interface"
    assert choice.notes == ()


def test_dhcp_server_with_iface_is_unicast_and_mac_profile_is_honoured() -> None:
    args = parse(
        "--iface",
        "lo",
        "--dhcp-server",
        "127.0.0.2",
        "--dns",
        "127.0.0.1",
        "--domain",
        "x.test",
        "--mac",
        "profile",
    )
    network = live_network(args).network
    assert network.dhcp_server == ("127.0.0.2", 67)
    assert network.mac_source == "profile"
    assert phone_mac_argument(args) is None


def test_without_iface_nothing_is_broadcast() -> None:
    network = live_network(
        parse(
            "--dhcp-server",
            "127.0.0.2:6767",
            "--address",
            "127.0.0.1",
            "--dns",
            "127.0.0.1",
            "--domain",
            "x.test",
        )
    ).network
    assert network.dhcp_server == ("127.0.0.2", 6767)
    assert network.interface is None
    assert network.local_dhcp == ("127.0.0.1", 68)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--giaddr", "127.0.0.1", "--iface", "lo"], "--dhcp-server"),
        (["--dhcp-server", "127.0.0.2"], "--address"),
        (["--iface", "nosuch0"], "no such network interface"),
        (["--iface", "lo", "--address", "localhost"], "not an IPv4 address"),
        (["--iface", "lo", "--no-bring-up", "--address", "localhost"], "not an IPv4 address"),
        (["--iface", "lo", "--client-port", "70000"], "not a port"),
    ],
)
def test_bad_live_options_say_what_is_missing(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        live_network(parse(*argv, "--dns", "127.0.0.1", "--domain", "x.test"))


def test_dns_and_domain_default_to_the_machines_own_lease(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(
        "nameserver ::1\nnameserver 192.0.2.53\nsearch corp.contoso.test contoso.test\n"
    )
    monkeypatch.setattr(live, "RESOLV_CONF", resolv)
    choice = live_network(parse("--iface", "lo", "--no-bring-up"))
    assert choice.network.dns_server == ("192.0.2.53", 53)
    assert choice.network.domain == "corp.contoso.test"
    assert len(choice.notes) == 2 and all(str(resolv) in note for note in choice.notes)


def test_without_a_domain_anywhere_the_user_is_asked_for_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 192.0.2.53\n")
    monkeypatch.setattr(live, "RESOLV_CONF", resolv)
    with pytest.raises(UsageError, match="--domain"):
        live_network(parse("--iface", "lo", "--no-bring-up"))


@pytest.mark.parametrize("command", ["boot", "diagnose", "probe"])
def test_a_named_interface_is_a_phone_plugged_into_it(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--iface` alone brings up: LLDP-MED, the VLAN query and the lease come before the
    INFORM, and the address, DNS and domain are the lease's, not the machine's."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 192.0.2.53\nsearch corp.contoso.test\n")
    monkeypatch.setattr(live, "RESOLV_CONF", resolv)
    profile = load_profile("polycom-cx600")

    def args_of(*argv: str) -> argparse.Namespace:
        return build_parser().parse_args([command, "--ext", "5551234", "--pin", "13579", *argv])

    plugged = args_of("--iface", "lo")
    network = live_network(plugged).network
    assert (network.domain, network.dns_source, network.address) == ("", "", "0.0.0.0")
    assert bringup_from_args(plugged, profile, None) == bringup_stages(profile)
    assert Stage.LEASE in bringup_stages(profile)
    without_lldp = args_of("--iface", "lo", "--no-lldp")
    assert Stage.LLDP not in (bringup_from_args(without_lldp, profile, None) or ())
    for inform_only in (
        args_of("--iface", "lo", "--no-bring-up"),
        args_of("--iface", "lo", "--dhcp-server", "127.0.0.2"),
    ):
        assert bringup_from_args(inform_only, profile, None) is None
        assert live_network(inform_only).network.domain == "corp.contoso.test"
    assert bringup_from_args(args_of("--iface", "lo", "--bring-up"), profile, None)


def test_a_lab_boot_captures_where_asked_or_not_at_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    common = [
        "boot",
        "--lab",
        "--ext",
        "5551234",
        "--pin",
        "13579",
        "--no-cache",
        "--state-dir",
        str(tmp_path / "state"),
        "--stop-after",
        "dhcp",
        "--json",
    ]
    assert (
        main([*common, "--run-dir", str(tmp_path / "a"), "--capture", str(tmp_path / "c.pcap")])
        == 0
    )
    first = json.loads(capsys.readouterr().out)
    assert (
        first["Capture"] == str(tmp_path / "c.pcap") and (tmp_path / "c.pcap").stat().st_size > 24
    )
    assert not (tmp_path / "a" / "capture.pcap").exists()
    assert main([*common, "--run-dir", str(tmp_path / "b"), "--no-capture"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert "Capture" not in second and not (tmp_path / "b" / "capture.pcap").exists()
    assert [entry["Used"] for entry in second["DhcpAnswers"]] == [True]
