"""The boot's table drawn as text, as h11 draws its state diagrams from its tables.

The README's architecture section shows this drawing; a test holds the two
together, so the picture cannot drift from the table the phone runs.
"""

from __future__ import annotations

from phonesim.core import flow
from phonesim.core.stage import Stage

_START_WORDS = {
    flow.Start.DISCOVER: "no usable discovery cache",
    flow.Start.FROM_CACHE: "a usable discovery cache",
}


def diagram() -> str:
    lines = ["power on"]
    width = max(len(words) for words in _START_WORDS.values())
    starts = list(flow.ENTRY.items())
    for number, (start, stage) in enumerate(starts):
        branch = "└─" if number == len(starts) - 1 else "├─"
        words = _START_WORDS[start].ljust(width, " ")
        lines.append(f" {branch} {words} ─▶ {stage}")
    bringup = " ─▶ ".join(flow.BRINGUP)
    lines.append(
        f" with bring-up: power on ─▶ {bringup} ─▶ as above (each stage only if played; "
        f"{Stage.VLAN} only if {Stage.LLDP} gave no VLAN)"
    )
    lines.append("")
    path = _path(flow.ENTRY[flow.Start.DISCOVER])
    lines.append(" ─▶ ".join([*path[: path.index(flow.HELD_AFTER) + 1], "end"]))
    lines.append(f" {flow.HELD_AFTER} ─▶ {Stage.HELD} ─▶ end: only for a boot given --hold")
    for whole in dict.fromkeys(flow.PART_OF.values()):
        parts = " ∥ ".join(part for part, of in flow.PART_OF.items() if of is whole)
        lines.append(f" {whole}: {parts} (side by side)")
    failing = ", ".join(stage for stage in flow.STOP_AFTER if stage in flow.REDISCOVER_AFTER)
    again = flow.ENTRY[flow.Start.DISCOVER]
    lines.append(f" from the cache, failed at {failing} ─▶ {again} (once)")
    for redirected, back in flow.REDIRECTED_TO.items():
        lines.append(
            f" redirected at {redirected} (a Director's 301) ─▶ {back}, the home pool alone"
        )
    lines.append("")
    lines.append("--stop-after " + " | ".join(flow.STOP_AFTER) + ":")
    alone = [part for part in flow.PART_OF if part in flow.STOP_AFTER]
    sentence = " no later stage is begun"
    for part in alone:
        sentence += f"; {part} runs alone in place of {flow.PART_OF[part]}"
    lines.append(sentence)
    return "\n".join(lines) + "\n"


def _path(stage: Stage) -> list[str]:
    path: list[str] = []
    current: Stage | None = stage
    while current is not None:
        path.append(str(current))
        current = flow.FOLLOWS[current]
    return path


__all__ = ["diagram"]
