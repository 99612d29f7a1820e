"""report.html in every run folder: the result, the findings with their fix, the waterfall of
every step, every DHCP answer, links to the run's files; and nothing fetched from anywhere."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from phonesim.cli import main
from phonesim.report.boot_page import BAR_COLOURS
from tests.netns import require_tools


def lab_boot(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Path:
    main(
        [
            "boot",
            "--lab",
            "--ext",
            "5551234",
            "--pin",
            "13579",
            "--seed",
            "7",
            "--state-dir",
            str(tmp_path / "state"),
            "--run-dir",
            str(tmp_path / "run"),
            "--json",
            *extra,
        ]
    )
    capsys.readouterr()
    return tmp_path / "run"


class _References(HTMLParser):
    """Every address the page would load or link, and its SVG bars."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.bars: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "a" and named.get("href"):
            self.links.append(str(named["href"]))
        for attribute in ("src", "srcset", "data", "poster"):
            if named.get(attribute):
                self.loads.append(str(named[attribute]))
        if tag == "link":
            self.loads.append(str(named.get("href")))
        if tag == "rect" and "bar" in str(named.get("class")):
            self.bars.append(named)


def test_a_failed_boot_page_holds_the_failure_its_fix_and_every_step(capsys, tmp_path) -> None:
    run = lab_boot(tmp_path, capsys, "--scenario", "wrong-pin")
    page = (run / "report.html").read_text(encoding="utf-8")
    result = json.loads((run / "result.json").read_text())
    assert "webticket.pin_rejected" in page
    assert "Set-CsClientPin" in page  # the finding's fix
    assert result["DhcpAnswers"][0]["WebUrl"] in page
    parsed = _References()
    parsed.feed(page)
    steps = [bar.get("class") for bar in parsed.bars]
    assert "bar failed" in steps and steps.count("bar ok") >= 5
    assert not parsed.loads
    assert "url(" not in page and "@import" not in page
    # Links to the run's own files, by names beside the page.
    assert {"cpsw3g.log", "trace.jsonl", "result.json", "capture.pcap"} <= set(parsed.links)
    assert all((run / link).exists() for link in parsed.links)
    assert "13579" not in page.replace("0.13579", "")


def test_a_signed_in_boot_draws_a_bar_for_every_stage_it_went_through(capsys, tmp_path) -> None:
    page = (lab_boot(tmp_path, capsys) / "report.html").read_text(encoding="utf-8")
    parsed = _References()
    parsed.feed(page)
    assert all(bar.get("class") == "bar ok" for bar in parsed.bars)
    labels = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    for step in ("dhcp", "dns", "time", "rootchain", "webticket", "certprov", "registrar"):
        assert f">{step}</text>" in labels
    assert ">tlsdsk</text>" in labels and ">provisioning</text>" in labels


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "chromium",
            "--headless=new",
            "--no-sandbox",  # the tests run as root, where Chromium's sandbox will not start
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_chromium_shows_the_waterfall_offline(capsys, tmp_path: Path) -> None:
    require_tools("chromium")
    run = lab_boot(tmp_path, capsys, "--scenario", "wrong-pin")
    url = (run / "report.html").resolve().as_uri()
    dom = _chromium(tmp_path, "--dump-dom", url).stdout
    rendered = _References()
    rendered.feed(dom)
    assert len(rendered.bars) >= 6
    shot = tmp_path / "report.png"
    _chromium(tmp_path, "--window-size=1200,1400", f"--screenshot={shot}", url)
    image = Image.open(shot).convert("RGB")
    colours = {colour: count for count, colour in image.getcolors(maxcolors=1 << 24) or []}
    counts = {outcome: colours.get(_rgb(colour), 0) for outcome, colour in BAR_COLOURS.items()}
    # Bars are at least 3 px wide and 15 px high: the failed step and the steps before it.
    assert counts["failed"] >= 3 * 15
    assert counts["ok"] >= 6 * 3 * 15


def _rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def test_every_dhcp_answer_is_on_the_page_decoded(capsys, tmp_path) -> None:
    run = lab_boot(tmp_path, capsys, "--scenario", "first-answer-without-fqdn")
    page = (run / "report.html").read_text(encoding="utf-8")
    answers = json.loads((run / "result.json").read_text())["DhcpAnswers"]
    assert len(answers) == 2
    section = page.split("<h2>DHCP answers</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<h3>Answer 1</h3>" in section and "<h3>Answer 2</h3>" in section
    for answer in answers:
        assert f"<td>{answer['Server']}</td>" in section
    assert "no option 120" in section  # the answer the phone did not use, and why
    assert "https://web01.phonesim.test:443/CertProv/CertProvisioningService.svc" in section
