"""A fleet's report holds every setting it ran with and what it ran on, so a run read
weeks later can be repeated and its timings compared with another's."""

from __future__ import annotations

import html
import json
import platform
from pathlib import Path

from phonesim.cli import main
from phonesim.fleet.report_settings import WHERE


def test_the_report_holds_where_the_servers_were_and_what_ran(capsys, tmp_path: Path) -> None:
    report = tmp_path / "fleet"
    code = main(
        [
            *("fleet", "--lab", "--phones", "3", "--rate", "max"),
            *("--key-pool", "1", "--json", "--report", str(report)),
        ]
    )
    capsys.readouterr()
    assert code == 0
    summary = json.loads((report / "summary.json").read_text())
    config = summary["config"]
    assert set(WHERE) <= set(config)
    assert (config["lab"], config["client_port"], config["giaddr"]) == (True, 68, None)
    assert config["scenario"] is None and config["iface"] is None
    run = summary["run"]
    assert (run["python"], run["platform"]) == (platform.python_version(), platform.platform())
    page = html.unescape((report / "report.html").read_text())
    settings = page[page.index("<h2>Settings</h2>") : page.index("<h2>Outcomes</h2>")]
    assert "<td>client_port</td>" in settings and "<td>giaddr</td>" in settings
    assert f"Python {platform.python_version()}" in page
