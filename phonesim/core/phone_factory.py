"""The one place a phone core is built, for a boot, a fleet, a replay and the in-memory lab.

Every way of running a phone starts here, so what a phone is (its identity and
the DeviceId that follows from it, its settings, its randomness and clock) is
put together the same way whoever drives it.
"""

from __future__ import annotations

from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache
from phonesim.core.flow import LAST
from phonesim.core.identity import NetworkSettings, PhoneIdentity, RandomSource
from phonesim.core.phone import Phone
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.core.supplied_trust import SuppliedTrust


def make_phone(
    profile: DeviceProfile,
    identity: PhoneIdentity,
    settings: NetworkSettings,
    *,
    rng: RandomSource,
    wall_clock: float,
    cache: DiscoveryCache | None = None,
    cache_policy: CachePolicy | None = None,
    final_stage: str = LAST.value,
    hold: float | None = None,
    supplied_trust: SuppliedTrust | None = None,
    bringup: frozenset[Stage] = frozenset(),
    cache_problem: str | None = None,
    release_lease: bool = False,
) -> Phone:
    """A phone powered off: `start(now)` powers it on."""
    return Phone(
        profile,
        identity,
        settings,
        rng=rng,
        wall_clock=wall_clock,
        cache=cache,
        cache_policy=cache_policy,
        final_stage=final_stage,
        hold=hold,
        supplied_trust=supplied_trust,
        bringup=bringup,
        cache_problem=cache_problem,
        release_lease=release_lease,
    )
