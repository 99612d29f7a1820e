"""The boot's own events, which belong to no stage: the power-on, and what nothing waits for.

Declared apart from the stages' events (`phonesim.core.trace_schema` lists them all) because
the conductor, not a stage machine, emits them.
"""

from __future__ import annotations

from phonesim.core.stage import Stage
from phonesim.core.trace_event import declare as _event

# -- power on ------------------------------------------------------------------------
POWER_ON = _event(
    Stage.BOOT,
    "power_on",
    ("profile", "model", "firmware", "mac", "address", "domain"),
    "the phone powers on: which device, which MAC, where it sits",
)


# -- what the phone did not expect --------------------------------------------------------
BOOT_EVENT_IGNORED = _event(
    Stage.BOOT,
    "event_ignored",
    ("event", "about", "why"),
    "something arrived that nothing in the phone waits for (an answer after the phone "
    "stopped waiting, a DHCP answer after it stopped listening): recorded, not acted on",
    "warning",
)
