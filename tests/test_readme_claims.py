"""What the README says of outputs that tests elsewhere do not print: the device log's
threads and the lab CA's name, as the code has them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.report.device_log import THREADS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_lists_every_device_log_thread() -> None:
    section = README[README.index("### The device log format") : README.index("### Exit codes")]
    listed = {int(hexa, 16) for hexa in re.findall(r"`0x([0-9A-F]{8})`", section)}
    assert listed == set(THREADS.values())


def test_the_readme_names_the_lab_ca_as_a_boot_prints_it() -> None:
    name = LabCertificateAuthority.create(now=datetime.now(UTC)).name
    assert f"issuer {name}," in README
