"""The charts of report.html, drawn as inline SVG with matplotlib.

What load testers look for in Locust's and Gatling's reports: arrivals
against the schedule, throughput, concurrency and latency over time, and
latency distributions. Over-time charts use buckets sized to the run
(`time_series`), so a 0.3 s storm is as readable as an hour's ramp. Series that
can coincide are drawn so the one underneath still shows (a wide pale line
under a thin dark one). Histograms use a logarithmic time axis, so one slow
outlier does not squeeze every other sample into a single bar, and mark p50,
p90 and p99.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from phonesim.fleet.stage_clock import BOOT
from phonesim.fleet.statistics import FleetStatistics, nearest_rank
from phonesim.fleet.time_series import Buckets

WIDE = (12, 3.2)
MARKERS = ((50.0, "p50", "#228833"), (90.0, "p90", "#ccbb44"), (99.0, "p99", "#ee6677"))
SMALLEST_SECONDS = 1e-6
"""A latency of 0 (below the clock's microsecond) is drawn at this, on a log axis."""


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    return plt


def _svg(figure: Any) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _time_axis(axis: Any, buckets: Buckets, ylabel: str) -> None:
    axis.set_xlabel(
        f"seconds since the first phone could power on ({_duration(buckets.size)} buckets)"
    )
    axis.set_ylabel(ylabel)
    axis.set_xlim(0, buckets.count * buckets.size)
    axis.grid(alpha=0.3)


def _legend_outside(axis: Any) -> None:
    """Right of the plot area, so it never covers a line (a --duration run's lines fill
    the whole width)."""
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:g} ms" if seconds < 1 else f"{seconds:g} s"


def _edges(buckets: Buckets, values: Sequence[float | None]) -> tuple[list[float], list[float]]:
    """x and y for a step line over whole buckets (each value held across its bucket)."""
    xs = [*buckets.starts, buckets.count * buckets.size]
    ys = [math.nan if v is None else v for v in values]
    return xs, [*ys, ys[-1] if ys else math.nan]


def arrivals_plot(stats: FleetStatistics, buckets: Buckets, scheduled: bool) -> str:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=WIDE)
    if scheduled:
        axis.step(
            *_edges(buckets, buckets.rate(stats.scheduled_at)),
            where="post",
            color="#bbbbbb",
            linewidth=5,
            label="scheduled (--rate, --ramp)",
        )
    axis.step(
        *_edges(buckets, buckets.rate(stats.started_at)),
        where="post",
        color="#4477aa",
        linewidth=1.4,
        label="powered on",
    )
    _time_axis(axis, buckets, "phones per second")
    _legend_outside(axis)
    return _svg(figure)


def boots_plot(stats: FleetStatistics, buckets: Buckets, reached: str) -> str:
    plt = _pyplot()
    ok = [t for t, bad in zip(stats.ended_at, stats.ended_failed, strict=True) if not bad]
    failed = [t for t, bad in zip(stats.ended_at, stats.ended_failed, strict=True) if bad]
    figure, axis = plt.subplots(figsize=WIDE)
    axis.step(
        *_edges(buckets, buckets.rate(stats.started_at)),
        where="post",
        color="#88ccee",
        linewidth=5,
        label="powered on",
    )
    axis.step(
        *_edges(buckets, buckets.rate(ok)),
        where="post",
        color="#117733",
        linewidth=1.4,
        label=reached,
    )
    axis.step(
        *_edges(buckets, buckets.rate(failed)),
        where="post",
        color="#cc3311",
        linewidth=1.4,
        linestyle="--",
        label="failed",
    )
    _time_axis(axis, buckets, "phones per second")
    _legend_outside(axis)
    return _svg(figure)


def in_flight_plot(stats: FleetStatistics, buckets: Buckets) -> str:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=WIDE)
    axis.step(
        *_edges(buckets, buckets.in_flight(stats.started_at, stats.ended_at)),
        where="post",
        color="#aa3377",
    )
    _time_axis(axis, buckets, "phones booting (average)")
    return _svg(figure)


def latency_over_time_plot(stats: FleetStatistics, buckets: Buckets) -> str:
    if not stats.latencies[BOOT]:
        return (
            "<p>No boot succeeded, so there is no boot latency to draw (the failed boots' "
            "time to failure is in summary.json, <code>steps.boot.failed_latency_seconds</code>, "
            "and in red in the boot histogram below).</p>"
        )
    plt = _pyplot()
    series = buckets.percentiles(
        stats.boot_done_at, stats.latencies[BOOT], [p for p, _, _ in MARKERS]
    )
    figure, axis = plt.subplots(figsize=WIDE)
    for percent, label, color in MARKERS:
        values = [None if v is None else v * 1000 for v in series[percent]]
        axis.step(*_edges(buckets, values), where="post", color=color, label=label)
    _time_axis(axis, buckets, "boot latency (ms)")
    _legend_outside(axis)
    return _svg(figure)


def step_latency_over_time_plots(
    stats: FleetStatistics, buckets: Buckets, steps: Sequence[str]
) -> str:
    """Per step, p50/p90/p99 of the attempts that worked and ended in each bucket: which
    server slowed down, and when (the boot's own chart says only that something did)."""
    drawn = [s for s in steps if s != BOOT and stats.latencies[s]]
    if not drawn:
        return "<p>No step but the boot worked, so there is no step latency to draw.</p>"
    plt = _pyplot()
    columns = 2
    rows = (len(drawn) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(12, 2.6 * rows), squeeze=False)
    for index, stage in enumerate(drawn):
        axis = axes[index // columns][index % columns]
        series = buckets.percentiles(
            stats.done_at[stage], stats.latencies[stage], [p for p, _, _ in MARKERS]
        )
        for percent, label, color in MARKERS:
            values = [None if v is None else v * 1000 for v in series[percent]]
            axis.step(*_edges(buckets, values), where="post", color=color, label=label)
        axis.set_title(stage)
        axis.set_xlim(0, buckets.count * buckets.size)
        axis.set_ylim(bottom=0)
        axis.set_ylabel("ms")
        axis.grid(alpha=0.3)
        axis.legend(fontsize="x-small", loc="upper right")
    for index in range(len(drawn), rows * columns):
        axes[index // columns][index % columns].axis("off")
    figure.supxlabel(
        f"seconds since the first phone could power on ({_duration(buckets.size)} buckets)",
        fontsize="medium",
    )
    figure.tight_layout()
    return _svg(figure)


def loop_lag_plot(lag: dict[str, Any], buckets: Buckets) -> str:
    """How late the fleet's event loop ran, the largest lateness in each bucket, with its
    bound."""
    plt = _pyplot()
    late: list[float | None] = [None] * buckets.count
    window = lag["window_seconds"]
    for index, value in enumerate(lag["window_max"]):
        start, end = index * window, (index + 1) * window
        for bucket in range(buckets.index(start), buckets.index(end - 1e-9) + 1):
            held = late[bucket]
            late[bucket] = value * 1000 if held is None else max(held, value * 1000)
    figure, axis = plt.subplots(figsize=WIDE)
    axis.step(*_edges(buckets, late), where="post", color="#aa3377", label="late by (max)")
    axis.axhline(
        lag["bound_seconds"] * 1000,
        color="#bbbbbb",
        linestyle="--",
        label=f"bound {lag['bound_seconds'] * 1000:g} ms",
    )
    _time_axis(axis, buckets, "event loop late by (ms)")
    axis.set_ylim(bottom=0)
    _legend_outside(axis)
    return _svg(figure)


def latency_histograms(stats: FleetStatistics, steps: Sequence[str]) -> str:
    """One log-scale histogram per step: the steps that worked, and in red the time the
    failed ones took to fail."""
    plt = _pyplot()
    drawn = [s for s in steps if stats.latencies[s] or stats.failed_latencies[s]]
    if not drawn:
        return "<p>No step was timed.</p>"
    columns = 3
    rows = (len(drawn) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(12, 3 * rows), squeeze=False)
    for index, stage in enumerate(drawn):
        axis = axes[index // columns][index % columns]
        ok = [max(v, SMALLEST_SECONDS) * 1000 for v in stats.latencies[stage]]
        failed = [max(v, SMALLEST_SECONDS) * 1000 for v in stats.failed_latencies[stage]]
        bins = _log_bins([*ok, *failed])
        if ok:
            axis.hist(ok, bins=bins, color="#4477aa", label="worked")
        if failed:
            axis.hist(failed, bins=bins, color="#cc3311", alpha=0.7, label="failed")
        axis.set_xscale("log")
        if ok:
            ordered = sorted(ok)
            for percent, label, color in MARKERS:
                value = nearest_rank(ordered, percent)
                axis.axvline(value, color=color, linewidth=1, label=f"{label} {value:.1f} ms")
        _plain_ticks(axis.xaxis)
        axis.set_title(stage)
        axis.set_xlabel("ms (log scale)")
        axis.set_ylabel("samples")
        axis.legend(fontsize="x-small")
    for index in range(len(drawn), rows * columns):
        axes[index // columns][index % columns].axis("off")
    figure.tight_layout()
    return _svg(figure)


def _plain_ticks(axis: Any) -> None:
    """Milliseconds as 30, 40, 60 rather than 3×10¹: a reader compares them with tables.

    Only some ticks are labelled, or the labels run into each other: the powers of ten
    when two or more are in view; else those and the 2s and 5s; and every tick only when
    fewer than two of those are in view (a narrow span such as 21-48 ms).
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    low, high = axis.get_view_interval()
    plain = FuncFormatter(lambda value, _position: f"{value:g}")
    axis.set_major_formatter(plain)
    if _count_in_view(low, high, {1}) >= 2:
        axis.set_minor_formatter(NullFormatter())
        return
    labelled = {1, 2, 5} if _count_in_view(low, high, {1, 2, 5}) >= 2 else set(range(1, 10))
    axis.set_minor_formatter(
        FuncFormatter(lambda value, _position: f"{value:g}" if _mantissa(value) in labelled else "")
    )


def _mantissa(value: float) -> int:
    """The leading digit of a tick on a log axis (its ticks are 1-9 × 10^k)."""
    return round(value / 10.0 ** math.floor(math.log10(value) + 1e-9))


def _ticks_in_view(low: float, high: float) -> list[float]:
    low = max(low, SMALLEST_SECONDS * 1000)
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for digit in range(1, 10):
            tick = digit * 10.0**exponent
            if low <= tick <= high:
                ticks.append(tick)
    return ticks


def _count_in_view(low: float, high: float, mantissas: set[int]) -> int:
    return sum(1 for tick in _ticks_in_view(low, high) if _mantissa(tick) in mantissas)


def _log_bins(values: Sequence[float], count: int = 40) -> list[float]:
    low, high = min(values), max(values)
    if high <= low * 1.01:
        low, high = low / 1.5, high * 1.5
    step = (math.log10(high) - math.log10(low)) / count
    return [10 ** (math.log10(low) + i * step) for i in range(count + 1)]


def registered_plot(hold: dict[str, Any]) -> str:
    """Phones registered over the run (summary.json's `hold.registered_over_time`)."""
    series = hold["registered_over_time"]
    values = series["registered"]
    buckets = Buckets(series["bucket_seconds"], len(values))
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=WIDE)
    axis.step(*_edges(buckets, values), where="post", color="#4477aa", label="registered")
    _time_axis(axis, buckets, "phones registered")
    axis.set_ylim(bottom=0)
    _legend_outside(axis)
    return _svg(figure)
