"""Print the first of several layouts that fits the width it is given whole.

rich fits a table that is too wide for its console by cutting cells short
with an ellipsis. Written to a CI log or a file (80 columns when the output
is not a terminal), a ten-column step table printed `338…` for a boot p50 of
3388.1 ms and `100…` for a count of 10000: a figure cut short is a wrong
figure. A fleet's tables therefore come with narrower layouts (the same
figures in two tables, or as lines that wrap between figures), and the widest
one that fits is printed; the last layout is used when none fits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement

_UNBOUNDED = 10_000
"""A width no layout reaches: measured against it, a table reports its natural width."""


class Layout:
    """One way to print some figures; `probe` (default: the layout itself) is measured
    instead when a part of it (a message) may wrap and should not count."""

    def __init__(self, renderable: RenderableType, probe: RenderableType | None = None) -> None:
        self.renderable = renderable
        self.probe = renderable if probe is None else probe

    def fits(self, console: Console, width: int) -> bool:
        unbounded = console.options.update_width(_UNBOUNDED)
        return Measurement.get(console, unbounded, self.probe).maximum <= width


class FirstThatFits:
    def __init__(self, layouts: Sequence[Layout]) -> None:
        if not layouts:
            raise ValueError("no layout")
        self.layouts = layouts

    def choose(self, console: Console, width: int) -> Layout:
        for layout in self.layouts[:-1]:
            if layout.fits(console, width):
                return layout
        return self.layouts[-1]

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        yield self.choose(console, options.max_width).renderable

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        chosen = self.choose(console, options.max_width)
        return Measurement.get(console, options, chosen.renderable)
