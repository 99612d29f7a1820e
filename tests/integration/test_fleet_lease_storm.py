"""`phonesim fleet --iface IF --stage lease`: a DORA storm against Kea on a real link.

Kea, configured from `phonesim dhcp-config --pool` with a pool of exactly 50
addresses, sits in a test namespace; the fleet runs as a user runs it, on the
host end of the veth, each phone's frames from its own MAC through the packet
socket. Kea's own log is the witness: which lease it allocated to which MAC,
which it released. A second fleet of other MACs then needs the same 50
addresses: it gets them only if the first gave every one back.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.dhcp_peers import generate, logs, pool_of, start_server, stop
from tests.interop.servers import wait_for_dhcp
from tests.netns import Namespace, namespace, require_netns, wait_until

pytestmark = pytest.mark.netns

POOL = 50
_ALLOCATED = re.compile(r"DHCP4_LEASE_ALLOC \[hwtype=1 ([0-9a-f:]+)\].*?lease (\S+) has been")
_RELEASED = re.compile(r"DHCP4_RELEASE \[hwtype=1 ([0-9a-f:]+)\].*?address (\S+) was released")


class Kea:
    def __init__(self, ns: Namespace, workdir: Path) -> None:
        self.ns = ns
        self.workdir = workdir
        self.log = workdir / f"kea-{ns.ns_link}.log"

    def allocated(self) -> list[tuple[str, str]]:
        return _ALLOCATED.findall(self.log.read_text(errors="replace"))

    def released(self) -> list[tuple[str, str]]:
        return _RELEASED.findall(self.log.read_text(errors="replace"))

    def settled(self, already: tuple[int, int]) -> tuple[dict[str, str], dict[str, str]]:
        """The leases Kea allocated since `already`, and those it released, once its log
        holds a RELEASE for each (bounded: a missing one fails the comparison after)."""
        allocated = dict(self.allocated()[already[0] :])
        with contextlib.suppress(AssertionError):
            wait_until(
                lambda: len(self.released()) - already[1] >= len(allocated),
                timeout=10,
                what="Kea's log of the RELEASEs",
            )
        return allocated, dict(self.released()[already[1] :])


@pytest.fixture(scope="module")
def kea(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kea]:
    require_netns("kea-dhcp4")
    workdir = tmp_path_factory.mktemp("kea-storm")
    with namespace("leasestorm") as ns:
        config = generate(
            "kea",
            workdir / "kea.json",
            ns.segment.subnet,
            ns.ns_link,
            ["--sip-server", "pool01.phonesim.test", "--web-server", "web01.phonesim.test"],
        )
        process = start_server("kea", ns, config, ns.ns_link, workdir)
        try:
            wait_for_dhcp(ns, [ns.address], [process])
            yield Kea(ns, workdir)
        finally:
            stop(process)


def fleet(kea: Kea, seed: int, *extra: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "phonesim", "fleet", "--iface", kea.ns.host_link]
    argv += ["--stage", "lease", "--phones", str(POOL), "--seed", str(seed), "--json"]
    argv += ["--report", str(kea.workdir / f"report-{seed}"), *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen[str], kea: Kea) -> tuple[int, dict]:
    out, err = process.communicate(timeout=90)
    assert "Traceback" not in err, err
    assert out, err + logs(kea.workdir)
    return process.returncode, json.loads(out)


def test_each_phone_leases_its_own_address_and_gives_it_back(kea: Kea) -> None:
    already = len(kea.allocated()), len(kea.released())
    code, summary = finished(fleet(kea, 11, "--rate", "max"), kea)
    assert code == 0, summary["failures"]
    assert summary["outcomes"] == {"success": POOL}
    assert summary["leases"] == {"taken": POOL, "released": POOL, "held": 0, "release_not_sent": 0}
    macs = {mac for mac, _ in kea.allocated()[already[0] :]}
    allocated, released = kea.settled(already)
    assert len(allocated) == POOL and len(macs) == POOL
    assert len(set(allocated.values())) == POOL, "two phones were given one address"
    assert set(allocated.values()) <= set(_pool_addresses(kea.ns))
    assert released == allocated

    # Every address of the pool is free again: 50 phones of other MACs lease them all.
    code, summary = finished(fleet(kea, 12, "--rate", "max"), kea)
    assert code == 0, summary["failures"]
    assert summary["leases"]["taken"] == POOL
    second = {mac for mac, _ in kea.allocated()[already[0] + POOL :]}
    assert second and not second & macs


def test_ctrl_c_gives_back_every_lease_taken(kea: Kea) -> None:
    already = len(kea.allocated()), len(kea.released())
    process = fleet(kea, 13, "--rate", "20/s")
    deadline = time.monotonic() + 30
    while len(kea.allocated()) - already[0] < 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    code, summary = finished(process, kea)
    assert code == 130
    allocated, released = kea.settled(already)
    assert 10 <= len(allocated) < POOL
    assert released == allocated
    assert summary["leases"]["released"] == len(allocated)
    assert summary["leases"]["held"] == 0


def _pool_addresses(ns: Namespace) -> list[str]:
    first, last = pool_of(ns.segment.subnet).split("-")
    base = int(first.rsplit(".", 1)[1])
    prefix = first.rsplit(".", 1)[0]
    return [f"{prefix}.{n}" for n in range(base, int(last.rsplit(".", 1)[1]) + 1)]
