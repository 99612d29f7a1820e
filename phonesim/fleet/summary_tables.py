"""The end summary's tables, each with narrower layouts so that every figure prints whole
(see `fitted_layout`): the step table as one table, else as two (counts, latencies),
else as one line per step; the failures table with its messages wrapped, else as one
line per failure. Only the failures' messages ever wrap inside a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Column, Table
from rich.text import Text

from phonesim.fleet.fitted_layout import FirstThatFits, Layout

PERCENTILE_KEYS = ("p50", "p90", "p99", "p99.9", "max", "mean")
COUNT_KEYS = (("ok", "ok"), ("failed", "failed"), ("timed_out", "timed\nout"))
MESSAGE_MIN_WIDTH = 16
"""The narrowest the failures' message column gets before the table gives way to lines."""


def step_tables(heading: str, steps: Sequence[tuple[str, dict[str, Any]]]) -> FirstThatFits:
    """The step table (counts and latency percentiles in ms); `heading` says what ran
    (`500 phones in 5.1 s`)."""
    rows = [(stage, _counts(step), _latencies(step)) for stage, step in steps]
    count_headers = [header for _, header in COUNT_KEYS]
    title = f"{heading} (latency of the steps that worked, ms)"
    whole = figure_table(
        title, ["step", *count_headers, *PERCENTILE_KEYS], [(s, *c, *p) for s, c, p in rows]
    )
    counts = figure_table(
        "attempts per step", ["step", *count_headers], [(s, *c) for s, c, _ in rows]
    )
    latencies = figure_table(
        "latency of the steps that worked (ms)",
        ["step", *PERCENTILE_KEYS],
        [(s, *p) for s, _, p in rows],
    )
    # key=value pairs: a line wraps between pairs, never between a label and its figure.
    lines: list[RenderableType] = [Text(title)]
    for stage, figures, percentiles in rows:
        line = f"{stage}: " + " ".join(
            f"{key}={value}" for (key, _), value in zip(COUNT_KEYS, figures, strict=True)
        )
        if percentiles[0] != "-":
            line += " " + " ".join(
                f"{key}={value}" for key, value in zip(PERCENTILE_KEYS, percentiles, strict=True)
            )
        lines.append(Text(line))
    return FirstThatFits(
        [
            Layout(whole),
            Layout(Group(Text(f"{heading}:"), counts, latencies), Group(counts, latencies)),
            Layout(Group(*lines)),
        ]
    )


def failures_table(rows: Sequence[dict[str, Any]]) -> FirstThatFits:
    """The failures table, its messages wrapped; one line per failure when even that is
    too wide."""

    def table(with_messages: bool) -> Table:
        built = Table(
            Column("step", no_wrap=True),
            Column("reason", no_wrap=True),
            Column("count", justify="right", no_wrap=True),
            Column("ends\nboot", no_wrap=True),
            Column("message", overflow="fold", min_width=MESSAGE_MIN_WIDTH),
            title="failures",
        )
        for row in rows:
            built.add_row(
                row["step"],
                row["reason"],
                str(row["count"]),
                "yes" if row["ended_boot"] else "no",
                row["message"] if with_messages else "",
            )
        return built

    lines = [Text("failures:")] + [
        Text(
            f"{row['step']} {row['reason']} count={row['count']}"
            f"{' (ended the boot)' if row['ended_boot'] else ''}: {row['message']}"
        )
        for row in rows
    ]
    # Measured without the messages: they wrap, the other columns must fit whole.
    return FirstThatFits(
        [Layout(table(with_messages=True), table(with_messages=False)), Layout(Group(*lines))]
    )


def figure_table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], *, labelled: bool = True
) -> Table:
    """A table whose columns never shrink: a layout that does not fit is not chosen.
    `labelled`: the first column names the row (left-aligned); else every column holds
    figures."""
    columns = [
        Column(header, justify="left" if labelled and i == 0 else "right", no_wrap=True)
        for i, header in enumerate(headers)
    ]
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*row)
    return table


def _counts(step: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(step[key]) for key, _ in COUNT_KEYS)


def _latencies(step: dict[str, Any]) -> tuple[str, ...]:
    figures = step["latency_seconds"]
    return tuple(f"{figures[key] * 1000:.1f}" if figures else "-" for key in PERCENTILE_KEYS)
