"""Reading a device profile's fields out of its parsed TOML, each checked for its kind
(a non-empty string, a number of seconds, a list of DHCP option codes...) and refused by
name (`[dhcp] retransmit_after`), never with a traceback.

Apart from the profile's tables (`phonesim.core.profile`) because the checks are the same
whatever the table, and a profile is text users write: what the tables mean stays there,
how a value is refused stays here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from phonesim.errors import ProfileError

MAX_WAIT = 600.0
"""The longest wait a profile may set: a boot is given up after 600 s, so a longer wait
(or an infinite one, which TOML can write) would only ever be cut short."""


class FieldReader:
    """Reads dotted fields out of a TOML mapping, raising ProfileError that names the field."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self._data = data
        self._source = source

    def _fail(self, field: str, reason: str) -> ProfileError:
        return ProfileError(self._source, field, reason)

    def _raw(self, field: str, *, required: bool = True) -> Any:
        section, _, key = field.partition(".")
        table = self._data.get(section)
        if table is None:
            if not required:
                return None
            raise self._fail(field, f"missing (the [{section}] table is absent)")
        if not isinstance(table, Mapping):
            raise self._fail(section, "must be a table")
        if key not in table:
            if not required:
                return None
            raise self._fail(field, "missing")
        return table[key]

    def present(self, field: str) -> bool:
        """Whether an optional field is given (a table given must still be a table)."""
        return self._raw(field, required=False) is not None

    def text(self, field: str) -> str:
        value = self._raw(field)
        if not isinstance(value, str) or not value.strip():
            raise self._fail(field, f"must be a non-empty string, got {value!r}")
        return value

    def raw_text(self, field: str) -> str:
        """A string that may be empty (an empty one says "none")."""
        value = self._raw(field)
        if not isinstance(value, str):
            raise self._fail(field, f"must be a string, got {value!r}")
        return value

    def texts(self, field: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        value = self._raw(field)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self._fail(field, f"must be a list of non-empty strings, got {value!r}")
        if not value and not allow_empty:
            raise self._fail(field, "must not be empty")
        return tuple(value)

    def path(self, field: str) -> str:
        value = self.text(field)
        if not value.startswith("/"):
            raise self._fail(field, f"must start with '/', got {value!r}")
        return value

    def url_template(self, field: str, names: tuple[str, ...]) -> str:
        value = self.text(field)
        try:
            filled = value.format(**{name: "x" for name in names})
        except (KeyError, IndexError, ValueError) as error:
            raise self._fail(
                field, f"may use only {{{'}, {'.join(names)}}}; {value!r} does not ({error})"
            ) from None
        if not filled.startswith(("http://", "https://")):
            raise self._fail(field, f"must make an http:// or https:// URL, got {value!r}")
        return value

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        value = self.text(field)
        if value not in allowed:
            raise self._fail(field, f"must be one of {', '.join(allowed)}; got {value!r}")
        return value

    def choices(self, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        values = self.texts(field)
        for value in values:
            if value not in allowed:
                raise self._fail(field, f"{value!r} is not one of {', '.join(allowed)}")
        return values

    def boolean(self, field: str) -> bool:
        value = self._raw(field)
        if not isinstance(value, bool):
            raise self._fail(field, f"must be true or false, got {value!r}")
        return value

    def integer(self, field: str, low: int, high: int) -> int:
        value = self._raw(field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self._fail(field, f"must be an integer from {low} to {high}, got {value!r}")
        return value

    def optional_int(self, field: str, low: int, high: int) -> int | None:
        if self._raw(field, required=False) is None:
            return None
        return self.integer(field, low, high)

    def seconds(self, field: str, *, allow_zero: bool = False, at_most: float = MAX_WAIT) -> float:
        value = self._raw(field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(field, f"must be a number of seconds, got {value!r}")
        # TOML has inf and nan; neither is a wait that ends (nan compares false to all).
        if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            lowest = ">= 0" if allow_zero else "> 0"
            raise self._fail(field, f"must be {lowest} and at most {at_most:g}, got {value!r}")
        if value > at_most:
            raise self._fail(field, f"must be at most {at_most:g} seconds, got {value!r}")
        return float(value)

    def seconds_list(self, field: str) -> tuple[float, ...]:
        value = self._raw(field)
        if (
            not isinstance(value, list)
            or not value
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= MAX_WAIT
                for v in value
            )
        ):
            raise self._fail(
                field, f"must be a non-empty list of seconds, each > 0 and <= {MAX_WAIT:g}"
            )
        return tuple(float(v) for v in value)

    def option_codes(self, field: str) -> tuple[int, ...]:
        value = self._raw(field)
        if not isinstance(value, list) or not value:
            raise self._fail(field, "must be a non-empty list of DHCP option codes")
        for code in value:
            if isinstance(code, bool) or not isinstance(code, int) or not 1 <= code <= 254:
                raise self._fail(field, f"{code!r} is not a DHCP option code (1-254)")
        return tuple(value)

    def firmware(self, field: str) -> str:
        value = self.text(field)
        if not all(part.isdigit() for part in value.split(".")):
            raise self._fail(
                field, f"must be a dotted firmware version such as 4.0.7577.4363, got {value!r}"
            )
        return value

    def option_subset(self, field: str, allowed: tuple[int, ...]) -> tuple[int, ...]:
        codes = self.option_codes(field)
        for code in codes:
            if code not in allowed:
                raise self._fail(field, f"{code} is not one of {', '.join(map(str, allowed))}")
        return codes

    def instant_or(self, field: str, word: str) -> str:
        """An instant (a TOML date-time, or its ISO 8601 text with a UTC offset), or `word`;
        kept as ISO text."""
        value = self._raw(field)
        if isinstance(value, datetime):
            instant = value
        elif value == word:
            return word
        elif isinstance(value, str):
            try:
                instant = datetime.fromisoformat(value)
            except ValueError:
                instant = None
        else:
            instant = None
        if instant is None or instant.tzinfo is None:
            raise self._fail(
                field, f"must be {word!r} or an instant with its UTC offset, got {value!r}"
            )
        return instant.isoformat()

    def mac_oui(self, field: str) -> str:
        value = self.text(field).lower().replace("-", ":")
        parts = value.split(":")
        if len(parts) != 3 or not all(len(p) == 2 and _is_hex(p) for p in parts):
            raise self._fail(field, f"must look like '00:04:f2', got {value!r}")
        return value

    def reject_unknown(self, known: dict[str, set[str]]) -> None:
        for section, table in self._data.items():
            if section not in known:
                raise self._fail(section, f"unknown table [{section}]")
            for key in table:
                if key not in known[section]:
                    raise self._fail(f"{section}.{key}", "unknown field (misspelt?)")


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


__all__ = ["FieldReader"]
