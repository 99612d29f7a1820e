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
    def load(cls, path: Path | str | None = None) -> LabDirectory:
        """`None` loads the users shipped with phonesim."""
        if path is None:
            source = "phonesim/lab/data/users.toml"
            text = resources.files("phonesim.lab").joinpath("data", "users.toml").read_text("utf-8")
        else:
            source = str(path)
            try:
                text = Path(path).read_text("utf-8")
            except OSError as exc:
                raise LabDataError(source, f"cannot read users file ({exc.strerror})") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise LabDataError(source, f"not valid TOML ({exc})") from None
        return cls(_users_from(data, source))

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


def _users_from(data: Mapping[str, Any], source: str) -> list[LabUser]:
    entries = data.get("user")
    if not isinstance(entries, list) or not entries:
        raise LabDataError(source, "no [[user]] entries")
    users: list[LabUser] = []
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
        for number in (user.extension, user.phone_number.lstrip("+")):
            if number in seen:
                raise LabDataError(
                    source, f"{where}: number {number} is already used by user {seen[number]}"
                )
            seen[number] = index
        users.append(user)
    return users


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
