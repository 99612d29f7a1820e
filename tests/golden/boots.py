"""Every boot that has a golden trace, by the name of its file under tests/golden/.

A golden per catalogue scenario (`<scenario>`), and one per main path of the
core's own tests (`paths/<name>`): a cached boot, a cache that stopped working,
a fresh phone beside a cache, stopping after each stage, registrars beyond the
two option 120 may name. All run in memory, with the stock CX600 profile at its
real timer values, from the pairing's fixed seed and start instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from phonesim.codec.certificate import summarize_certificate
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache, RegistrarTarget
from phonesim.core.phone import STOP_STAGES
from phonesim.core.profile import DeviceProfile
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.lab.lab_servers import LabServers
from phonesim.lab.scenario import LabScenario, catalogue, load_scenario, load_scenario_text
from phonesim.profiles import load_profile
from phonesim.testing import LabPair
from phonesim.testing.lab_pair import START

GOLDEN = Path(__file__).parent

CERT_PROV_URL = "https://web01.phonesim.test:443/CertProv/CertProvisioningService.svc"
STALE = DiscoveryCache(
    source="signin",
    web_url=CERT_PROV_URL,
    registrars=(RegistrarTarget("old-pool.phonesim.test", 5061),),
    stored_at=START.timestamp() - 86400,
)
"""A cache from a day before, naming a registrar the site no longer has."""
FRESH = CachePolicy.factory_fresh("diagnose asks what this site gives a phone")

THREE_REGISTRARS = """
[scenario]
summary = "option 120 names three registrars; the first two are down, the third is up"

[[dhcp.server]]
option_120 = ["pool01", "pool02", "pool03"]

[dns.a]
pool01 = ["127.0.0.2"]
pool02 = ["127.0.0.3"]
"""


def signed_in_cache() -> DiscoveryCache:
    """What a phone keeps after a healthy boot: the servers that worked."""
    first = LabPair()
    first.run()
    cache = first.stored[-1]
    assert cache is not None and cache.source == "signin"
    return cache


def text_scenario(text: str, name: str) -> LabScenario:
    return load_scenario_text(text, name=name, source=f"tests/golden/boots.py:{name}")


def lab_ca_supplied(lab: LabServers) -> SuppliedTrust:
    """The lab's own CA given as `--trust-ca pool-ca.pem` would give it."""
    der = lab.ca.chain[0]
    return SuppliedTrust("pool-ca.pem", (summarize_certificate(der),), (der,))


def tel_uri_pin_format() -> DeviceProfile:
    profile = load_profile("polycom-cx600")
    return replace(profile, web=replace(profile.web, pin_format="tel-uri-username-token"))


def _stop_after(stage: str) -> Callable[[], LabPair]:
    return lambda: LabPair(final_stage=stage)


PATHS: dict[str, Callable[[], LabPair]] = {
    "cached-boot": lambda: LabPair(cache=signed_in_cache()),
    "cache-discarded": lambda: LabPair(cache=STALE),
    "fresh-phone-beside-a-cache": lambda: LabPair(cache=signed_in_cache(), cache_policy=FRESH),
    "rediscover": lambda: LabPair(cache=STALE, cache_policy=CachePolicy.rediscover()),
    **{f"stop-after-{stage}": _stop_after(stage) for stage in STOP_STAGES[:-1]},
    # A boot that stops after its lease needs a site that leases.
    "stop-after-lease": lambda: LabPair(load_scenario("vlan-from-dhcp"), final_stage="lease"),
    "stop-after-dhcp-silent": lambda: LabPair(load_scenario("dhcp-silent"), final_stage="dhcp"),
    "stop-after-webticket-from-a-cache": lambda: LabPair(
        cache=signed_in_cache(), final_stage="webticket"
    ),
    "option-120-three-registrars": lambda: LabPair(
        text_scenario(THREE_REGISTRARS, "option-120-three-registrars")
    ),
    "trust-ca-supplied": lambda: LabPair(supplied_trust=lab_ca_supplied),
    "pin-format-tel-uri": lambda: LabPair(profile=tel_uri_pin_format()),
}


def _scenario(name: str) -> Callable[[], LabPair]:
    """The scenario's boot, held as long as the scenario says its fault needs."""

    def boot() -> LabPair:
        scenario = load_scenario(name)
        return LabPair(scenario, hold=scenario.hold)

    return boot


BOOTS: dict[str, Callable[[], LabPair]] = {
    **{name: _scenario(name) for name in catalogue()},
    **{f"paths/{name}": boot for name, boot in PATHS.items()},
}


def golden_file(name: str) -> Path:
    return GOLDEN / f"{name}.trace.jsonl"
