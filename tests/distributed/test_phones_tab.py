"""The Phones tab of Locust's web UI: phonesim's exact per-step table, while the run goes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.distributed.conftest import LOCUSTFILE, RUN_LIMIT, Lab, free_port


def test_the_phones_tab_shows_exact_steps_as_phones_finish(tmp_path: Path, lab: Lab) -> None:
    port, web = free_port(), free_port()
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--processes", "2"),
            *("--master-bind-host", "127.0.0.1", "--master-bind-port", str(port)),
            *("--master-port", str(port), "--web-host", "127.0.0.1", "--web-port", str(web)),
            *("--autostart", "--autoquit", "0"),
            *("--phonesim-lab-endpoints", str(lab.endpoints), "--phonesim-stage", "dhcp"),
            *("--phonesim-phones", "300", "--phonesim-rate", "30/s"),
            *("--phonesim-report", str(out)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "locust.log").open("wb"),
        start_new_session=True,
    )
    try:
        rows: list[dict] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                stats = httpx.get(f"http://127.0.0.1:{web}/stats/requests", timeout=5).json()
            except httpx.HTTPError:
                continue
            tables = {t["key"]: t["data"] for t in stats.get("extended_stats", [])}
            rows = tables.get("phonesim-phones", [])
            if any(r["step"] == "dhcp" and r["count"] > 0 for r in rows):
                break
        dhcp = next(r for r in rows if r["step"] == "dhcp")
        assert 0 < dhcp["p50"] <= dhcp["p99"] <= dhcp["max"]  # ms, nearest rank
        assert any(r["step"] == "outcome: success" for r in rows)
        page = httpx.get(f"http://127.0.0.1:{web}/phones", timeout=5)
        assert page.status_code == 200 and '"title": "Phones"' in page.text.replace("'", '"')
        assert process.wait(RUN_LIMIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert json.loads((out / "summary.json").read_text())["phones_finished"] == 300
