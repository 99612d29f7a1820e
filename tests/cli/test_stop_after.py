"""`--stop-after STAGE` stops exactly there: what the lab received proves nothing of a later
stage left the phone, for a phone that discovered and for one that used its cache.

Against a production pool "stop after dhcp" means "do not touch the web services": a PIN
sent anyway counts toward the lockout, and a certificate is published.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.cli.common import STAGES
from phonesim.codec.dhcp_message import DHCPREQUEST
from phonesim.codec.ocauthws.endpoints import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_SUFFIX,
    ROOT_CHAIN_PATH,
    WEB_TICKET_PATH,
    WEB_TICKET_PIN_SUFFIX,
)
from phonesim.core.phone import STOP_STAGES
from phonesim.lab.embedded_lab import EmbeddedLab
from tests.replay.lab_thread import lab_in_thread

# What each stage sends, as the lab sees it.
WEB_REQUESTS = {
    ("GET", ROOT_CHAIN_PATH): "rootchain",
    ("GET", CERT_PROV_PATH + "/mex"): "webticket",  # the metadata naming the ticket service
    ("GET", WEB_TICKET_PATH + "/mex"): "webticket",
    ("POST", WEB_TICKET_PATH + WEB_TICKET_PIN_SUFFIX): "webticket",  # the PIN
    ("POST", CERT_PROV_PATH + CERT_PROV_PROOF_SUFFIX): "certprov",  # the CSR
}


def received(lab: EmbeddedLab) -> Counter[str]:
    """Requests the lab's servers took, by the stage that sends them."""
    assert lab.dhcp and lab.dns and lab.time and lab.web and lab.registrar
    seen: Counter[str] = Counter()
    seen["dhcp"] = lab.dhcp.counts["answered"]
    seen["lease"] = lab.dhcp.counts[f"lease_{DHCPREQUEST}"]
    seen["dns"] = sum(lab.dns.counts.values())
    seen["time"] = lab.time.counts["answered"]
    for request in lab.web.received:
        seen[WEB_REQUESTS[(request.method, request.path_qs.split("?")[0])]] += 1
    seen["registrar"] = lab.registrar.counts["challenged"]
    tls_dsk = lab.registrar.tls_dsk
    subscribes = 0 if tls_dsk is None else sum(tls_dsk.subscriptions.counts.values())
    seen["tlsdsk"] = lab.registrar.counts["tls_dsk"] - subscribes
    seen["provisioning"] = subscribes
    return +seen


def boot(tmp_path: Path, endpoints: Path, state: Path, *extra: str) -> dict:
    runs = tmp_path / "runs"
    code = main(
        [
            "boot",
            "--lab-endpoints",
            str(endpoints),
            "--ext",
            "5551234",
            "--pin",
            "13579",
            "--state-dir",
            str(state),
            "--runs-dir",
            str(runs),
            "--json",
            *extra,
        ]
    )
    return {"code": code}


def test_the_command_line_offers_every_stage_the_core_can_stop_after() -> None:
    assert STAGES == STOP_STAGES


@pytest.mark.parametrize("cached", [False, True], ids=["fresh", "cached"])
def test_stop_after_sends_nothing_of_a_later_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cached: bool
) -> None:
    state = tmp_path / "state"
    with lab_in_thread() as (lab, endpoints):
        endpoints_file = tmp_path / "lab.json"
        endpoints_file.write_text(json.dumps(endpoints.to_json()))
        if cached:
            assert boot(tmp_path, endpoints_file, state)["code"] == 0
        capsys.readouterr()
        # The healthy lab leases nothing: `lease` is refused here (its own test below).
        for stage in (stage for stage in STOP_STAGES if stage != "lease"):
            before = received(lab)
            outcome = boot(tmp_path, endpoints_file, state, "--stop-after", stage)
            result = json.loads(capsys.readouterr().out)
            assert outcome["code"] == 0, result
            assert (result["Result"], result["Stage"]) == ("Success", stage)
            assert result["DiscoverySource"] == ("cache" if cached else "dhcp")
            sent = received(lab) - before
            later = set(STOP_STAGES[STOP_STAGES.index(stage) + 1 :])
            assert not later & set(sent), (stage, dict(sent))
            # ... and the stage itself did happen, unless the cache stood in for it.
            if stage == "registrar":
                assert sent["registrar"] == 1
            elif stage in ("dhcp", "discovery"):
                assert sent["dhcp"] == (0 if cached else 1), (stage, dict(sent))
            elif cached and stage in ("webticket", "certprov"):
                # The certificate kept from the first sign-in stands in: no PIN, no CSR.
                assert sent[stage] == 0, (stage, dict(sent))
            else:
                assert sent[stage] >= 1, (stage, dict(sent))
            if not cached:
                # A phone keeps what it learnt: empty its flash so the next boot is fresh too.
                for cache_file in state.glob("*/discovery-cache.json"):
                    cache_file.unlink()


def test_a_cached_boot_asked_to_stop_after_dhcp_says_the_cache_stood_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    with lab_in_thread() as (_lab, endpoints):
        endpoints_file = tmp_path / "lab.json"
        endpoints_file.write_text(json.dumps(endpoints.to_json()))
        assert boot(tmp_path, endpoints_file, state)["code"] == 0
        capsys.readouterr()
        code = main(
            [
                "boot",
                "--lab-endpoints",
                str(endpoints_file),
                "--ext",
                "5551234",
                "--pin",
                "13579",
                "--state-dir",
                str(state),
                "--runs-dir",
                str(tmp_path / "runs"),
                "--stop-after",
                "dhcp",
            ]
        )
    out = capsys.readouterr().out
    assert code == 0
    assert "no DHCPINFORM was sent" in out
    assert "stopped after dhcp, as asked" in out
    assert "None" not in out


def test_stop_after_lease_without_a_lease_to_take_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            *("boot", "--lab", "--ext", "5551234", "--pin", "13579", "--stop-after", "lease"),
            *("--state-dir", str(tmp_path / "state"), "--runs-dir", str(tmp_path / "runs")),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--stop-after lease" in err and "vlan-from-dhcp" in err
    assert "Traceback" not in err


def test_stop_after_lease_in_a_lab_with_a_site_dhcp_server_ends_with_the_lease(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            *("boot", "--lab", "--scenario", "vlan-from-dhcp", "--ext", "5551234"),
            *("--pin", "13579", "--stop-after", "lease", "--json"),
            *("--state-dir", str(tmp_path / "state"), "--runs-dir", str(tmp_path / "runs")),
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert (result["Result"], result["Stage"]) == ("Success", "lease")
