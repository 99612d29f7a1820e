"""The live view of a running fleet: where the phones are, how fast, what fails."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from phonesim.core.stage import Stage
from phonesim.fleet.fitted_layout import FirstThatFits, Layout
from phonesim.fleet.fleet_run import FleetProgress
from phonesim.fleet.hold_view import live_line, sign_ins_since, signed_in_so_far
from phonesim.fleet.stage_clock import STAGES
from phonesim.fleet.statistics import FleetStatistics, nearest_rank
from phonesim.fleet.step_notes import reached_label
from phonesim.fleet.summary_tables import figure_table

STAGE_ORDER: tuple[str, ...] = (
    Stage.BOOT,
    Stage.LLDP,
    Stage.VLAN,
    Stage.LEASE,
    Stage.DHCP,
    Stage.DNS,
    Stage.DISCOVERY,
    Stage.TIME,
    Stage.ROOTCHAIN,
    Stage.CERTPROV,
    Stage.WEBTICKET,
    Stage.REGISTRAR,
    Stage.TLSDSK,
    Stage.PROVISIONING,
    Stage.HELD,
)
"""Where the phones are: the stage of each one's last trace event."""


class LatencyPanel:
    """The "latency so far" table, recomputed when the samples grew by a tenth or every
    few seconds: exact percentiles sort every sample, and doing that four times a second
    for a large fleet would take the loop time the phones need."""

    REFRESH_SECONDS = 2.0
    GROWTH = 1.1

    def __init__(self) -> None:
        self._table: FirstThatFits | None = None
        self._at = 0.0
        self._samples = 0

    def table(self, stats: FleetStatistics, elapsed: float) -> FirstThatFits:
        samples = sum(len(stats.latencies[stage]) for stage in STAGES)
        if (
            self._table is None
            or elapsed - self._at >= self.REFRESH_SECONDS
            or samples > self._samples * self.GROWTH
        ):
            self._table, self._at, self._samples = _latency_table(stats), elapsed, samples
        return self._table


_LATENCY_HEADERS = ("step", "n", "p50", "p90", "p99", "max")


def _latency_table(stats: FleetStatistics) -> FirstThatFits:
    rows = []
    for stage in STAGES:
        samples = stats.latencies[stage]
        if not samples:
            continue
        ordered = sorted(samples)
        rows.append(
            (
                stage,
                str(len(ordered)),
                *(f"{nearest_rank(ordered, p) * 1000:.1f}" for p in (50, 90, 99)),
                f"{ordered[-1] * 1000:.1f}",
            )
        )
    return FirstThatFits(
        [
            Layout(figure_table("latency so far (ms)", _LATENCY_HEADERS, rows)),
            Layout(_lines("latency so far (ms)", _LATENCY_HEADERS, rows)),
        ]
    )


def _lines(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Group:
    """A narrow terminal's table: a line per row that wraps between figures."""
    return Group(
        Text(title),
        *(
            Text(
                f"{row[0]}: "
                + " ".join(f"{h}={v}" for h, v in zip(headers[1:], row[1:], strict=True))
            )
            for row in rows
        ),
    )


def render(progress: FleetProgress, planned: int, panel: LatencyPanel | None = None) -> Group:
    stats = progress.statistics
    window = min(5.0, progress.elapsed)
    hold = progress.hold
    recent = sign_ins_since(hold, stats, progress.elapsed - window)
    rate = recent / window if window > 0 else 0.0
    rate_of = "finished/s" if hold is None else "signed in/s"
    held_now = "" if hold is None else f" ({hold.registered} held now)"
    state = (
        "stopping: phones in flight finish"
        if progress.stopping
        else ("all phones powered on" if progress.arrivals_done else "powering on")
    )
    head = Text.assemble(
        ("phonesim fleet  ", "bold"),
        f"{progress.elapsed:6.1f} s   started {stats.started}/{planned}   in flight "
        f"{progress.in_flight}   {reached_label(stats.final_stage)} ",
        (str(signed_in_so_far(hold, stats)), "green"),
        held_now,
        "   failed ",
        (str(stats.failed), "red" if stats.failed else ""),
        f"   {rate:.1f} {rate_of} over the last {window:.0f} s   ({state})",
    )
    counts = [str(progress.by_stage.get(stage, 0)) for stage in STAGE_ORDER]
    title = "phones in flight by step"
    stages = FirstThatFits(
        [
            Layout(figure_table(title, STAGE_ORDER, [counts], labelled=False)),
            Layout(
                figure_table(title, ("step", "phones"), list(zip(STAGE_ORDER, counts, strict=True)))
            ),
        ]
    )

    latency = (panel or LatencyPanel()).table(stats, progress.elapsed)
    failed = [(name, str(n)) for name, n in stats.outcomes.most_common() if name != "success"]
    parts: list[RenderableType] = [head, stages, latency]
    if progress.hold is not None:
        parts.insert(1, Text(live_line(progress.hold)))
    if failed:
        parts.append(
            FirstThatFits(
                [
                    Layout(figure_table("failures", ("outcome", "phones"), failed)),
                    Layout(_lines("failures", ("outcome", "phones"), failed)),
                ]
            )
        )
    return Group(*parts)


def progress_line(progress: FleetProgress, planned: int) -> str:
    """One plain line, for logs and terminals without live redraw."""
    stats = progress.statistics
    reached = reached_label(stats.final_stage).replace(" ", "-")
    hold = progress.hold
    held_now = "" if hold is None else f" held-now {hold.registered}"
    line = (
        f"{progress.elapsed:7.1f}s started {stats.started}/{planned} in-flight {progress.in_flight} "
        f"{reached} {signed_in_so_far(hold, stats)}{held_now} failed {stats.failed}"
    )
    return line if hold is None else f"{line} · {live_line(hold)}"
