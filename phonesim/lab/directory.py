"""The lab's users: who may sign in with which number and PIN, and as whom.

Stands in for Active Directory plus the pool's PIN store. The refusals carry
Ms-Diagnostics ids a phone can show and a report can explain. 28000 "User is not SIP
enabled" is documented ([MS-OCAUTHWS] 3.2.4.1); the other ids are phonesim's choice,
in the same 280xx range, because the real ones for PIN failures are not public.
"""

from __future__ import annotations

import hmac
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from phonesim.codec.ocauthws.diagnostics import (
    INCORRECT_PIN,
    NOT_SIP_ENABLED,
    PIN_LOCKED,
    USER_NOT_FOUND,
)
from phonesim.errors import LabDataError
from phonesim.lab.pin_policy import PinAccount, PinPolicy

DEFAULT_DOMAIN = "phonesim.test"

_PIN = re.compile(r"\d{4,24}")
_E164 = re.compile(r"\+[1-9]\d{1,14}")
_EXTENSION = re.compile(r"\d{1,15}")
_SIP_URI = re.compile(r"sip:[^@\s]+@[^@\s]+", re.IGNORECASE)


class PinRejected(Exception):
    """The Web Ticket service refuses this number/PIN; it answers with these Ms-Diagnostics."""

    def __init__(self, error_id: int, reason: str) -> None:
        self.error_id = error_id
        self.reason = reason
        super().__init__(f"{error_id} {reason}")


@dataclass(frozen=True)
class LabUser:
    extension: str
    phone_number: str
    pin: str = field(repr=False)
    sip_uri: str
    display_name: str
    enabled: bool
    """SIP enabled (Enable-CsUser); a disabled user cannot get a web ticket."""

    @property
    def entity(self) -> str:
        """user@domain, what GetAndPublishCert names as Entity for this user."""
        return self.sip_uri.split(":", 1)[1]

    @classmethod
    def for_number(
        cls, number: str, pin: str, *, domain: str = DEFAULT_DOMAIN, enabled: bool = True
    ) -> LabUser:
        """A user made from a number alone (a users CSV, a fleet's generated phones): the
        extension is its digits, the phone number the E.164 form (+1 425 and the last
        seven digits, unless the number is E.164 already), the SIP URI user<ext>@domain."""
        extension = number.lstrip("+")
        phone_number = number if number.startswith("+") else f"+1425{int(number) % 10_000_000:07d}"
        return cls(
            extension=extension,
            phone_number=phone_number,
            pin=pin,
            sip_uri=f"sip:user{extension}@{domain}",
            display_name=extension,
            enabled=enabled,
        )


class LabDirectory:
    def __init__(
        self,
        users: Iterable[LabUser],
        *,
        policy: PinPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users: tuple[LabUser, ...] = tuple(users)
        self.policy = policy or PinPolicy()
        self._clock = clock
        self._accounts: dict[str, PinAccount] = {}
        self._by_number: dict[str, LabUser] = {}
        for user in self.users:
            self._by_number[user.extension] = user
            self._by_number[user.phone_number.lstrip("+")] = user

    def adjusted(
        self, extension: str, *, pin: str | None = None, sip_enabled: bool | None = None
    ) -> LabDirectory:
        """A copy with one user's PIN or SIP enablement changed (a scenario's doing)."""
        if self.find(extension) is None:
            raise LabDataError("users", f"no lab user has extension {extension}")
        users = []
        for user in self.users:
            if user.extension == extension:
                user = replace(
                    user,
                    pin=user.pin if pin is None else pin,
                    enabled=user.enabled if sip_enabled is None else sip_enabled,
                )
            users.append(user)
        return LabDirectory(users, policy=self.policy, clock=self._clock)

    def record_failures(self, extension: str, count: int) -> None:
        """Count PIN failures that happened before the lab started (a user already locked out)."""
        user = self.find(extension)
        if user is None:
            raise LabDataError("users", f"no lab user has extension {extension}")
        account = self._accounts.setdefault(user.extension, PinAccount())
        now = self._clock()
        for _ in range(count):
            account.failed(now, self.policy, len(user.pin))

    @classmethod
    def load(
        cls, path: Path | str | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> LabDirectory:
        """`None` loads the users shipped with phonesim. A file is TOML (`[[user]]`
        tables) or the users CSV `phonesim fleet --users` reads, told apart by its
        extension (.toml, .csv) or else by its content. `clock` times PIN failures."""
        if path is None:
            source = "phonesim/lab/data/users.toml"
            text = resources.files("phonesim.lab").joinpath("data", "users.toml").read_text("utf-8")
        else:
            source = str(path)
            try:
                text = Path(path).read_text("utf-8")
            except OSError as exc:
                raise LabDataError(source, f"cannot read users file ({exc.strerror})") from None
            except UnicodeDecodeError:
                raise LabDataError(source, "not a text file (TOML or CSV)") from None
        if path is not None and _is_csv(Path(path), text):
            users, failures = _users_from_csv(text, source)
        else:
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise LabDataError(source, f"not valid TOML ({exc})") from None
            users, failures = _users_from(data, source)
        directory = cls(users, clock=clock)
        for extension, count in failures.items():
            directory.record_failures(extension, count)
        return directory

    def authenticate(self, username: str, pin: str) -> LabUser:
        user = self.find(username)
        if user is None:
            raise PinRejected(USER_NOT_FOUND, "User does not exist")
        if not user.enabled:
            raise PinRejected(NOT_SIP_ENABLED, "User is not SIP enabled")
        now = self._clock()
        account = self._accounts.setdefault(user.extension, PinAccount())
        locked = account.lock_reason(now)
        if locked is not None:
            raise PinRejected(PIN_LOCKED, locked)
        if not hmac.compare_digest(user.pin.encode(), pin.strip().encode()):
            account.failed(now, self.policy, len(user.pin))
            raise PinRejected(INCORRECT_PIN, "Incorrect PIN")
        account.succeeded()
        return user

    def find(self, username: str) -> LabUser | None:
        """By extension or phone number, typed with or without + or a tel: prefix."""
        number = username.strip()
        if number[:4].lower() == "tel:":
            number = number[4:]
        return self._by_number.get(number.lstrip("+"))

    def by_sip_uri(self, sip_uri: str) -> LabUser | None:
        wanted = sip_uri.lower()
        return next((user for user in self.users if user.sip_uri.lower() == wanted), None)

    def __repr__(self) -> str:
        return f"LabDirectory(users={len(self.users)})"


def _is_csv(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".toml"):
        return suffix == ".csv"
    first = next(
        (line for line in text.splitlines() if line.strip() and not line.startswith("#")), ""
    )
    return "," in first and "=" not in first and "[" not in first


def _users_from_csv(text: str, source: str) -> tuple[list[LabUser], dict[str, int]]:
    from phonesim.users_csv import read_users_csv

    users = []
    seen: dict[str, int] = {}
    for row in read_users_csv(text, source):
        if not _EXTENSION.fullmatch(row.ext.lstrip("+")):
            raise LabDataError(source, f"line {row.line}: ext must be 1 to 15 digits")
        user = LabUser.for_number(row.ext, row.pin)
        _check_unique(user, f"line {row.line}", seen, source, lambda line: f"line {line}")
        seen.update({n: row.line for n in _numbers(user)})
        users.append(user)
    return users, {}


def _users_from(data: Mapping[str, Any], source: str) -> tuple[list[LabUser], dict[str, int]]:
    entries = data.get("user")
    if not isinstance(entries, list) or not entries:
        raise LabDataError(source, "no [[user]] entries")
    users: list[LabUser] = []
    failures: dict[str, int] = {}
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        where = f"user {index}"
        if not isinstance(entry, dict):
            raise LabDataError(source, f"{where}: not a table")
        extension = _text(entry, "extension", _EXTENSION, "digits", source, where)
        where = f"user {index} (extension {extension})"
        user = LabUser(
            extension=extension,
            phone_number=_text(
                entry, "phone_number", _E164, "E.164, e.g. +14255551234", source, where
            ),
            pin=_text(entry, "pin", _PIN, "4 to 24 digits", source, where),
            sip_uri=_text(entry, "sip_uri", _SIP_URI, "sip:user@domain", source, where),
            display_name=_optional_text(entry, "display_name", source, where) or extension,
            enabled=_flag(entry, "sip_enabled", source, where),
        )
        _check_unique(user, where, seen, source, lambda other: f"user {other}")
        seen.update({n: index for n in _numbers(user)})
        attempts = entry.get("failed_attempts", 0)
        if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
            raise LabDataError(
                source, f"{where}: field 'failed_attempts' must be a whole number >= 0"
            )
        if attempts:
            failures[extension] = attempts
        users.append(user)
    return users, failures


def _numbers(user: LabUser) -> tuple[str, str]:
    return user.extension, user.phone_number.lstrip("+")


def _check_unique(
    user: LabUser,
    where: str,
    seen: Mapping[str, int],
    source: str,
    name: Callable[[int], str],
) -> None:
    for number in _numbers(user):
        if number in seen:
            raise LabDataError(
                source, f"{where}: number {number} is already used by {name(seen[number])}"
            )


def _text(
    entry: Mapping[str, Any],
    name: str,
    pattern: re.Pattern[str],
    shape: str,
    source: str,
    where: str,
) -> str:
    value = entry.get(name)
    if value is None:
        raise LabDataError(source, f"{where}: field '{name}' is missing")
    if not isinstance(value, str):
        raise LabDataError(source, f"{where}: field '{name}' must be a quoted string ({shape})")
    if not pattern.fullmatch(value):
        # The value itself is not repeated: for 'pin' it is a secret.
        raise LabDataError(source, f"{where}: field '{name}' must be {shape}")
    return value


def _optional_text(entry: Mapping[str, Any], name: str, source: str, where: str) -> str | None:
    value = entry.get(name)
    if value is not None and not isinstance(value, str):
        raise LabDataError(source, f"{where}: field '{name}' must be a string")
    return value


def _flag(entry: Mapping[str, Any], name: str, source: str, where: str) -> bool:
    value = entry.get(name, True)
    if not isinstance(value, bool):
        raise LabDataError(source, f"{where}: field '{name}' must be true or false")
    return value
