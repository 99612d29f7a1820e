"""The users CSV that both `phonesim fleet --users` and `phonesim lab --users` read.

One file describes the users of a load test on both sides: the phones sign in
with its numbers and PINs, and a lab started with the same file knows them.
A header row names the columns: at least `ext,pin`, optionally `mac` and
`profile` (used by the fleet; the lab ignores them). Every problem names the
file and the line.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass, field

from phonesim.errors import LabDataError

COLUMNS = ("ext", "pin", "mac", "profile")


@dataclass(frozen=True, slots=True)
class CsvUser:
    line: int
    ext: str
    """Digits, with a leading + when it is a full E.164 number."""
    pin: str = field(repr=False)
    mac: str = ""
    profile: str = ""


def read_users_csv(
    text: str, source: str, *, profiles: Collection[str] | None = None
) -> list[CsvUser]:
    """The rows of a users CSV; `profiles`, when given, are the profile names allowed."""
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "ext" not in fields or "pin" not in fields:
        raise LabDataError(source, "line 1 must name the columns, at least ext,pin")
    users = []
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        ext, pin = row.get("ext", ""), row.get("pin", "")
        if not ext.lstrip("+").isdigit():
            raise LabDataError(source, f"line {number}: ext must be digits")
        if not pin.isdigit() or not 4 <= len(pin) <= 24:
            raise LabDataError(source, f"line {number}: pin must be 4 to 24 digits")
        profile = row.get("profile") or ""
        if profile and profiles is not None and profile not in profiles:
            raise LabDataError(source, f"line {number}: unknown profile {profile!r}")
        users.append(CsvUser(number, ext, pin, row.get("mac") or "", profile))
    if not users:
        raise LabDataError(source, "no users")
    return users
