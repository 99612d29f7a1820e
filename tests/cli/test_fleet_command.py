"""`phonesim fleet` as a test engineer runs it."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.fleet.stage_clock import StageClock


def steps(samples: list[tuple[str, float]]) -> StageClock:
    clock = StageClock()
    clock.samples = samples
    clock.reached = {stage for stage, _ in samples}
    return clock


def test_a_small_fleet_against_the_lab_writes_the_whole_report(capsys, tmp_path: Path) -> None:
    report = tmp_path / "out"
    code = main(
        [
            "fleet",
            "--lab",
            "--phones",
            "20",
            "--rate",
            "max",
            "--key-pool",
            "2",
            "--json",
            "--report",
            str(report),
        ]
    )
    out, _ = capsys.readouterr()
    summary = json.loads(out)
    assert code == 0
    assert summary["phones_started"] == summary["succeeded"] == 20
    assert summary["accounting_complete"] is True
    assert summary["stopped"] == "completed"
    assert set(summary["latency_seconds"]) >= {
        "dhcp",
        "dns",
        "webticket",
        "certprov",
        "registrar",
        "boot",
    }
    assert json.loads((report / "summary.json").read_text())["succeeded"] == 20
    with (report / "phones.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 20
    page = (report / "report.html").read_text()
    assert page.count("<svg") == 7 and "<script" not in page


def test_failures_give_exit_code_3(capsys, tmp_path: Path) -> None:
    code = main(
        [
            "fleet",
            "--lab",
            "--scenario",
            "registrar-unreachable",
            "--phones",
            "5",
            "--rate",
            "max",
            "--key-pool",
            "1",
            "--json",
            "--report",
            str(tmp_path / "out"),
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == 3
    assert summary["outcomes"] == {"registrar.unreachable": 5}


def test_bad_load_is_one_line(capsys) -> None:
    code = main(["fleet", "--lab", "--phones", "10", "--rate", "lots"])
    _, err = capsys.readouterr()
    assert code == 2 and "rate 'lots'" in err and "Traceback" not in err
    code = main(["fleet", "--phones", "10"])
    _, err = capsys.readouterr()
    assert code == 2 and "say where the servers are" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--duration", "0s"], "--duration '0s': must be more than 0"),
        (["--duration", "-5s"], "--duration '-5s': must be more than 0"),
        (["--rate", "-5/s"], "--rate '-5/s': must be more than 0 phones per second (or max)"),
        (["--ramp", "-1s"], "--ramp '-1s': must not be negative"),
        (
            ["--lab-endpoints", "x.json"],
            "choose one of --lab, --lab-endpoints, --iface/--dhcp-server "
            "(given: --lab, --lab-endpoints)",
        ),
        (["--report", "/proc/nope/x"], "--report /proc/nope/x: cannot write there"),
        (["--report", "{file}"], "--report {file}: exists and is not a folder"),
    ],
)
def test_bad_fleet_input_is_one_line_and_exit_2(
    capsys, tmp_path: Path, extra: list[str], message: str
) -> None:
    existing = tmp_path / "notcap.pcap"
    existing.write_bytes(b"")
    extra = [a.replace("{file}", str(existing)) for a in extra]
    code = main(["fleet", "--lab", "--phones", "3", *extra])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("phonesim: error: "), err
    assert message.replace("{file}", str(existing)) in lines[0]
    assert "starting the lab" not in out  # refused before anything started


def test_the_dashboard_shows_steps_rates_and_failures() -> None:
    from collections import Counter

    from rich.console import Console

    from phonesim.fleet.dashboard import render
    from phonesim.fleet.fleet_run import FleetProgress
    from phonesim.fleet.statistics import FleetStatistics

    stats = FleetStatistics()
    for second in range(3):
        stats.phone_started(second)
        stats.phone_finished(second + 0.5, "success", steps([("dhcp", 0.012), ("boot", 1.5)]))
    stats.phone_started(3)
    stats.phone_finished(3.2, "webticket.pin_rejected", steps([("dhcp", 0.02)]))
    progress = FleetProgress(
        elapsed=4.0,
        statistics=stats,
        in_flight=2,
        by_stage=Counter({"certprov": 2}),
        arrivals_done=False,
        stopping=False,
    )
    console = Console(record=True, width=140)
    console.print(render(progress, planned=10))
    text = console.export_text()
    assert "started 4/10" in text and "in flight 2" in text
    assert "webticket.pin_rejected" in text
    assert "12.0" in text  # dhcp p50 in ms


def test_the_end_summary_says_why_a_run_stopped_early(capsys, tmp_path: Path) -> None:
    code = main(
        [
            "fleet",
            "--lab",
            "--scenario",
            "registrar-unreachable",
            "--phones",
            "300",
            "--rate",
            "100/s",
            "--key-pool",
            "1",
            "--max-failures",
            "2",
            "--report",
            str(tmp_path / "out"),
        ]
    )
    out, _ = capsys.readouterr()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert code == 3
    assert summary["stopped"] == "max-failures (2)"
    assert summary["config"]["max_failures"] == 2
    failed = summary["failed"]
    assert f"stopped: {failed} failures reached --max-failures 2" in out


def test_a_failing_step_shows_in_every_output(capsys, tmp_path: Path) -> None:
    report = tmp_path / "out"
    code = main(
        [
            "fleet",
            "--lab",
            "--scenario",
            "certprov-404",
            "--phones",
            "10",
            "--rate",
            "max",
            "--report",
            str(report),
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 3
    summary = json.loads((report / "summary.json").read_text())
    assert summary["steps"]["metadata"]["failed"] == 10
    assert summary["failures"][0]["reason"] == "certprov.http_404"
    page = (report / "report.html").read_text()
    assert "certprov.http_404" in page and "CertProvisioningService failed at" in page
    assert "No boot succeeded, so there is no boot latency to draw" in page
    assert "metadata: ran on 10 of 10 phones; 0 ok, 10 failed" in out.replace("\n", " ")
    assert "certprov.http_404" in out and "Not Found" in out


def test_a_burst_at_rate_max_loses_no_time_request(capsys, tmp_path: Path) -> None:
    # 500 phones at once ask the lab for the time within moments of each other.
    code = main(
        [
            "fleet",
            "--lab",
            "--phones",
            "500",
            "--rate",
            "max",
            "--stage",
            "webticket",
            "--key-pool",
            "1",
            "--json",
            "--report",
            str(tmp_path / "out"),
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    time_step = summary["steps"]["time"]
    assert (time_step["ok"], time_step["timed_out"]) == (500, 0)
    assert summary["latency_seconds"]["time"]["count"] == 500
    assert summary["udp_receive_drops"]["servers"] == {"dhcp": 0, "dns": 0, "time": 0}


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("wrong-pin", "webticket.pin_rejected"),
        ("pin-locked", "webticket.pin_locked"),
        ("not-sip-enabled", "webticket.not_sip_enabled"),
    ],
)
def test_a_user_scenario_applies_to_every_phone_of_the_fleet(
    capsys, tmp_path: Path, scenario: str, reason: str
) -> None:
    code = main(
        [
            "fleet",
            "--lab",
            "--scenario",
            scenario,
            "--phones",
            "10",
            "--rate",
            "max",
            "--stage",
            "webticket",
            "--report",
            str(tmp_path / "out"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 3, err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["outcomes"] == {reason: 10}
    assert summary["config"]["scenario_expects"] == reason
    assert f"scenario {scenario} expects {reason}: 10 of 10 phones" in out


def floats_in(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in floats_in(v)]
    return []


def test_the_report_says_when_where_what_and_per_profile(capsys, tmp_path: Path) -> None:
    report = tmp_path / "out"
    code = main(
        [
            "fleet",
            "--lab",
            "--phones",
            "30",
            "--rate",
            "max",
            "--stage",
            "dhcp",
            "--mix",
            "polycom-cx600=2,aastra-6725ip=1",
            "--max-failures",
            "5",
            "--report",
            str(report),
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    summary = json.loads((report / "summary.json").read_text())
    run = summary["run"]
    assert run["started_utc"].endswith("+00:00") and run["host"] and run["phonesim_version"]
    config = summary["config"]
    assert config["mix"] == {"polycom-cx600": 2, "aastra-6725ip": 1}
    assert (config["phones"], config["key_pool"], config["max_failures"]) == (30, 8, 5)
    assert (config["stage"], config["rate"], config["ramp"], config["seed"]) == (
        "dhcp",
        "max",
        "0s",
        1,
    )
    assert config["duration"] is None
    assert {p: f["phones_finished"] for p, f in summary["profiles"].items()} == {
        "polycom-cx600": 20,
        "aastra-6725ip": 10,
    }
    assert all(round(f, 6) == f for f in floats_in(summary))  # no float noise
    page = (report / "report.html").read_text()
    # A storm this short can end before the event loop's lateness is first measured.
    charts = 7 if summary["loop_lag"]["ticks"] else 6
    assert page.count("<svg") == charts and "<script" not in page
    assert '<a href="phones.csv">' in page
    assert "phones finished per second (phones finished ÷ elapsed time)" in page
    assert "30 reached dhcp" in page and "signed in" not in page
    assert "<th>mean</th>" in page and "Per profile" in page
    assert "boot: the same figures as dhcp" in page and "30 reached dhcp, 0 failed" in out


def test_a_duration_run_records_the_limit_not_the_count(capsys, tmp_path: Path) -> None:
    code = main(
        [
            "fleet",
            "--lab",
            "--duration",
            "300ms",
            "--rate",
            "50/s",
            "--stage",
            "dhcp",
            "--json",
            "--report",
            str(tmp_path / "out"),
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["config"]["phones"] is None
    assert (summary["config"]["duration"], summary["config"]["duration_seconds"]) == ("300ms", 0.3)
    assert summary["stopped"] == "duration"
    assert summary["phones_started"] == 15


def test_one_phone_is_one_phone(capsys, tmp_path: Path) -> None:
    code = main(
        ["fleet", "--lab", "--phones", "1", "--stage", "dhcp", "--report", str(tmp_path / "o")]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    assert "1 phone in " in out, out
    # "638.1 phones/s" is a rate, not a count: only a count of one must not read "phones".
    assert not re.search(r"(?<![\d.])1 phones", out), out


def test_a_lab_that_knows_none_of_the_fleet_numbers_gets_a_hint(capsys, tmp_path: Path) -> None:
    import asyncio

    from phonesim.fleet.lab_process import LabProcess

    lab = LabProcess()  # the shipped users: 5551234...
    try:
        asyncio.run(lab.start())
        assert lab.folder is not None
        code = main(
            [
                "fleet",
                "--lab-endpoints",
                str(lab.folder / "lab.json"),
                "--phones",
                "3",
                "--rate",
                "max",
                "--stage",
                "webticket",
                "--report",
                str(tmp_path / "out"),
            ]
        )
    finally:
        lab.stop()
    out, _ = capsys.readouterr()
    assert code == 3
    flat = " ".join(out.split())
    assert (
        "fleet phones are numbered 6000000 and up; this lab does not know them: "
        "pass --users with its users" in flat
    )
    page = (tmp_path / "out" / "report.html").read_text()
    assert "fleet phones are numbered 6000000 and up" in page


MULTI_USER_SCENARIO = """\
[scenario]
summary = "two users changed differently"

[[webticket.user]]
extension = "5551234"
pin = "97531"

[[webticket.user]]
extension = "5551235"
sip_enabled = false
"""


@pytest.mark.parametrize("report", [None, "out/run"])
def test_a_refused_scenario_starts_nothing_and_leaves_no_folder(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: str | None
) -> None:
    scenario = tmp_path / "multi.toml"
    scenario.write_text(MULTI_USER_SCENARIO)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    given = [] if report is None else ["--report", report]
    code = main(["fleet", "--lab", "--scenario", str(scenario), "--phones", "20", *given])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "changes users 5551234, 5551235 differently" in lines[0], err
    assert "starting the lab" not in out
    assert list(work.iterdir()) == []


def test_a_run_refused_after_its_folder_was_made_takes_the_folder_back(
    capsys, tmp_path: Path
) -> None:
    # The endpoints file is read once the run has begun; its absence is still bad input.
    report = tmp_path / "out" / "run"
    gone = tmp_path / "gone.json"
    code = main(["fleet", "--lab-endpoints", str(gone), "--phones", "3", "--report", str(report)])
    _, err = capsys.readouterr()
    assert code == 2 and "gone.json: no such file" in err
    assert list(tmp_path.iterdir()) == []


def test_a_narrow_terminal_shows_the_dashboards_figures_whole() -> None:
    from collections import Counter

    from rich.console import Console

    from phonesim.fleet.dashboard import render
    from phonesim.fleet.fleet_run import FleetProgress
    from phonesim.fleet.statistics import FleetStatistics

    stats = FleetStatistics()
    for second in range(3):
        stats.phone_started(second)
        stats.phone_finished(second + 0.5, "success", steps([("dhcp", 0.012), ("boot", 12.3456)]))
    progress = FleetProgress(
        elapsed=4.0,
        statistics=stats,
        in_flight=12000,
        by_stage=Counter({"certprov": 10000, "registrar": 2000}),
        arrivals_done=False,
        stopping=False,
    )
    console = Console(record=True, width=40)
    console.print(render(progress, planned=100000))
    text = console.export_text()
    assert "…" not in text
    for figure in ("10000", "2000", "12345.6", "rootchain", "registrar"):
        assert figure in text.split() or f"={figure}" in text, figure
