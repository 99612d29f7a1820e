"""`phonesim replay` on captures of whole boots: one phone's VLAN query, lease and INFORM
replayed as one boot, and a warm boot replayed with the discovery cache it booted with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from phonesim.cli import main
from phonesim.core.discovery_cache import DiscoveryCache, RegistrarTarget
from tests.replay import boot_captures

CS_URL = "https://web01.contoso.test:443/CertProv/CertProvisioningService.svc"
CACHED_URL = "https://web99.contoso.test:443/CertProv/CertProvisioningService.svc"
PROFILES = Path(__file__).resolve().parents[2] / "profiles"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")


def replay(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main(["replay", *(str(a) for a in argv)])
    out, err = capsys.readouterr()
    return code, out, err


def replays(out: str) -> list[dict[str, Any]]:
    """The replay of each JSON session line that carries one."""
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [line["replay"] for line in lines if line["type"] == "session" and line["replay"]]


def events(replayed: dict[str, Any]) -> list[str]:
    return [f"{t['stage']}.{t['event']}" for t in replayed["timeline"]]


def finding_ids(replayed: dict[str, Any]) -> list[str]:
    return [f["Id"] for f in replayed["findings"]]


def cache_file(folder: Path) -> Path:
    """What a boot keeps in `<state>/<mac>/discovery-cache.json` after signing in."""
    cache = DiscoveryCache(
        source="dhcp",
        web_url=CACHED_URL,
        registrars=(RegistrarTarget("pool99.contoso.test", 5061),),
        stored_at=1795420000.0,
        sip_domain="contoso.test",
    )
    path = folder / "00-04-f2-5a-10-01" / "discovery-cache.json"
    path.parent.mkdir()
    path.write_text(json.dumps(cache.to_json()))
    return path


def test_vlan_query_lease_and_inform_replay_as_one_boot(capsys, tmp_path: Path) -> None:
    capture = boot_captures.dnsmasq_boot(tmp_path)
    code, out, _ = replay(capsys, capture, "--json")
    assert code == 0
    (boot,) = replays(out)
    assert boot["boot_sessions"] == [1, 2, 3, 4]
    bringup = boot["bringup"]
    assert bringup["vlan"] == 150 and bringup["vlan_source"] == "dhcp"
    assert bringup["vlan_spelling"].startswith("one-byte integer")
    lease = bringup["lease"]
    assert lease["address"] == "192.0.2.100"
    assert lease["dns_servers"] == ["192.0.2.53"] and lease["dns_source"] == "lease"
    assert lease["missing"] == [15] and "domain" not in lease
    # No option 15 in the lease: the INFORM's ACK names the domain, before any other source.
    assert bringup["domain_from_inform_ack"] == "contoso.test"
    assert (boot["domain"], boot["domain_source"]) == ("contoso.test", "the INFORM's ACK")
    assert "lease.option_missing" in finding_ids(boot)
    assert boot["outcome"]["web_url"] == CS_URL
    assert [(a["part"], a["verdict"]) for a in boot["answers"]] == [
        ("vlan_query", "taken"),
        ("vlan_query", "acked"),
        ("lease", "taken"),
        ("lease", "acked"),
        ("inform", "won"),
    ]
    # The INFORM went out from the lease's address, after the move to VLAN 150.
    order = events(boot)
    assert (
        order.index("vlan.joined") < order.index("lease.values") < order.index("dhcp.inform_sent")
    )


def test_the_terminal_says_the_vlan_its_spelling_and_each_value_s_source(
    capsys, tmp_path: Path
) -> None:
    code, out, _ = replay(capsys, boot_captures.dnsmasq_boot(tmp_path))
    text = " ".join(out.split())
    assert code == 0
    assert (
        "VLAN 150 from DHCP (CPE-OCPHONE) by 192.0.2.5, sub-option 10 as one-byte integer" in text
    )
    assert "DNS servers 192.0.2.53 (from lease)" in text
    assert "domain contoso.test (from the INFORM's ACK, option 15: the lease had none)" in text
    assert "DHCP gave VLAN 150; the lease on VLAN 150 has no option 15" in text
    # Before the INFORM's ACK named it, the phone had no domain: no SRV question went out.
    assert "DNS registrar lookup: none found (the phone had no DNS domain to search in yet)" in text


def test_a_vlan_option_for_the_wrong_vendor_class_leaves_the_phone_untagged(
    capsys, tmp_path: Path
) -> None:
    code, out, _ = replay(capsys, boot_captures.wrong_vendor_class_boot(tmp_path), "--json")
    assert code == 0
    (boot,) = replays(out)
    assert boot["bringup"]["vlan"] is None
    assert boot["bringup"]["vlan_not_given"] == "the answer has no option 43"
    # It keeps the lease its VLAN query took, and sends its INFORM from there.
    assert boot["bringup"]["lease"]["address"] == boot_captures.QUERY_ADDRESS
    assert "lease.kept_from_query" in events(boot)
    assert "vlan.not_given" in finding_ids(boot)
    assert boot["outcome"]["result"] == "decided"


def test_two_phones_booting_at_once_are_two_boots(capsys, tmp_path: Path) -> None:
    code, out, _ = replay(capsys, boot_captures.two_phones(tmp_path), "--json")
    assert code == 0
    first, second = replays(out)
    assert first["boot_sessions"] == [1, 2, 5, 7] and second["boot_sessions"] == [3, 4, 6, 8]
    assert first["address"] == "192.0.2.100" and second["address"] == "192.0.2.101"


def test_a_laptop_s_lease_is_no_phone_boot(capsys, tmp_path: Path) -> None:
    """A DORA without a phone's vendor class and no INFORM after it stays one session."""
    writer = boot_captures.writer()
    scene = writer["Scene"]()
    boot_captures.dora(
        scene,
        at=writer["T0"],
        xid=0x3000_0001,
        mac="00:00:5e:00:53:99",
        offered="192.0.2.150",
        options=boot_captures.lease_options(),
        vendor_class=None,
    )
    path = tmp_path / "laptop.pcap"
    writer["write_pcap"](path, scene, writer["ethernet"])
    code, out, _ = replay(capsys, path, "--json")
    (line, _summary) = [json.loads(text) for text in out.splitlines()]
    assert code == 0
    assert line["replay"] is None and "DORA" in line["not_replayed"] and "boot" not in line


def test_a_boot_without_inform_stops_after_the_lease_and_names_the_cache(
    capsys, tmp_path: Path
) -> None:
    code, out, _ = replay(capsys, boot_captures.warm_boot(tmp_path), "--json")
    assert code == 0
    (boot,) = replays(out)
    notes = [t for t in boot["timeline"] if t["stage"] == "replay"]
    assert [n["event"] for n in notes] == ["no_inform_in_boot"]
    assert "--cache FILE" in notes[0]["fields"]["why"]
    assert "dhcp.inform_sent" not in events(boot)
    assert boot["bringup"]["lease"]["address"] == "192.0.2.100"


def test_with_its_cache_a_warm_boot_skips_discovery_as_the_phone_did(
    capsys, tmp_path: Path
) -> None:
    cache = cache_file(tmp_path)
    code, out, _ = replay(capsys, boot_captures.warm_boot(tmp_path), "--cache", cache, "--json")
    assert code == 0
    (boot,) = replays(out)
    order = events(boot)
    assert "discovery.cache_used" in order and "replay.no_inform_in_boot" not in order
    assert "dhcp.inform_sent" not in order
    assert "lease.values" in order
    assert boot["outcome"]["web_url"] == CACHED_URL
    assert boot["outcome"]["registrars"] == ["pool99.contoso.test:5061"]
    assert boot["cache_file"] == str(cache)
    assert "discovery.cache_used" in finding_ids(boot)
    # The phone's folder names the same file.
    code, out, _ = replay(capsys, boot_captures.warm_boot(tmp_path), "--cache", cache.parent)
    text = " ".join(out.split())
    assert code == 0
    assert f"web services {CACHED_URL} (discovery cache)" in text
    assert json.loads(cache.read_text())["web_url"] == CACHED_URL  # never written back


def test_a_fallback_profile_discovers_first_then_takes_the_cache(capsys, tmp_path: Path) -> None:
    profile = tmp_path / "cx600-fallback.toml"
    text = (PROFILES / "polycom-cx600.toml").read_text()
    assert "[cache]" not in text
    profile.write_text(text + '\n[cache]\nuse = "fallback"\n')
    cache = cache_file(tmp_path)
    code, out, _ = replay(
        capsys,
        boot_captures.warm_boot(tmp_path),
        "--cache",
        cache,
        "--profile",
        profile,
        "--json",
    )
    assert code == 0
    (boot,) = replays(out)
    order = events(boot)
    # gg398713: discovery as on any boot; the cache only once DHCP and DNS gave nothing.
    assert order.index("discovery.cache_held") < order.index("dhcp.inform_sent")
    assert order.index("dhcp.gave_up") < order.index("discovery.cache_used")
    assert "replay.part_not_captured" in order
    assert boot["outcome"]["web_url"] == CACHED_URL


def test_an_inform_session_alone_starts_with_the_cache_too(capsys, tmp_path: Path) -> None:
    """A phone that skips discovery never sends the captured INFORM's answers a use."""
    cache = cache_file(tmp_path)
    capture = Path(__file__).resolve().parents[2] / "examples" / "captures" / "lab-inform.pcap"
    code, out, _ = replay(capsys, capture, "--cache", cache, "--json")
    assert code == 0
    first = replays(out)[0]
    assert "discovery.cache_used" in events(first) and "dhcp.inform_sent" not in events(first)
    assert first["outcome"]["web_url"] == CACHED_URL


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("{", "not JSON"),
        ('{"format": 99}', "not a discovery cache of this phonesim"),
        (b"\xff\xfe\x00", "not UTF-8 text"),
    ],
)
def test_a_cache_file_that_cannot_be_used_is_one_line(
    capsys, tmp_path: Path, content: str | bytes | None, says: str
) -> None:
    path = tmp_path / "discovery-cache.json"
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    code, out, err = replay(capsys, boot_captures.warm_boot(tmp_path), "--cache", path)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"phonesim: error: --cache {path}: ") and says in line


def test_a_folder_without_a_cache_names_the_file_it_looked_for(capsys, tmp_path: Path) -> None:
    code, _, err = replay(capsys, boot_captures.warm_boot(tmp_path), "--cache", tmp_path)
    assert code == 2
    assert (
        err.strip() == f"phonesim: error: --cache {tmp_path / 'discovery-cache.json'}: no such file"
    )


def test_a_vlan_query_without_its_lease_in_the_capture_blames_the_capture(
    capsys, tmp_path: Path
) -> None:
    """A capture of the data VLAN sees the query that moved the phone, not its lease."""
    writer = boot_captures.writer()
    scene = writer["Scene"]()
    boot_captures.dora(
        scene,
        at=writer["T0"],
        xid=0x3100_0001,
        mac=writer["PHONE_MAC"],
        offered=boot_captures.QUERY_ADDRESS,
        options=[(43, boot_captures.DNSMASQ_VLAN_150)],
    )
    path = tmp_path / "query-only.pcap"
    writer["write_pcap"](path, scene, writer["ethernet"])
    code, out, _ = replay(capsys, path, "--json")
    (boot,) = replays(out)
    assert code == 3 and boot["outcome"]["reason"] == "lease.timeout"
    notes = [t["fields"] for t in boot["timeline"] if t["event"] == "part_not_captured"]
    assert [n["part"] for n in notes] == ["lease"]
    assert "lease.no_answer" not in finding_ids(boot)


def test_cache_is_refused_where_it_means_nothing(capsys, tmp_path: Path) -> None:
    capture = boot_captures.warm_boot(tmp_path)
    cache = cache_file(tmp_path)
    for extra, why in (
        (["--session", "1"], "--cache is for a phone's boot: leave out --session"),
        (["--resend", "--dhcp-server", "127.0.0.1"], "--cache is for the offline replay"),
    ):
        code, out, err = replay(capsys, capture, "--cache", cache, *extra)
        assert code == 2 and out == ""
        assert err.startswith(f"phonesim: error: {why}") and len(err.splitlines()) == 1


def test_after_a_query_that_left_the_phone_untagged_a_new_dora_is_a_new_boot(
    capsys, tmp_path: Path
) -> None:
    """That query's lease was the phone's lease: a DORA after it is the phone booting again
    (after a query that gave a VLAN, the next DORA is the lease, tagged or not)."""
    writer = boot_captures.writer()
    scene = writer["Scene"]()
    mac = writer["PHONE_MAC"]
    for at, xid, options in (
        (0.0, 0x3200_0001, boot_captures.lease_options()),
        (5.0, 0x3200_0002, [(43, boot_captures.DNSMASQ_VLAN_150)]),
        (5.5, 0x3200_0003, boot_captures.lease_options()),
    ):
        boot_captures.dora(
            scene,
            at=writer["T0"] + at,
            xid=xid,
            mac=mac,
            offered=boot_captures.QUERY_ADDRESS,
            options=options,
        )
    path = tmp_path / "reboot.pcap"
    writer["write_pcap"](path, scene, writer["ethernet"])
    code, out, _ = replay(capsys, path, "--json")
    assert code == 0
    first, second = replays(out)
    assert first["boot_sessions"] == [1] and first["bringup"]["vlan"] is None
    assert second["boot_sessions"] == [2, 3] and second["bringup"]["vlan"] == 150


def test_a_lone_lease_is_a_phone_s_boot_by_its_oui_or_with_a_cache(capsys, tmp_path: Path) -> None:
    """A phone whose cache let it skip discovery leaves only its lease, maybe with no
    vendor class: the profile's MAC prefix, or the cache the user gives, says it is one."""
    writer = boot_captures.writer()
    paths = {}
    for mac in ("00:04:f2:5a:10:09", "00:00:5e:00:53:99"):
        scene = writer["Scene"]()
        boot_captures.dora(
            scene,
            at=writer["T0"],
            xid=0x3300_0001,
            mac=mac,
            offered="192.0.2.150",
            options=boot_captures.lease_options(),
            vendor_class=None,
        )
        paths[mac] = tmp_path / f"{mac.replace(':', '')}.pcap"
        writer["write_pcap"](paths[mac], scene, writer["ethernet"])
    polycom, other = paths.values()
    code, out, _ = replay(capsys, polycom, "--json")
    (boot,) = replays(out)
    assert code == 0 and boot["bringup"]["lease"]["address"] == "192.0.2.150"
    code, out, _ = replay(capsys, other, "--json")
    assert code == 0 and replays(out) == []
    code, out, _ = replay(capsys, other, "--json", "--cache", cache_file(tmp_path))
    (boot,) = replays(out)
    assert code == 0 and boot["outcome"]["web_url"] == CACHED_URL


def test_the_release_a_boot_ends_with_is_part_of_that_boot(capsys, tmp_path: Path) -> None:
    """A boot gives its lease back when it ends: that RELEASE comes after the boot's
    replay, and is shown as the boot's, not as a session that could not be replayed."""
    writer = boot_captures.writer()
    scene = writer["Scene"]()
    tagged = boot_captures._boot(
        scene,
        at=writer["T0"],
        mac=writer["PHONE_MAC"],
        first_xid=0x3400_0001,
        address=writer["PHONE_IP"],
        query_options=[(43, boot_captures.DNSMASQ_VLAN_150)],
        lease=boot_captures.lease_options(),
        inform=True,
    )
    for mac, xid in ((writer["PHONE_MAC"], 0x3400_0009), ("00:00:5e:00:53:99", 0x3400_000A)):
        boot_captures.release(scene, at=writer["T0"] + 5.0, xid=xid, mac=mac, address="192.0.2.9")
    path = boot_captures._write(tmp_path / "ends-with-release.pcap", scene, tagged)
    code, out, _ = replay(capsys, path, "--json")
    lines = [json.loads(text) for text in out.splitlines()][:-1]
    assert code == 0
    phone, stranger = lines[-2:]
    assert phone["boot"]["part"] == "release" and phone["not_replayed"] is None
    assert stranger["not_replayed"] == "DHCPRELEASE: nothing in it for the phone's discovery"
