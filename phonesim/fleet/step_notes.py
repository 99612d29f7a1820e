"""Sentences that explain a step's counts: why it has fewer good samples than phones.

A latency row of 256 samples in a fleet of 500 phones reads as "fine" unless
something says the other 244 waited for an answer that never came; the
terminal and report.html both print these lines under the step table.
"""

from __future__ import annotations

from typing import Any

from phonesim.fleet.arrivals import arrival_note
from phonesim.fleet.identities import FIRST_GENERATED_EXTENSION
from phonesim.fleet.statistics import (
    FAILED_BEFORE,
    INTERRUPTED_BEFORE,
    SKIPPED,
    STOPPED_AS_ASKED,
)
from phonesim.fleet.wording import phones

NOT_REACHED_TEXT = {
    FAILED_BEFORE: "failed before it",
    INTERRUPTED_BEFORE: "were stopped by the fleet before it",
    STOPPED_AS_ASKED: "stopped earlier as --stage asked",
    SKIPPED: "went on without it",
}


def step_notes(summary: dict[str, Any]) -> list[str]:
    """One line per step that did not work for every phone that finished, one per socket
    on which the kernel dropped datagrams, and one if arrivals fell behind the schedule."""
    finished = summary["phones_finished"]
    notes = drop_notes(summary.get("udp_receive_drops"))
    lagging = arrival_note(summary.get("arrivals"))
    if lagging:
        notes.insert(0, lagging)
    unknown = unknown_users_hint(summary)
    if unknown:
        notes.insert(0, unknown)
    for stage, step in summary["steps"].items():
        line = step_note(stage, step, finished)
        if line:
            notes.append(line)
    return notes


def step_note(stage: str, step: dict[str, Any], finished: int) -> str | None:
    bad = step["failed"] + step["timed_out"] + step["interrupted"]
    if step["phones"] >= finished and not bad:
        return None
    line = f"{stage}: ran on {step['phones']} of {phones(finished)}"
    missing = [
        f"{count} {NOT_REACHED_TEXT.get(why, why)}" for why, count in step["not_reached"].items()
    ]
    if missing:
        line += " (" + ", ".join(missing) + ")"
    if bad:
        counts = [f"{step['ok']} ok"]
        for key, text in (
            ("failed", "failed"),
            ("timed_out", "timed out"),
            ("interrupted", "cut short by the fleet's end"),
        ):
            if step[key]:
                counts.append(f"{step[key]} {text}")
        line += "; " + ", ".join(counts)
        failed = step["failed_latency_seconds"]
        if failed:
            line += f" (median time to failure {failed['p50'] * 1000:.1f} ms)"
    return line


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
    """What a successful phone of this run did, never more: the furthest a phone goes today
    is the registrar's TLS-DSK challenge, which is not a sign-in."""
    if final_stage == "registrar":
        return "reached the TLS-DSK challenge"
    return f"reached {final_stage}"


def shown_steps(summary: dict[str, Any]) -> tuple[list[tuple[str, dict[str, Any]]], str | None]:
    """The step rows to print, and why one was left out: a DHCP-only phone's boot is
    its DHCP exchange, so the two rows would be the same figures twice."""
    steps = list(summary["steps"].items())
    by_name = dict(steps)
    dhcp, boot = by_name.get("dhcp"), by_name.get("boot")
    if (
        summary.get("config", {}).get("stage") == "dhcp"
        and dhcp is not None
        and boot is not None
        and _same_figures(dhcp, boot)
    ):
        return (
            [(name, step) for name, step in steps if name != "boot"],
            "boot: the same figures as dhcp (a DHCP-only phone's boot is its DHCP exchange)",
        )
    return steps, None


def _same_figures(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("ok", "failed", "timed_out", "latency_seconds", "failed_latency_seconds")
    return all(a[k] == b[k] for k in keys)


def unknown_users_hint(summary: dict[str, Any]) -> str | None:
    """Every phone unknown to the pool, with numbers the fleet made up: say so, and how."""
    config = summary.get("config", {})
    outcomes = summary["outcomes"]
    if config.get("users") or config.get("target", "").startswith("embedded lab"):
        return None
    if not outcomes or set(outcomes) != {"webticket.user_unknown"}:
        return None
    return (
        f"fleet phones are numbered {FIRST_GENERATED_EXTENSION} and up; this "
        + ("lab" if config.get("target", "").startswith("lab at") else "pool")
        + " does not know them: pass --users with its users (ext,pin CSV; "
        "`phonesim lab --users` reads the same file)"
    )
