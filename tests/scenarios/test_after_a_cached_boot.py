"""A scenario reproduces its fault whatever the state folder holds.

The README's first command leaves a discovery cache in the state folder; a cached phone
skips DHCP and DNS, so without care every DHCP or DNS scenario run afterwards would come
out healthy. These tests run as a user does: the CLI, one state folder, a healthy boot
first.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.lab.scenario import catalogue, load_scenario
from phonesim.profiles import available_profiles
from phonesim.replay.lab_exchange import captured_exchange
from tests.replay.captures import capture
from tests.replay.lab_thread import lab_in_thread

USER = ["--ext", "5551234", "--pin", "13579"]


@pytest.fixture(scope="module")
def quick_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CX600 with DHCP timers scaled down, so silent and slow DHCP take a second."""
    return quick(tmp_path_factory.mktemp("profile"), "polycom-cx600")


def quick(folder: Path, name: str) -> Path:
    """Profile `name` with DHCP timers scaled down, written in `folder`."""
    text = available_profiles()[name].read_text()
    text = re.sub(r"(?m)^retransmit_after = .*$", "retransmit_after = [0.3, 0.3, 0.3, 0.3]", text)
    text = re.sub(r"(?m)^retransmit_jitter = .*$", "retransmit_jitter = 0.0", text)
    text = re.sub(r"(?m)^answer_window = .*$", "answer_window = 0.3", text)
    path = folder / f"quick-{name}.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def cached_state(tmp_path_factory: pytest.TempPathFactory, quick_profile: Path) -> Path:
    """A state folder after the README's first command: the phone's cache is in it."""
    state = tmp_path_factory.mktemp("state")
    runs = tmp_path_factory.mktemp("runs")
    code = main(
        [
            *("boot", "--lab", "--profile", str(quick_profile), *USER),
            *("--state-dir", str(state), "--runs-dir", str(runs), "--json"),
        ]
    )
    assert code == 0
    assert list(state.glob("*/discovery-cache.json")), "the healthy boot left no cache"
    return state


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def flash(state: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in state.glob("*/discovery-cache.json")}


RAW_LINE = re.compile(r"^\s*\d+\.\d+s \S+\s+[a-z_0-9]+=", re.M)
"""A timeline line that is only `key=value` fields: an event the timeline does not word."""


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_scenario_ends_as_it_says_after_a_healthy_boot(
    name: str,
    cached_state: Path,
    quick_profile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario = load_scenario(name)
    expect = scenario.expect
    assert expect is not None
    # A scenario that needs its own firmware (CU7's strict naming) is met by that firmware.
    profile = quick(tmp_path, scenario.profile) if scenario.profile else quick_profile
    # A warm scenario's phone signed in to the site before: the user asks for its cache,
    # in a copy of the state folder, since that sign-in rewrites what it keeps.
    state = cached_state
    if scenario.warm_cache:
        state = Path(shutil.copytree(cached_state, tmp_path / "state"))
    before = flash(cached_state)
    capsys.readouterr()
    code = main(
        [
            *("boot", "--lab", "--scenario", name, "--profile", str(profile), *USER),
            *("--state-dir", str(state), "--run-dir", str(tmp_path / "run")),
            *(["--cache"] if scenario.warm_cache else []),
        ]
    )
    shown = capsys.readouterr().out
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert (result["Result"], result["Stage"]) == (expect.result, expect.stage), result["Error"]
    assert result.get("Reason") == expect.reason
    ids = [f["Id"] for f in result["Findings"]]
    if expect.finding is None:
        assert ids == []
    else:
        assert ids[0] == expect.finding, ids
    assert code == result["ExitCode"]
    assert (code == 0) == (expect.result == "Success")
    # The person at the terminal read the whole boot, each step in words, and its end.
    assert f"Result      {expect.result}" in shown or f"Result       {expect.result}" in shown
    assert not RAW_LINE.findall(shown), RAW_LINE.findall(shown)
    assert flash(cached_state) == before
    if scenario.warm_cache:
        assert result["DiscoveryCache"]["Used"] is True
        return
    # A factory-fresh phone: it asked DHCP itself, and its flash was left as it was.
    assert result["DiscoveryCache"]["Used"] is False
    assert "scenario" in result["DiscoveryCache"]["NotReadBecause"]
    assert flash(cached_state) == before


def test_asking_for_the_cache_with_a_scenario_uses_it_and_says_so(
    cached_state: Path, quick_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = run(
        capsys,
        "boot",
        "--lab",
        "--scenario",
        "no-option-120",
        "--cache",
        "--profile",
        str(quick_profile),
        *USER,
        "--state-dir",
        str(cached_state),
        "--runs-dir",
        str(tmp_path),
        "--json",
    )
    # The cached phone never asks DHCP, so the missing option 120 does not touch it.
    assert code == 0
    assert result["DiscoverySource"] == "cache"
    assert result["DiscoveryCache"]["Used"] is True
    (finding,) = result["Findings"]
    assert finding["Id"] == "discovery.cache_used"
    assert finding["Evidence"]["cached_registrars"] == ["pool01.phonesim.test:5061"]


def test_a_lab_started_with_a_scenario_meets_a_fresh_phone(
    cached_state: Path, quick_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints_file = tmp_path / "phonesim-lab.json"
    with lab_in_thread(scenario=load_scenario("no-option-120")) as (_lab, endpoints):
        endpoints_file.write_text(json.dumps(endpoints.to_json()))
        code, result = run(
            capsys,
            "boot",
            "--lab-endpoints",
            str(endpoints_file),
            "--profile",
            str(quick_profile),
            *USER,
            "--state-dir",
            str(cached_state),
            "--runs-dir",
            str(tmp_path),
            "--json",
        )
    assert code == 7
    assert result["Reason"] == "registrar.none_found"
    assert result["Findings"][0]["Id"] == "option120.missing"


def test_a_lab_serving_a_capture_shows_the_customer_s_dhcp_decision(
    cached_state: Path, quick_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exchange = captured_exchange(capture("two-servers.pcapng"))
    endpoints_file = tmp_path / "phonesim-lab.json"
    with lab_in_thread(dhcp_capture=exchange) as (_lab, endpoints):
        endpoints_file.write_text(json.dumps(endpoints.to_json()))
        code, result = run(
            capsys,
            "boot",
            "--lab-endpoints",
            str(endpoints_file),
            "--stop-after",
            "discovery",
            "--profile",
            str(quick_profile),
            *USER,
            "--state-dir",
            str(cached_state),
            "--runs-dir",
            str(tmp_path),
            "--json",
        )
    assert code == 0
    assert result["DiscoverySource"] == "dhcp"
    answers = {a["Server"]: a for a in result["DhcpAnswers"]}
    assert set(answers) == {"192.0.2.5", "192.0.2.6"}
    assert "two-servers.pcapng" in result["DiscoveryCache"]["NotReadBecause"]


def test_diagnose_discovers_afresh_and_keeps_the_flash(
    cached_state: Path, quick_profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = flash(cached_state)
    code, result = run(
        capsys,
        "diagnose",
        "--lab",
        "--profile",
        str(quick_profile),
        *USER,
        "--state-dir",
        str(cached_state),
        "--runs-dir",
        str(tmp_path),
        "--json",
    )
    assert code == 0
    assert result["DiscoverySource"] == "dhcp"
    assert result["DiscoveryCache"]["Held"]["Registrars"] == ["pool01.phonesim.test:5061"]
    # The site gives what the cache holds: nothing to say about cached phones.
    assert result["Findings"] == []
    assert flash(cached_state) == before
