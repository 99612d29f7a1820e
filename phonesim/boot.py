"""Boot one phone: build the core, its drivers and outputs, run it, report.

The Python API behind `phonesim boot`; usable from a notebook or a test suite:

    report = phonesim.boot(sign_in_as="5551234", pin="13579", lab=True)
    report.result["Result"]  # "Success"
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phonesim.core.commands import Trace
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin
from phonesim.core.outcome import Outcome
from phonesim.core.phone import Phone
from phonesim.core.profile import DeviceProfile
from phonesim.diagnosis import diagnose
from phonesim.errors import UsageError
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.report.run_folder import RunFolder, utc_now

TraceSink = Callable[[Trace], None]


@dataclass
class Network:
    """Where the phone's servers are. For the embedded lab, built from its endpoints."""

    dhcp_server: tuple[str, int]
    dns_server: tuple[str, int]
    address: str
    domain: str
    port_map: dict[int, int] = field(default_factory=dict)
    local_dhcp: tuple[str, int] = ("127.0.0.1", 0)


@dataclass
class BootReport:
    outcome: Outcome
    result: dict[str, Any]
    traces: list[Trace]
    run_dir: Path | None


def default_mac(profile: DeviceProfile, sign_in_as: str) -> str:
    """A stable MAC in the vendor's OUI, so the same user's phone finds its cache again."""
    tail = hashlib.sha256(f"{profile.name}/{sign_in_as}".encode()).digest()[:3]
    return profile.device.mac_oui + ":" + ":".join(f"{b:02x}" for b in tail)


def normalise_mac(text: str) -> str:
    digits = text.lower().replace("-", "").replace(":", "").replace(".", "")
    if len(digits) != 12 or any(c not in "0123456789abcdef" for c in digits):
        raise UsageError(f"MAC address {text!r} is not 12 hex digits (e.g. 00:04:f2:12:34:56)")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def check_sign_in(sign_in_as: str, pin: str) -> None:
    """The phone's keypad has digits only: what cannot be typed cannot be tried."""
    if not sign_in_as.lstrip("+").isdigit():
        raise UsageError(
            f"--ext {sign_in_as!r}: the phone's keypad has digits only (and a leading +)"
        )
    if not pin.isdigit() or not 4 <= len(pin) <= 24:
        raise UsageError("--pin must be 4 to 24 digits (the PIN policy's range)")


async def boot_phone(
    *,
    profile: DeviceProfile,
    sign_in_as: str,
    pin: str,
    network: Network,
    mac: str | None = None,
    state_dir: Path | None = None,
    use_cache: bool = True,
    seed: int | None = None,
    final_stage: str = "registrar",
    run_dir: Path | None = None,
    on_trace: TraceSink | None = None,
) -> BootReport:
    from phonesim.codec.dhcp_message import load_packet_library
    from phonesim.drivers.cache_store import DiscoveryCacheStore
    from phonesim.drivers.certificate_request import KeyPool
    from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
    from phonesim.drivers.dns_client import PhoneResolver
    from phonesim.drivers.runner import PhoneRunner, PhoneServices

    check_sign_in(sign_in_as, pin)
    load_packet_library()
    mac = normalise_mac(mac) if mac else default_mac(profile, sign_in_as)
    seed = secrets.randbits(32) if seed is None else seed
    identity = PhoneIdentity(
        mac=mac,
        sign_in_as=sign_in_as,
        pin=Pin(pin),
        device_id="{" + str(uuid.uuid5(uuid.NAMESPACE_OID, "phonesim/" + mac)).upper() + "}",
    )
    store = DiscoveryCacheStore(state_dir) if state_dir is not None else None
    power_on = utc_now()
    phone = Phone(
        profile,
        identity,
        NetworkSettings(address=network.address, dns_domain=network.domain),
        rng=random.Random(seed),
        wall_clock=power_on.timestamp(),
        cache=store.load(mac) if store is not None else None,
        use_cache=use_cache,
        final_stage=final_stage,
    )
    traces: list[Trace] = []
    folder = (
        RunFolder(
            run_dir,
            power_on=power_on,
            header={"profile": profile.name, "mac": mac, "user": sign_in_as, "seed": seed},
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

    dhcp = DhcpClientEndpoint(network.dhcp_server)
    await dhcp.open(network.local_dhcp)
    services = PhoneServices(
        dhcp=dhcp,
        resolver=PhoneResolver(network.dns_server[0], network.dns_server[1], profile.dns.timeout),
        key_pool=KeyPool(profile.certificate.key_type),
        port_map=network.port_map,
        cache_store=store,
    )
    try:
        outcome = await PhoneRunner(phone, services, on_trace=sink).run()
    finally:
        dhcp.close()
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
            "Seed": seed,
            "PowerOn": power_on.isoformat(),
        },
    )
    if folder is not None:
        result["RunFolder"] = str(run_dir)
        folder.finish(result)
    return BootReport(outcome=outcome, result=result, traces=traces, run_dir=run_dir)


def lab_network(endpoints: Any) -> Network:
    """The phone's view of a running embedded lab (phonesim.lab.embedded_lab.LabEndpoints)."""
    return Network(
        dhcp_server=(endpoints.address, endpoints.dhcp_port),
        dns_server=(endpoints.address, endpoints.dns_port),
        address=endpoints.address,
        domain=endpoints.domain,
        port_map=dict(endpoints.port_map),
    )


async def boot_in_lab(*, scenario: Any = None, **kwargs: Any) -> BootReport:
    """Start the embedded lab (as `scenario` says, healthy by default), boot one phone
    against it, stop the lab."""
    from phonesim.lab.embedded_lab import EmbeddedLab

    async with EmbeddedLab(scenario=scenario) as lab:
        return await boot_phone(network=lab_network(lab.endpoints), **kwargs)


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


__all__ = ["BootReport", "Network", "boot", "boot_in_lab", "boot_phone"]
