"""Sentences that explain a step's counts: why it has fewer good samples than phones.

A latency row of 256 samples in a fleet of 500 phones reads as "fine" unless
something says the other 244 waited for an answer that never came; the
terminal and report.html both print these lines under the step table.
"""

from __future__ import annotations

from typing import Any

from phonesim.core.failure_reasons import WEBTICKET_USER_UNKNOWN
from phonesim.core.stage import Stage
from phonesim.fleet.arrivals import arrival_note
from phonesim.fleet.identities import FIRST_GENERATED_EXTENSION
from phonesim.fleet.loop_lag import loop_lag_note
from phonesim.fleet.stage_clock import (
    BOOT,
    FORCED_REHANDSHAKE,
    HELD_STEPS,
    REFRESH,
    SA_RENEWAL,
    SIGN_OUT,
    STAGES,
)
from phonesim.fleet.statistics import (
    FAILED_BEFORE,
    FINAL_STAGE_LAST_STEP,
    INTERRUPTED_BEFORE,
    NOT_DUE,
    SKIPPED,
    STOPPED_AS_ASKED,
    SUPPLIED,
)
from phonesim.fleet.wording import phones

NOT_REACHED_TEXT = {
    FAILED_BEFORE: "failed before it",
    INTERRUPTED_BEFORE: "were stopped by the fleet before it",
    STOPPED_AS_ASKED: "stopped earlier as --stage asked",
    SKIPPED: "went on without it",
    SUPPLIED: "were given the root chain by --trust-ca: not fetched",
    NOT_DUE: "were not due one within their hold",
}
NOT_DUE_TEXT = {
    REFRESH: "needed no refresh within their hold, shorter than the registration's refresh "
    "interval",
    SA_RENEWAL: "needed no new security association within their hold: the association outlived it",
    FORCED_REHANDSHAKE: "were never asked for a new handshake: no refresh was answered 401",
    SIGN_OUT: "were not signed out",
}
"""What `not_due` means for each held step: what happened instead."""


def step_notes(summary: dict[str, Any]) -> list[str]:
    """One line per step that did not work for every phone that finished, one per socket
    on which the kernel dropped datagrams, and one if arrivals fell behind the schedule."""
    finished = summary["phones_finished"]
    notes = drop_notes(summary.get("udp_receive_drops"))
    lagging = arrival_note(summary.get("arrivals"), summary.get("loop_lag"))
    if lagging:
        notes.insert(0, lagging)
    busy = loop_lag_note(summary.get("loop_lag"))
    if busy:
        notes.insert(0, busy)
    unknown = unknown_users_hint(summary)
    if unknown:
        notes.insert(0, unknown)
    after = set(steps_after_stage(summary))
    if not summary.get("hold"):
        after.update(HELD_STEPS)  # one line says so (`shown_steps`)
    for stage, step in summary["steps"].items():
        line = None if stage in after else step_note(stage, step, finished)
        if line:
            notes.append(line)
    return notes


def step_note(stage: str, step: dict[str, Any], finished: int) -> str | None:
    bad = step["failed"] + step["timed_out"] + step["interrupted"]
    unneeded = step.get("not_needed", 0)
    if step["phones"] >= finished and not bad and not unneeded:
        return None
    line = f"{stage}: ran on {step['phones']} of {phones(finished)}"
    missing = [f"{count} {_not_reached(stage, why)}" for why, count in step["not_reached"].items()]
    if missing:
        line += " (" + ", ".join(missing) + ")"
    if bad or unneeded:
        counts = [f"{step['ok']} ok"]
        for key, text in (
            ("failed", "failed"),
            ("timed_out", "timed out"),
            ("interrupted", "cut short by the fleet's end"),
            ("not_needed", "not needed (the boot ended well before the answer came)"),
        ):
            if step.get(key):
                counts.append(f"{step[key]} {text}")
        line += "; " + ", ".join(counts)
        failed = step["failed_latency_seconds"]
        if failed:
            line += f" (median time to failure {failed['p50'] * 1000:.1f} ms)"
    return line


def _not_reached(stage: str, why: str) -> str:
    if why == NOT_DUE and stage in NOT_DUE_TEXT:
        return NOT_DUE_TEXT[stage]
    return NOT_REACHED_TEXT.get(why, why)


def steps_after_stage(summary: dict[str, Any]) -> list[str]:
    """The steps after `--stage` that no phone ran: the phones stopped before them."""
    stage = summary.get("config", {}).get("stage") or Stage.REGISTRAR
    last = STAGES.index(FINAL_STAGE_LAST_STEP[stage])
    # A held phone's steps are not after its stage: they come with --hold (`shown_steps`).
    return [
        name
        for name, step in summary["steps"].items()
        if name != BOOT
        and name not in HELD_STEPS
        and STAGES.index(name) > last
        and step["phones"] == 0
    ]


def drop_notes(drops: dict[str, Any] | None) -> list[str]:
    if not drops:
        return []
    notes = []
    for name, count in (drops.get("servers") or {}).items():
        if count:
            notes.append(
                f"the kernel dropped {count} datagrams sent to the {name} server (its receive "
                "buffer was full): the phones that sent them waited for their time-out"
            )
    if drops.get("fleet"):
        notes.append(
            f"the kernel dropped {drops['fleet']} answers on the fleet's own sockets (receive "
            "buffer full): the phones waited for answers the servers had sent"
        )
    return notes


def scenario_note(summary: dict[str, Any]) -> str | None:
    """How many phones ended as the lab scenario says a phone ends."""
    config = summary.get("config", {})
    expected = config.get("scenario_expects")
    if not expected:
        return None
    matched = summary["outcomes"].get(expected, 0)
    return (
        f"scenario {config.get('scenario')} expects {expected}: "
        f"{matched} of {phones(summary['phones_finished'])}"
    )


def reached_label(final_stage: str) -> str:
    """What a successful phone of this run did, never more: the registrar's TLS-DSK
    challenge is not a sign-in; the verified 200 OK after TLS-DSK is."""
    if final_stage == Stage.TLSDSK:
        return "signed in"
    if final_stage == Stage.PROVISIONING:
        return "signed in and provisioned"
    if final_stage == Stage.REGISTRAR:
        return "reached the TLS-DSK challenge"
    return f"reached {final_stage}"


def shown_steps(summary: dict[str, Any]) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """The step rows to print, and a line for each kind left out: the steps after
    `--stage` (rows of zeros), and a DHCP-only phone's boot, which is its DHCP exchange
    (the same figures twice)."""
    after = steps_after_stage(summary)
    unheld = [] if summary.get("hold") else list(HELD_STEPS)
    steps = [
        (name, step)
        for name, step in summary["steps"].items()
        if name not in after and name not in unheld
    ]
    left_out = []
    if after:
        stage = summary.get("config", {}).get("stage")
        left_out.append(
            f"{', '.join(after)}: not run, the phones stopped after --stage {stage} as asked "
            "(not_reached in summary.json)"
        )
    if unheld:
        left_out.append(f"{', '.join(unheld)}: not run, the phones were not held (--hold)")
    by_name = dict(steps)
    dhcp, boot = by_name.get(Stage.DHCP), by_name.get(BOOT)
    if (
        summary.get("config", {}).get("stage") == Stage.DHCP
        and dhcp is not None
        and boot is not None
        and _same_figures(dhcp, boot)
    ):
        steps = [(name, step) for name, step in steps if name != BOOT]
        left_out.append(
            "boot: the same figures as dhcp (a DHCP-only phone's boot is its DHCP exchange)"
        )
    return steps, left_out


def _same_figures(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("ok", "failed", "timed_out", "latency_seconds", "failed_latency_seconds")
    return all(a[k] == b[k] for k in keys)


def unknown_users_hint(summary: dict[str, Any]) -> str | None:
    """Every phone unknown to the pool, with numbers the fleet made up: say so, and how."""
    config = summary.get("config", {})
    outcomes = summary["outcomes"]
    if config.get("users") or config.get("target", "").startswith("embedded lab"):
        return None
    if not outcomes or set(outcomes) != {WEBTICKET_USER_UNKNOWN.name}:
        return None
    return (
        f"fleet phones are numbered {FIRST_GENERATED_EXTENSION} and up; this "
        + ("lab" if config.get("target", "").startswith("lab at") else "pool")
        + " does not know them: pass --users with its users (ext,pin CSV; "
        "`phonesim lab --users` reads the same file)"
    )
