"""The warm-up pass: warm phones with no cache yet sign in once, unmeasured, first.

A power-restore storm needs phones that signed in before. The caches the fleet's
phones kept in an earlier run serve (read from the state folder); the warm phones
that have none sign in before the measured schedule starts, as fast as the
servers take them, and keep their cache. Nothing of the pass is in the report but
how many it warmed: its phones are the servers' load of the day before, not of
the storm.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from phonesim.core.stage import Stage
from phonesim.drivers.network import Network
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.load_shape import LoadShape


async def warm_up(
    plan: FleetPlan, network: Network, announce: Callable[[int], None] | None = None
) -> None:
    """Read the warm phones' caches and warm those that have none; `announce` hears how
    many the pass signs in before it starts."""
    warm = plan.warm
    assert warm is not None
    missing = await asyncio.to_thread(
        lambda: warm.load(plan.identities, stored=not warm.fresh_pool)
    )
    warm.from_state = len(warm.caches)
    if not missing:
        return
    if announce is not None:
        announce(len(missing))
    passing = FleetRun(
        dataclasses.replace(
            plan,
            identities=missing,
            # Every phone at once, within the run's own bound on phones booting; start
            # offsets are read by index, so the shape spans the highest index.
            shape=LoadShape(
                phones=missing[-1].index + 1, rate=None, concurrency=plan.shape.concurrency
            ),
            final_stage=Stage.TLSDSK,  # the registrar's 200 OK: the cache is kept there
            hold=None,
            max_failures=None,
            start_at=None,
            warm=dataclasses.replace(warm, warming=True),
        ),
        network,
    )
    statistics = await passing.run()
    await asyncio.to_thread(warm.store.flush)
    await asyncio.to_thread(warm.load, missing)
    warm.warmed_by_pass = len(warm.caches) - warm.from_state
    warm.warm_up_failed = statistics.started - warm.warmed_by_pass
