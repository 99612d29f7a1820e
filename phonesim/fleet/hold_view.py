"""A held fleet's figures in words: the dashboard's live line, the end summary's lines and
report.html's section. Registered phones are the figure a pool's owner watches; the
keep-alives' lateness says whether the fleet itself kept up."""

from __future__ import annotations

from bisect import bisect_left
from html import escape
from typing import Any

from phonesim.core import trace_schema as ts
from phonesim.fleet.hold_figures import CUT, FAILED, SIGN_OUT_FAILED, SIGNED_OUT, HoldFigures
from phonesim.fleet.statistics import FleetStatistics, latency_summary


def signed_in_so_far(hold: HoldFigures | None, stats: FleetStatistics) -> int:
    """Phones signed in so far: a held phone has signed in, though it finishes only when
    its hold ends (then it counts among the successes)."""
    return stats.outcomes["success"] + (0 if hold is None else hold.registered)


def sign_ins_since(hold: HoldFigures | None, stats: FleetStatistics, at: float) -> int:
    """Phones whose sign-in ended at or after `at`: for a held fleet, the holds that began
    and the phones that ended unheld; otherwise the phones that finished."""
    finished = stats.finished_since(at)
    if hold is None:
        return finished
    began = len(hold.held_at) - bisect_left(hold.held_at, at)
    held_ended = len(hold.ended_at) - bisect_left(hold.ended_at, at)
    return began + finished - held_ended


def live_line(hold: HoldFigures) -> str:
    """Where the holds stand now (counted as the phones trace, not when they end)."""
    seen = hold.so_far
    lateness = latency_summary(hold.keep_alive_lateness)
    late = "" if lateness is None else f" (p99 {lateness['p99'] * 1000:.1f} ms late)"
    return (
        f"held: {hold.registered:,} registered now of {len(hold.held_at):,} held · "
        f"{seen[ts.HELD_REFRESHED.name]:,} refreshes · {len(hold.keep_alive_lateness):,} "
        f"keep-alives{late} · {seen[ts.HELD_REHANDSHAKED.name]:,} new security associations "
        f"· {seen[ts.HELD_SIGNED_OUT.name]:,} signed out"
    )


def end_lines(hold: dict[str, Any]) -> list[str]:
    """summary.json's `hold` in a few lines."""
    ends = hold["sign_outs"]
    renewed = hold["rehandshakes"]
    lines = [
        f"held {hold['phones_held']:,} phones for {_how_long(hold)} (at most "
        f"{hold['registered_peak']:,} registered at once): {hold['refreshes']:,} refreshes, "
        f"{hold['keep_alives']:,} keep-alives, {renewed['sa_renewal']:,} security "
        f"associations renewed, {renewed['forced_by_401']:,} re-handshakes forced by a 401",
        f"holds ended: {ends[SIGNED_OUT]:,} signed out, {ends[SIGN_OUT_FAILED]:,} sign-outs "
        f"failed, {ends[FAILED]:,} holds failed, {ends[CUT]:,} cut by the fleet's end",
    ]
    late = hold["keep_alive_lateness_seconds"]
    if late:
        lines.append(
            "keep-alives late against the phones' deadlines by: "
            + ", ".join(f"{key} {late[key] * 1000:.1f} ms" for key in ("p50", "p99", "max"))
        )
    if hold["failures"]:
        lines.append(
            "hold failures: " + ", ".join(f"{name} {n}" for name, n in hold["failures"].items())
        )
    return lines


def _how_long(hold: dict[str, Any]) -> str:
    """The hold asked for, or, where something cut holds short, how long they lasted
    against it and what cut them: "signed out" alone would read as holds done."""
    asked = f"{hold['hold_seconds']:g} s"
    cut = hold.get("cut_short") or {}
    done = hold.get("held_seconds")
    if not cut or done is None:
        return asked
    by = ", ".join(f"{count:,} by {why}" for why, count in cut.items())
    return f"up to {done['max']:g} s of the {asked} asked (holds cut short: {by})"


def report_section(hold: dict[str, Any] | None) -> str:
    """report.html's section on the hold, the chart of registered phones after it."""
    if hold is None:
        return ""
    from phonesim.fleet.report_plots import registered_plot

    items = "".join(f"<li>{escape(line)}</li>" for line in end_lines(hold))
    return f"<h2>Held registered</h2><ul>{items}</ul><figure>{registered_plot(hold)}</figure>"


__all__ = ["end_lines", "live_line", "report_section"]
