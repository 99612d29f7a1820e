"""Boot one phone: build the core, its drivers and outputs, run it, report.

The Python API behind `phonesim boot`; usable from a notebook or a test suite:

    report = phonesim.boot(sign_in_as="5551234", pin="13579", lab=True)
    report.result["Result"]  # "Success"
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phonesim.app.bringup_choice import check_lease_is_played, lab_bringup, lab_link, live_link
from phonesim.app.network import lab_network
from phonesim.app.targets import LabTarget
from phonesim.core.commands import Trace
from phonesim.core.discovery_cache import CachePolicy
from phonesim.core.flow import LAST
from phonesim.core.identity import (
    PhoneIdentity,
    Pin,
    default_mac,
    normalise_mac,
)
from phonesim.core.outcome import Outcome
from phonesim.core.phone_factory import make_phone
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.diagnosis import diagnose
from phonesim.drivers.bringup_settings import phone_settings
from phonesim.drivers.network import BROADCAST, Network
from phonesim.errors import PhonesimError, UsageError
from phonesim.probe.step_timing import waterfall
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.report.dhcp_answers import summarize_dhcp_answers
from phonesim.report.discovery_summary import discovery_summary
from phonesim.report.guessed_fields import guessed_fields
from phonesim.report.run_folder import RESULT, TRACE_LOG, RunFolder, utc_now
from phonesim.report.step_records import step_records

if TYPE_CHECKING:
    from phonesim.drivers.bringup_link import BringUpLink
    from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
    from phonesim.drivers.dhcp_interface import InterfaceFacts
    from phonesim.drivers.packet_capture import PacketCapture
    from phonesim.drivers.runner import PhoneRunner
    from phonesim.lab.scenario import LabScenario

TraceSink = Callable[[Trace], None]


@dataclass
class BootReport:
    outcome: Outcome
    result: dict[str, Any]
    traces: list[Trace]
    run_dir: Path | None


@dataclass(frozen=True)
class BootRequest:
    """One phone to boot, and where: everything `phonesim boot` and `diagnose` ask for."""

    profile: DeviceProfile
    sign_in_as: str
    pin: str
    servers: Network | LabTarget
    """Servers already running, or the embedded lab to start for this boot alone."""
    mac: str | None = None
    """None: the network's `mac_source` says where the MAC comes from."""
    capture: Path | None = None
    capture_enabled: bool = True
    state_dir: Path | None = None
    """The phones' flash (discovery caches by MAC); None: nothing is read or kept."""
    cache_policy: CachePolicy | None = None
    seed: int | None = None
    final_stage: str = LAST.value
    hold: float | None = None
    """Seconds to stay registered after provisioning, then sign out; None: not held."""
    run_dir: Path | None = None
    run_dir_made: bool = False
    """The run folder was made for this boot: a boot refused before the phone powered on
    takes it away again, so bad input leaves nothing behind."""
    supplied_trust: SuppliedTrust | None = None
    """CA certificates trusted in place of the root chain download (`--trust-ca`)."""
    bringup: frozenset[Stage] | None = None
    """The bring-up stages to play; None: the lab scenario's (or, live, the network's)."""
    keep_lease: bool = False
    """The phone keeps the lease it took when the boot ends (else: DHCPRELEASE)."""


def run_boot(request: BootRequest, on_trace: TraceSink | None = None) -> BootReport:
    """Boot the phone the request describes, to its outcome; `on_trace` hears each step."""
    common: dict[str, Any] = {
        "profile": request.profile,
        "sign_in_as": request.sign_in_as,
        "pin": request.pin,
        "mac": request.mac,
        "state_dir": request.state_dir,
        "cache_policy": request.cache_policy,
        "seed": request.seed,
        "final_stage": request.final_stage,
        "hold": request.hold,
        "run_dir": request.run_dir,
        "on_trace": on_trace,
        "supplied_trust": request.supplied_trust,
        "bringup": request.bringup,
        "release_lease": not request.keep_lease,
    }
    servers = request.servers
    try:
        if request.final_stage == Stage.LEASE:
            check_lease_is_played(request.final_stage, request.bringup, servers, request.profile)
        if isinstance(servers, LabTarget):
            return asyncio.run(
                boot_in_lab(
                    scenario=servers.scenario,
                    capture=request.capture,
                    capture_enabled=request.capture_enabled,
                    **common,
                )
            )
        network = dataclasses.replace(
            servers, capture=request.capture, capture_enabled=request.capture_enabled
        )
        return asyncio.run(boot_phone(network=network, **common))
    except PhonesimError:
        if request.run_dir_made and request.run_dir is not None:
            _withdraw_run_dir(request.run_dir)
        raise


def _withdraw_run_dir(run_dir: Path) -> None:
    """Take back a run folder a refused boot made: only files no boot step wrote into."""
    trace = run_dir / TRACE_LOG
    if (run_dir / RESULT).exists() or (trace.exists() and trace.stat().st_size > 0):
        return  # the phone powered on: what it did is kept
    with contextlib.suppress(OSError):
        for leftover in run_dir.iterdir():
            leftover.unlink()
        run_dir.rmdir()


def check_sign_in(sign_in_as: str, pin: str, *, pin_source: str = "--pin") -> None:
    """The phone's keypad has digits only: what cannot be typed cannot be tried.

    `pin_source` names where the PIN came from, for the message (never the PIN itself).
    """
    if not sign_in_as.lstrip("+").isdigit():
        raise UsageError(
            f"--ext {sign_in_as!r}: the phone's keypad has digits only (and a leading +)"
        )
    if not pin.isdigit() or not 4 <= len(pin) <= 24:
        raise UsageError(f"{pin_source} must be 4 to 24 digits (the PIN policy's range)")


async def boot_phone(
    *,
    profile: DeviceProfile,
    sign_in_as: str,
    pin: str,
    network: Network,
    mac: str | None = None,
    state_dir: Path | None = None,
    cache_policy: CachePolicy | None = None,
    seed: int | None = None,
    final_stage: str = LAST.value,
    hold: float | None = None,
    run_dir: Path | None = None,
    on_trace: TraceSink | None = None,
    supplied_trust: SuppliedTrust | None = None,
    bringup: frozenset[Stage] | None = None,
    link: BringUpLink | None = None,
    release_lease: bool = False,
) -> BootReport:
    """`bringup`: the bring-up stages the phone plays (None: none); `link`: the link they
    run on (None: recorded, as in the lab); `release_lease`: a lease the phone still holds
    at the end is given back."""
    from phonesim.codec.dhcp_message import load_packet_library
    from phonesim.drivers.cache_store import DiscoveryCacheStore
    from phonesim.drivers.certificate_request import KeyPool
    from phonesim.drivers.dns_client import PhoneResolver
    from phonesim.drivers.runner import PhoneRunner, PhoneServices

    check_sign_in(sign_in_as, pin)
    load_packet_library()
    interface = _interface_facts(network)
    mac = _phone_mac(mac, network, interface, profile, sign_in_as)
    seed = secrets.randbits(32) if seed is None else seed
    identity = PhoneIdentity(
        mac=mac,
        sign_in_as=sign_in_as,
        pin=Pin(pin),
    )
    store = DiscoveryCacheStore(state_dir) if state_dir is not None else None
    if store is not None:
        store.check_writable(mac)
    traces: list[Trace] = []
    folder = (
        RunFolder(
            run_dir,
            header={"profile": profile.name, "mac": mac, "user": sign_in_as, "seed": seed},
            step_timing=waterfall,
        )
        if run_dir is not None
        else None
    )

    def sink(trace: Trace) -> None:
        traces.append(trace)
        if folder is not None:
            folder.write(trace)
        if on_trace is not None:
            on_trace(trace)

    capture: PacketCapture | None = None
    try:
        capture = _open_capture(network, run_dir)
        dhcp = await _open_dhcp(network, interface, mac, capture, own_lease=_leases(bringup))
        dhcp.max_answers = profile.dhcp.max_answers
    except BaseException:
        if capture is not None:
            capture.close()
        if folder is not None:
            folder.close()
        raise
    resolver = PhoneResolver(network.dns_server[0], network.dns_server[1], profile.dns.timeout)
    services = PhoneServices(
        dhcp=dhcp,
        resolver=resolver,
        key_pool=KeyPool(profile.certificate.key_type),
        port_map=network.port_map,
        cache_store=store,
    )
    if link is None and bringup and network.interface is not None:
        link = live_link(network, dhcp, resolver)
    if link is not None:
        services.link = link
        from phonesim.app.lab_link import LabLink

        if isinstance(link, LabLink):  # the lab's DNS answers as the phone's lease says
            link.resolver = resolver
    try:
        # Powered on only now, with every socket and file open: t=0 of the trace is then the
        # wall-clock instant the device log and the capture count from, not milliseconds before.
        power_on = utc_now()
        cache, cache_problem = store.read(mac) if store is not None else (None, None)
        phone = make_phone(
            profile,
            identity,
            phone_settings(network, bringup or frozenset()),
            rng=random.Random(seed),
            wall_clock=power_on.timestamp(),
            cache=cache,
            cache_problem=cache_problem,
            cache_policy=cache_policy,
            final_stage=final_stage,
            hold=hold,
            supplied_trust=supplied_trust,
            bringup=bringup or frozenset(),
            release_lease=release_lease,
        )
        if folder is not None:
            folder.begin(power_on)
        # The runner's limit is a safety net over the boot's own deadlines: a held phone's
        # boot lasts its hold too.
        runner = PhoneRunner(phone, services, on_trace=sink, boot_limit=BOOT_LIMIT + (hold or 0.0))
        with _ctrl_c_signs_out(runner, hold is not None):
            outcome = await runner.run()
        if network.dhcp_server[0] == BROADCAST:
            await _wait_for_late_answers(dhcp, profile.dhcp.answer_window)
    finally:
        services.link.close()
        dhcp.close()
        if capture is not None:
            capture.close()
        await services.web.aclose()
    result = bootstrap_result(
        outcome,
        diagnosis=diagnose(traces),
        phone={
            "Profile": profile.name,
            "Model": f"{profile.device.vendor} {profile.device.model}",
            "Mac": mac,
            "SignInAs": sign_in_as,
            "DeviceId": identity.device_id,
            "UserAgent": profile.device.user_agent,
            "Seed": seed,
            "PowerOn": power_on.isoformat(),
        },
    )
    result.update(discovery_summary(traces))
    result.update(step_records(traces))
    result["Guessed"] = guessed_fields(traces, result, profile.device.user_agent)
    result["DhcpAnswers"] = summarize_dhcp_answers(
        dhcp.answers, first_sent=dhcp.first_sent, traces=traces
    )
    if dhcp.not_kept:
        result["DhcpAnswersNotKept"] = {"Count": dhcp.not_kept, "Limit": dhcp.max_answers}
    if capture is not None:
        result["Capture"] = str(capture.path)
        result["CapturedPackets"] = capture.packets
    if folder is not None:
        result["RunFolder"] = str(run_dir)
        folder.finish(result)
    return BootReport(outcome=outcome, result=result, traces=traces, run_dir=run_dir)


BOOT_LIMIT = 600.0


@contextlib.contextmanager
def _ctrl_c_signs_out(runner: PhoneRunner, holding: bool) -> Iterator[None]:
    """During a hold, the first Ctrl-C ends the hold with a sign-out (the phone then ends as
    a held boot does); before the hold, or a second time, Ctrl-C stops the program as ever."""
    loop = asyncio.get_running_loop()
    if not holding or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted() -> None:
        loop.remove_signal_handler(signal.SIGINT)
        if not runner.end_hold():
            signal.raise_signal(signal.SIGINT)

    try:
        loop.add_signal_handler(signal.SIGINT, interrupted)
    except (NotImplementedError, RuntimeError):  # no signals on this loop: Ctrl-C stops it
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _interface_facts(network: Network) -> InterfaceFacts | None:
    if network.interface is None:
        if network.dhcp_server[0] == BROADCAST:
            raise UsageError("a broadcast DHCPINFORM needs the interface to send it on (--iface)")
        return None
    from phonesim.drivers.dhcp_interface import interface_facts

    return interface_facts(network.interface)


def _phone_mac(
    mac: str | None,
    network: Network,
    interface: InterfaceFacts | None,
    profile: DeviceProfile,
    sign_in_as: str,
) -> str:
    if mac:
        return normalise_mac(mac)
    if network.mac_source == "interface":
        if interface is None:
            raise UsageError("the interface's MAC was asked for, but no interface was named")
        return normalise_mac(interface.mac)
    return default_mac(profile, sign_in_as)


def _open_capture(network: Network, run_dir: Path | None) -> PacketCapture | None:
    from phonesim.drivers.packet_capture import CAPTURE_FILE, PacketCapture

    if not network.capture_enabled:
        return None
    path = network.capture or (run_dir / CAPTURE_FILE if run_dir is not None else None)
    return None if path is None else PacketCapture(path)


def _leases(bringup: frozenset[Stage] | None) -> bool:
    return bringup is not None and Stage.LEASE in bringup


async def _open_dhcp(
    network: Network,
    interface: InterfaceFacts | None,
    mac: str,
    capture: PacketCapture | None,
    *,
    own_lease: bool = False,
) -> DhcpClientEndpoint:
    from phonesim.drivers.dhcp_transport import DhcpPlacement, open_dhcp_transport

    placement = DhcpPlacement(
        server=network.dhcp_server,
        local=network.local_dhcp,
        phone_address=network.address,
        phone_mac=mac,
        interface=interface,
        giaddr=network.giaddr,
        own_lease=own_lease and interface is not None,
    )
    return await open_dhcp_transport(placement, capture=capture, keep_answers=True)


async def _wait_for_late_answers(dhcp: DhcpClientEndpoint, window: float) -> None:
    """A broadcast may draw answers from several servers: collect them for the whole window.

    The phone stops listening once it has what it needs, often a millisecond
    before a second server answers; the window counts from the first answer,
    as the phone's own does.
    """
    if not dhcp.answers:
        return
    remaining = dhcp.answers[0].at + window - time.monotonic()
    if remaining > 0:
        await asyncio.sleep(min(remaining, window))


async def boot_in_lab(
    *,
    scenario: LabScenario | None = None,
    capture: Path | None = None,
    capture_enabled: bool = True,
    **kwargs: Any,
) -> BootReport:
    """Start the embedded lab (as `scenario` says, healthy by default), boot one phone
    against it, stop the lab."""
    from phonesim.lab.embedded_lab import EmbeddedLab

    if kwargs.get("bringup") is None:
        kwargs["bringup"] = lab_bringup(scenario, kwargs["profile"])
    async with EmbeddedLab(scenario=scenario) as lab:
        network = lab_network(lab.endpoints)
        network.capture, network.capture_enabled = capture, capture_enabled
        if kwargs["bringup"] and kwargs.get("link") is None:
            kwargs["link"] = lab_link(lab, network, kwargs)
        return await boot_phone(network=network, **kwargs)


def boot(
    *,
    sign_in_as: str,
    pin: str,
    profile: str | DeviceProfile = "polycom-cx600",
    lab: bool = True,
    network: Network | None = None,
    **kwargs: Any,
) -> BootReport:
    """Synchronous convenience wrapper for scripts and notebooks."""
    from phonesim.profiles import load_profile

    loaded = load_profile(profile) if isinstance(profile, str) else profile
    if lab:
        return asyncio.run(boot_in_lab(profile=loaded, sign_in_as=sign_in_as, pin=pin, **kwargs))
    if network is None:
        raise UsageError("give a network (servers to talk to) or lab=True")
    return asyncio.run(
        boot_phone(profile=loaded, sign_in_as=sign_in_as, pin=pin, network=network, **kwargs)
    )


__all__ = [
    "BootReport",
    "BootRequest",
    "boot",
    "boot_in_lab",
    "boot_phone",
    "check_sign_in",
    "run_boot",
]
