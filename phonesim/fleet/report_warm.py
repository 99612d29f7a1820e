"""The cold/warm split of a power-restore storm (`--warm`), as the page and the terminal
say it: the two kinds of boot side by side, and the warm phones that needed their PIN."""

from __future__ import annotations

from typing import Any

from phonesim.fleet.warm_plan import COLD, WARM, WARM_NO_CACHE, WARM_PIN

_KEYS = ("p50", "p90", "p99")


def warm_rows(warm: dict[str, Any]) -> list[tuple[object, ...]]:
    """One row per kind: phones, ok, failed, boot p50/p90/p99 in ms, and how they began."""
    rows: list[tuple[object, ...]] = []
    for kind in (COLD, WARM):
        figures = warm["phones"][kind]
        boot = figures["latency_seconds"].get("boot") or {}
        rows.append(
            (
                kind,
                figures["phones_finished"],
                figures["succeeded"],
                figures["failed"],
                *(f"{boot[k] * 1000:.1f}" if boot else "-" for k in _KEYS),
                _began(figures) if kind == WARM else "discovered, signed in with the PIN",
            )
        )
    return rows


WARM_HEADER = ("phones", "count", "ok", "failed", "boot p50 ms", "boot p90 ms", "boot p99 ms")


def _began(figures: dict[str, Any]) -> str:
    signed_in = figures["signed_in_as"]
    parts = [f"{signed_in[WARM]} with their kept certificate"]
    if signed_in[WARM_PIN]:
        why = ", ".join(f"{n} {k}" for k, n in figures["fell_back_to_pin"].items())
        parts.append(f"{signed_in[WARM_PIN]} fell back to the PIN ({why})")
    if signed_in[WARM_NO_CACHE]:
        parts.append(f"{signed_in[WARM_NO_CACHE]} without a cache (the warm-up failed)")
    return "; ".join(parts)


def warm_origin(warm: dict[str, Any]) -> str:
    """Where the warm phones' caches came from."""
    text = (
        f"{warm['share']:g} of the phones warm: {warm['from_state']} caches from the state "
        f"folder, {warm['warmed_by_pass']} warmed by the warm-up pass (unmeasured)"
    )
    if warm["warm_up_failed"]:
        text += f", {warm['warm_up_failed']} the pass could not sign in"
    return text


def warm_line(warm: dict[str, Any]) -> str:
    """The terminal's line: cold and warm boots' p50, and the warm phones' PIN fall-backs."""
    parts = []
    for kind, *figures in warm_rows(warm):
        count, ok, failed, p50 = figures[0], figures[1], figures[2], figures[3]
        parts.append(f"{kind} {count} ({ok} ok, {failed} failed, boot p50 {p50} ms)")
    fell_back = warm["phones"][WARM]["signed_in_as"][WARM_PIN]
    return "; ".join(parts) + f"; {fell_back} warm fell back to the PIN · {warm_origin(warm)}"
