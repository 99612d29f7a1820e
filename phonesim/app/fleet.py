"""Run a fleet against a pool and write its report: `phonesim fleet` without the terminal.

The lab (when asked for) runs in a process of its own, so the phones' event
loop is the fleet's alone. What the fleet shows while it runs is the caller's:
a `FleetWatcher` hears that the lab starts and follows the run to its end.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from phonesim.app.live_network import LiveTarget, live_network
from phonesim.app.network import lab_network
from phonesim.app.targets import LabEndpointsTarget, LabTarget
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.drivers.network import Network
from phonesim.errors import UsageError
from phonesim.fleet.fleet_run import DHCP_ONLY, FleetPlan, FleetRun
from phonesim.fleet.identities import FleetIdentity
from phonesim.fleet.lab_process import LabProcess
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.record_stream import RecordStream
from phonesim.fleet.statistics import FleetStatistics
from phonesim.fleet.warm_plan import WarmPlan
from phonesim.lab.scenario import UserFaults


@dataclass(frozen=True)
class FleetRequest:
    identities: list[FleetIdentity]
    profiles: dict[str, DeviceProfile]
    shape: LoadShape
    servers: LabTarget | LabEndpointsTarget | LiveTarget
    report_dir: Path
    config: dict[str, Any]
    """The run's settings as the report shows them (`target` and the scenario are added)."""
    final_stage: str = Stage.TLSDSK
    seed: int = 1
    key_pool: int = 8
    max_failures: int | None = None
    faults: UserFaults | None = None
    """A lab scenario's user changes, fitted to the fleet's users."""
    supplied_trust: SuppliedTrust | None = None
    """CA certificates every phone trusts in place of the root chain download."""
    hold: float | None = None
    """Seconds each phone stays registered after signing in (`--hold`)."""
    start_at: float | None = None
    """The schedule's zero on the wall clock, shared by the slices of one fleet."""
    record_stream: RecordStream | None = None
    """Where each finished phone is told as it ends (a slice run by the Locust bridge)."""
    warm: WarmPlan | None = None
    """The phones that start with their kept cache and certificate (`--warm`)."""
    bringup: frozenset[Stage] = frozenset()
    """Bring-up stages every phone plays before its INFORM (`--lease`: its own lease)."""
    on_warm_up: Callable[[int], None] | None = None
    """Hears how many warm phones the warm-up pass signs in, before it does."""


@dataclass(frozen=True)
class FleetReport:
    summary: dict[str, Any]
    report_dir: Path


class FleetWatcher(Protocol):
    def lab_starting(self) -> None:
        """The lab's process is about to start (it takes a moment)."""

    async def follow(
        self, fleet: FleetRun, run: asyncio.Future[FleetStatistics]
    ) -> FleetStatistics:
        """Follow the fleet until `run` ends; its statistics."""


async def run_fleet(request: FleetRequest, watcher: FleetWatcher) -> FleetReport:
    """Power the fleet on against its servers, follow it to its end, write the report."""
    from phonesim.fleet.fleet_report import PHONES, fleet_summary, write_report
    from phonesim.fleet.identities import lab_users_toml
    from phonesim.fleet.phone_log import PhonesCsv

    lab: LabProcess | None = None
    servers = request.servers
    try:
        if isinstance(servers, LabTarget):
            watcher.lab_starting()
            lab = LabProcess(
                users_toml=lab_users_toml(request.identities, "phonesim.test", request.faults),
                scenario=servers.scenario_source,
                users_written=True,
            )
            network = lab_network(await lab.start())
        elif isinstance(servers, LabEndpointsTarget):
            from phonesim.app.targets import open_lab_endpoints

            network = open_lab_endpoints(servers).network
        else:
            network = _live_network(servers, request.final_stage)
        plan = FleetPlan(
            identities=request.identities,
            profiles=request.profiles,
            shape=request.shape,
            final_stage=request.final_stage,
            seed=request.seed,
            key_pool=request.key_pool,
            max_failures=request.max_failures,
            supplied_trust=request.supplied_trust,
            hold=request.hold,
            start_at=request.start_at,
            warm=request.warm,
            bringup=request.bringup,
        )
        if request.warm is not None:
            from phonesim.fleet.warm_up import warm_up

            request.warm.fresh_pool = request.warm.fresh_pool or isinstance(servers, LabTarget)
            await warm_up(plan, network, request.on_warm_up)
        fleet = FleetRun(
            plan,
            network,
            phones_csv=PhonesCsv(request.report_dir / PHONES),
            record_stream=request.record_stream,
        )
        task = asyncio.ensure_future(fleet.run())
        watch = asyncio.ensure_future(_watch_lab(lab, fleet)) if lab is not None else None
        try:
            statistics = await watcher.follow(fleet, task)
        finally:
            if watch is not None:
                watch.cancel()
        if request.warm is not None:
            # What the warm phones learnt (a PIN sign-in after an expired certificate)
            # is theirs at the next run, as a real phone's flash.
            await asyncio.to_thread(request.warm.store.flush)
        scenario = servers.scenario if isinstance(servers, LabTarget) else None
        summary = fleet_summary(
            statistics,
            config={
                **request.config,
                "target": _target_text(servers, network, request.final_stage),
                "scenario": None if scenario is None else scenario.name,
                "scenario_expects": None
                if scenario is None or scenario.expect is None
                else scenario.expect.reason or scenario.expect.result.lower(),
            },
            elapsed=fleet.elapsed,
            started_wall=fleet.started_wall,
            stop_reason=fleet.stop_reason,
            udp_drops=fleet.udp_drops.summary(),
            arrivals=fleet.arrivals(),
            loop_lag=fleet.loop_lag.summary(),
            hold=fleet.hold,
            warm=None
            if request.warm is None or fleet.warm is None
            else {**request.warm.summary(), "phones": fleet.warm.summary()},
            leases=fleet.leases.summary() if fleet.statistics.leased else None,
        )
        write_report(request.report_dir, statistics, summary)
    finally:
        if lab is not None:
            lab.stop()
    return FleetReport(summary, request.report_dir)


def _target_text(
    servers: LabTarget | LabEndpointsTarget | LiveTarget, network: Network, final_stage: str
) -> str:
    if isinstance(servers, LabTarget):
        source = servers.scenario_source
        return "embedded lab" + (f", scenario {source}" if source else "")
    if isinstance(servers, LabEndpointsTarget):
        return f"lab at {servers.path}"
    where = (
        f"interface {servers.iface}"
        if servers.dhcp_server is None
        else f"DHCP {servers.dhcp_server}"
    )
    return where + (", DHCP only" if final_stage in DHCP_ONLY else f", DNS {network.dns_server[0]}")


def _live_network(target: LiveTarget, final_stage: str) -> Network:
    """Real servers, read as a boot reads them (DNS and domain default to the machine's
    lease); a fleet keeps no capture of its own packets. A DHCP storm (`dhcp` as the
    final stage, or `lease`) asks DHCP only, so it needs neither a DNS server nor a domain."""
    if final_stage in DHCP_ONLY:
        target = dataclasses.replace(
            target, dns=target.dns or _NO_DNS_SERVER, domain=target.domain or ""
        )
    network = live_network(target).network
    network.capture_enabled = False
    return network


_NO_DNS_SERVER = "0.0.0.0"
"""Stands in for a DNS server a DHCP-only fleet never asks (no socket is opened to it)."""


async def _watch_lab(lab: LabProcess, fleet: FleetRun) -> None:
    """A lab that dies mid-run would leave every phone waiting for its time-outs."""
    from phonesim.fleet.stop_reason import LAB_EXITED

    while not lab.exited():
        await asyncio.sleep(0.5)
    fleet.stop(LAB_EXITED)
    fleet.abort()


@dataclass(frozen=True)
class ReportFolder:
    path: Path
    made: tuple[Path, ...]
    """The folders made for it, deepest first."""

    def withdraw(self) -> None:
        """Take back the folders a run refused after they were made (the lab would not
        start, a socket could not be opened): only folders nothing was written into."""
        from phonesim.fleet.fleet_report import PHONES

        for folder in self.made:
            with contextlib.suppress(OSError):
                phones = folder / PHONES
                if phones.exists() and len(phones.read_bytes().splitlines()) <= 1:
                    phones.unlink()  # its header, no phone
                folder.rmdir()  # refuses a folder that holds anything else


def open_report_folder(path: Path) -> ReportFolder:
    """Create the report folder now, before any phone or lab starts: a report that cannot
    be written is bad input, not something to find out after the run."""
    made = _folders_to_make(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--report {path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".phonesim-write-test"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise UsageError(
            f"--report {path}: cannot write there ({error.strerror or error})"
        ) from None
    return ReportFolder(path, made)


def _folders_to_make(path: Path) -> tuple[Path, ...]:
    made = []
    while not path.exists() and path != path.parent:
        made.append(path)
        path = path.parent
    return tuple(made)
