"""Nothing is imported while a fleet's clock runs, in the fleet or in its lab: a lazy import
inside the run is latency the servers did not cause (the first phones' DNS and time steps
took 13-14 ms against 1.5-2 ms for the next ones). Each check runs in a fresh process, as
`phonesim fleet` does, since this test process has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FLEET_SIDE = """
import asyncio, json, sys
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.lab_process import LabProcess
from phonesim.fleet.load_shape import LoadShape
from phonesim.app.network import lab_network
from phonesim.profiles import load_profile

async def main(stage):
    ids = generated_identities(2, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, 1)
    lab = LabProcess(users_toml=lab_users_toml(ids, "phonesim.test"))
    try:
        fleet = FleetRun(
            FleetPlan(ids, {"polycom-cx600": load_profile("polycom-cx600")},
                      LoadShape(phones=2, rate=20.0), final_stage=stage, key_pool=1),
            lab_network(await lab.start()),
        )
        loaded = {}
        power_on = fleet._power_on_phones
        async def clock_started():
            loaded.update(dict.fromkeys(sys.modules))  # the clock starts here
            return await power_on()
        fleet._power_on_phones = clock_started
        stats = await fleet.run()
    finally:
        lab.stop()
    print(json.dumps({"outcomes": dict(stats.outcomes), "new": sorted(set(sys.modules) - set(loaded))}))

asyncio.run(main(sys.argv[1]))
"""

LAB_SIDE = """
import asyncio, json, subprocess, sys, tempfile, traceback
from pathlib import Path
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.preload import load_lab_libraries
from phonesim.lab.embedded_lab import EmbeddedLab

serving = False
lab_imports = set()

def hook(event, args):
    if serving and event == "import" and args[0] not in sys.modules:
        if any("/phonesim/lab/" in f.filename for f in traceback.extract_stack()):
            lab_imports.add(args[0])

async def main():
    global serving
    ids = generated_identities(2, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, 1)
    folder = Path(tempfile.mkdtemp())
    (folder / "users.toml").write_text(lab_users_toml(ids, "phonesim.test"))
    (folder / "users.csv").write_text("ext,pin\\n" + "".join(f"{i.sign_in_as},13579\\n" for i in ids))
    load_lab_libraries()  # as the fleet's lab process does before it says it is ready
    async with EmbeddedLab(users_file=folder / "users.toml") as lab:
        (folder / "lab.json").write_text(json.dumps(lab.endpoints.to_json()))
        sys.addaudithook(hook)
        serving = True
        fleet = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "phonesim", "fleet", "--lab-endpoints", str(folder / "lab.json"),
            "--users", str(folder / "users.csv"), "--phones", "2", "--rate", "20/s", "--key-pool", "1",
            "--json", "--report", str(folder / "report"), stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(fleet.communicate(), 120)
        serving = False
    print(json.dumps({"outcomes": json.loads(out)["outcomes"], "new": sorted(lab_imports)}))

asyncio.run(main())
"""


def run_script(script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("stage", ["time", "registrar"])
def test_the_fleet_imports_nothing_once_its_clock_runs(stage: str) -> None:
    result = run_script(FLEET_SIDE, stage)
    assert result["outcomes"] == {"success": 2}
    assert result["new"] == []


def test_the_fleets_lab_imports_nothing_while_it_answers() -> None:
    result = run_script(LAB_SIDE)
    assert result["outcomes"] == {"success": 2}
    assert result["new"] == []


VENDOR_TABLE = """
import json
from phonesim.codec.dhcp_message import load_packet_library
from phonesim.fleet.preload import load_phone_libraries
from scapy.config import conf
from scapy.layers.l2 import Ether

load_packet_library()
loaded = len(conf.manufdb)
load_phone_libraries("dhcp")
frame = Ether(src="00:04:f2:01:02:03", dst="ff:ff:ff:ff:ff:ff")
print(json.dumps({"loaded": loaded, "kept": len(conf.manufdb), "frame": bytes(frame).hex(),
                  "shown": repr(frame)}))
"""


def test_the_fleet_drops_scapys_vendor_table_and_still_builds_frames() -> None:
    """The vendor table is 10.7 MiB of the fleet's baseline and no phone reads it."""
    result = run_script(VENDOR_TABLE)
    assert result["loaded"] > 1000  # scapy read the whole table at import
    assert result["kept"] == 0
    assert result["frame"] == "ffffffffffff0004f2010203" + "9000"
    assert "00:04:f2:01:02:03" in result["shown"]
