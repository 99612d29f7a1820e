"""Nothing learnt from a server is trusted by the discovery cache until it passes as a URL
or host the phone can use (hardening review D3).

One bad option 43 used to be cached before it was used, and then failed every later boot
of that phone against a healthy pool. The boots here run as a user runs them, with one
state folder kept between them as a phone keeps its flash.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option_uncached
from phonesim.core.discovery_cache import DiscoveryCache, RegistrarTarget
from phonesim.core.tls_dsk.registrar_answers import redirect_target
from phonesim.errors import MalformedOption
from tests.hostile_fixtures import Send, ack, dhcp_case, dhcp_fleet_case, healthy_case, option_43

HOSTILE_PARTS = {
    "bracket-in-host": {"fqdn": b"[web01.phonesim.test"},
    "control-character-in-path": {"path": b"/CertProv/Cert\x01ProvisioningService.svc"},
    "delete-at-end-of-path": {"path": b"/CertProv/CertProvisioningService.svc\x7f"},
    "userinfo-in-host": {"fqdn": b"web01.phonesim.test:1@evil.test"},
}
GOOD_URL = "https://web01.phonesim.test:443/CertProv/CertProvisioningService.svc"


def _cache_file(state: Path) -> Path | None:
    found = sorted(state.glob("*/discovery-cache.json"))
    return found[0] if found else None


@pytest.mark.parametrize("parts", HOSTILE_PARTS.values(), ids=HOSTILE_PARTS.keys())
def test_option_43_no_url_can_hold_is_refused_where_it_is_read(parts: dict[str, bytes]) -> None:
    with pytest.raises(MalformedOption, match=r"sub-option [35]"):
        decode_ms_uc_client_option_uncached(option_43(**parts))


@pytest.mark.parametrize(
    "parts",
    [HOSTILE_PARTS["bracket-in-host"], HOSTILE_PARTS["control-character-in-path"]],
    ids=["bracket-in-host", "control-character-in-path"],
)
def test_a_hostile_option_43_is_not_cached_and_the_next_boot_signs_in(
    tmp_path: Path, parts: dict[str, bytes]
) -> None:
    async def respond(send: Send, inform: bytes) -> None:
        send(ack(inform, option_43(**parts)))

    state = tmp_path / "state"
    hostile = asyncio.run(dhcp_case(respond, "--json", state=state, work=tmp_path))
    assert "Traceback" not in hostile.stderr
    assert hostile.exit_code == hostile.result["ExitCode"] == 4
    assert hostile.findings[0] == "option43.unreadable"
    cache = _cache_file(state)
    assert cache is not None  # the registrar of option 120 is kept, the URL is not
    assert json.loads(cache.read_text())["web_url"] is None
    after = asyncio.run(healthy_case("--json", state=state, work=tmp_path))
    assert after.exit_code == 0, after.stderr


def _poison(state: Path, **changes: object) -> None:
    cache = _cache_file(state)
    assert cache is not None
    data = json.loads(cache.read_text())
    data.update(changes)
    cache.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "changes",
    [
        {"web_url": "https://[web01.phonesim.test:443/CertProv/CertProvisioningService.svc"},
        {"web_url": "https://web01.phonesim.test:443/CertProv/Cert\x01Provisioning"},
        {"web_url": "https://web01.phonesim.test:99999/CertProv/CertProvisioningService.svc"},
        {"registrars": [{"host": "pool01 phonesim.test", "port": 5061, "transport": "tls"}]},
        {"registrars": [{"host": "pool01.phonesim.test", "port": 5061, "address": "evil"}]},
    ],
    ids=["bracket", "control-character", "port-out-of-range", "space-in-host", "bad-address"],
)
def test_a_cache_file_that_does_not_validate_is_ignored_with_a_note(
    tmp_path: Path, changes: dict[str, object]
) -> None:
    state = tmp_path / "state"
    assert asyncio.run(healthy_case("--json", state=state, work=tmp_path)).exit_code == 0
    _poison(state, **changes)
    outcome = asyncio.run(healthy_case("--json", state=state, work=tmp_path))
    assert outcome.exit_code == 0, outcome.stderr
    events = [json.loads(line) for line in (outcome.run_dir / "trace.jsonl").open()]
    ignored = [e for e in events if e["event"] == "cache_ignored"]
    assert len(ignored) == 1
    assert "not trusted" in ignored[0]["fields"]["why"]
    assert not [e for e in events if e["event"] == "cache_used"]
    assert json.loads((_cache_file(state) or state).read_text())["web_url"] == GOOD_URL


def test_a_cache_file_too_deeply_nested_to_read_is_ignored(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert asyncio.run(healthy_case("--json", state=state, work=tmp_path)).exit_code == 0
    cache = _cache_file(state)
    assert cache is not None
    cache.write_text("[" * 100_000 + "]" * 100_000)
    outcome = asyncio.run(healthy_case("--json", state=state, work=tmp_path))
    assert outcome.exit_code == 0, outcome.stderr


def test_values_that_do_not_validate_are_never_usable() -> None:
    good = DiscoveryCache("dhcp", GOOD_URL, (RegistrarTarget("pool01.phonesim.test", 5061),), 0.0)
    assert good.usable and good.problem is None
    for web_url, target in (
        ("https://[web01/x", RegistrarTarget("pool01.phonesim.test", 5061)),
        ("ftp://web01.phonesim.test/x", RegistrarTarget("pool01.phonesim.test", 5061)),
        (GOOD_URL, RegistrarTarget("pool01.phonesim.test", 0)),
        (GOOD_URL, RegistrarTarget("x" * 300, 5061)),
    ):
        cache = DiscoveryCache("dhcp", web_url, (target,), 0.0)
        assert not cache.usable and cache.problem is not None


def test_a_fleet_given_a_hostile_option_43_accounts_for_every_phone_by_its_reason(
    tmp_path: Path,
) -> None:
    async def respond(send: Send, inform: bytes) -> None:
        send(ack(inform, option_43(**HOSTILE_PARTS["bracket-in-host"])))

    code, summary = asyncio.run(dhcp_fleet_case(respond, 10, work=tmp_path))
    assert code == 3
    assert summary["outcomes"] == {"rootchain.http_404": 10}


@pytest.mark.parametrize("port", ["²", "9" * 5000, "99999"])
def test_a_redirect_contact_whose_port_is_no_port_is_not_followed(port: str) -> None:
    assert redirect_target([f"<sip:pool02.phonesim.test:{port};transport=tls>"]) is None
