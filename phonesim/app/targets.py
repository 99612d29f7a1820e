"""Where the servers are: the embedded lab, a lab already running, or a real network.

A boot and a fleet are each pointed at exactly one of these; the rules for
naming one are written here once. The command line words what went wrong in
its own options (see `TargetChoiceError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from phonesim.app.live_network import LiveNetwork, LiveTarget, live_network
from phonesim.app.network import lab_network
from phonesim.drivers.network import Network
from phonesim.errors import UsageError

if TYPE_CHECKING:
    from phonesim.lab.scenario import LabScenario


class Place(StrEnum):
    LAB = "lab"
    LAB_ENDPOINTS = "lab_endpoints"
    LIVE = "live"


class TargetProblem(StrEnum):
    NONE = "none"
    SEVERAL = "several"
    SCENARIO_WITHOUT_LAB = "scenario_without_lab"
    """A scenario says how the embedded lab misbehaves: nothing else takes one."""


class TargetChoiceError(UsageError):
    """The servers were named no way or several ways, or a scenario came without the lab."""

    def __init__(self, problem: TargetProblem, given: tuple[Place, ...]) -> None:
        super().__init__(f"{problem}: {', '.join(given) or 'nothing'} given")
        self.problem = problem
        self.given = given


@dataclass(frozen=True)
class LabTarget:
    """The embedded lab, started for this run and stopped after it."""

    scenario: LabScenario | None = None
    """How the lab misbehaves; None: healthy."""
    scenario_source: str | None = None
    """The name or file the scenario was loaded from, for a lab in a process of its own."""


@dataclass(frozen=True)
class LabEndpointsTarget:
    """A lab already running: the endpoints file `phonesim lab` wrote."""

    path: Path


@dataclass(frozen=True)
class LabEndpointsNetwork:
    network: Network
    site: str | None
    """What the lab reproduces besides a healthy pool (a scenario, a capture), if anything."""


def choose_place(
    *, lab: bool, lab_endpoints: Path | None, live: LiveTarget, scenario: bool
) -> Place:
    """The one place the servers were named, checked: `scenario` says one was asked for."""
    given = tuple(
        place
        for place, named in (
            (Place.LAB, lab),
            (Place.LAB_ENDPOINTS, lab_endpoints is not None),
            (Place.LIVE, live.named),
        )
        if named
    )
    if len(given) > 1:
        raise TargetChoiceError(TargetProblem.SEVERAL, given)
    if not given:
        raise TargetChoiceError(TargetProblem.NONE, given)
    if scenario and given[0] is not Place.LAB:
        raise TargetChoiceError(TargetProblem.SCENARIO_WITHOUT_LAB, given)
    return given[0]


def open_lab_endpoints(target: LabEndpointsTarget) -> LabEndpointsNetwork:
    from phonesim.lab.layout import LabEndpoints

    endpoints = LabEndpoints.from_file(target.path)
    return LabEndpointsNetwork(lab_network(endpoints), endpoints.site)


__all__ = [
    "LabEndpointsTarget",
    "LabTarget",
    "LiveNetwork",
    "LiveTarget",
    "Place",
    "TargetChoiceError",
    "TargetProblem",
    "choose_place",
    "live_network",
    "open_lab_endpoints",
]
