"""The README's Prometheus alert rule for the probe is one promtool accepts, on the metric
names the probe writes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.netns import require_tools

README = Path(__file__).resolve().parents[2] / "README.md"


def test_promtool_accepts_the_readme_alert_rule(tmp_path: Path) -> None:
    require_tools("promtool")
    section = README.read_text().split("## Monitoring a pool", 1)[1].split("\n## ", 1)[0]
    rules = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert rules, "the section has a yaml block"
    path = tmp_path / "phonesim.rules.yml"
    path.write_text(rules.group(1))
    checked = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 2 rules found" in checked.stdout
    assert "phonesim_probe_success" in rules.group(1)
