"""Reading lab data files (TOML) so that every error names the file, the line and the field.

`tomllib` gives values, not positions; a person fixing a scenario needs the
line. `TomlLines` finds the line of a dotted field from the table headers and
keys of the text, which is enough for the flat files the lab reads.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from phonesim.errors import LabDataError

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")

FieldPath = tuple[str | int, ...]


def field_name(path: FieldPath) -> str:
    """`("dhcp", "server", 1, "delay")` -> `dhcp.server[2].delay` (people count from 1)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += ("." if text else "") + part
    return text


class TomlLines:
    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        # (line index, dotted table name, occurrence index for [[arrays]])
        self._headers: list[tuple[int, tuple[str, ...], int | None]] = []
        seen: dict[tuple[str, ...], int] = {}
        for number, line in enumerate(self._lines):
            match = _HEADER.match(line)
            if not match:
                continue
            name = tuple(_unquote(part.strip()) for part in match.group(2).split("."))
            if match.group(1) == "[[":
                index = seen.get(name, 0)
                seen[name] = index + 1
                self._headers.append((number, name, index))
            else:
                self._headers.append((number, name, None))

    def line_of(self, path: FieldPath) -> int | None:
        """1-based line of the field, or of the nearest table that holds it."""
        for cut in range(len(path), -1, -1):
            table, rest = path[:cut], path[cut:]
            start = self._table_start(table)
            if start is None:
                continue
            if not rest:
                return start + 1 if table else None
            key = rest[0]
            if isinstance(key, int):
                continue
            end = self._next_header(start)
            for number in range(start + (1 if table else 0), end):
                match = _KEY.match(self._lines[number])
                if match and _unquote(match.group(1)) == key:
                    return number + 1
            if table:
                return start + 1
        return None

    def _table_start(self, table: FieldPath) -> int | None:
        if not table:
            return 0
        names = tuple(part for part in table if isinstance(part, str))
        index = next((part for part in reversed(table) if isinstance(part, int)), None)
        for number, name, occurrence in self._headers:
            if name == names and (index is None or occurrence == index):
                return number
        return None

    def _next_header(self, start: int) -> int:
        for number, _name, _index in self._headers:
            if number > start:
                return number
        return len(self._lines)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


class LabFile:
    """One parsed lab data file and the means to complain about any of its fields."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        try:
            self.data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise LabDataError(source, f"not valid TOML: {error}") from None
        except RecursionError:
            raise LabDataError(source, "not valid TOML: nested too deeply") from None
        self._lines = TomlLines(text)

    def error(self, path: FieldPath, reason: str) -> LabDataError:
        line = self._lines.line_of(path)
        where = f"line {line}: " if line else ""
        return LabDataError(self.source, f"{where}field '{field_name(path)}' {reason}")

    def check_keys(self, path: FieldPath, table: Mapping[str, Any], known: Sequence[str]) -> None:
        for key in table:
            if key not in known:
                raise self.error(
                    (*path, key), f"is not known here (known: {', '.join(sorted(known))})"
                )

    def table(self, path: FieldPath, value: Any) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(path, "must be a table")
        return value

    def tables(self, path: FieldPath, value: Any) -> list[Mapping[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.error(path, f"must be an array of tables ([[{field_name(path)}]])")
        return value
