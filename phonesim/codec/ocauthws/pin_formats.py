"""The named variants of the PIN request's wire format, as data (no XML here).

Kept apart from `pin_credentials` (which builds and reads the XML with lxml) so the
profile can name and check a variant without loading an XML library. The variants
and the public sources they rest on are described in `pin_credentials`.
"""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)


@dataclass(frozen=True, slots=True)
class PinFormat:
    """One way of carrying the number and the PIN in the request's security header."""

    name: str
    username_prefix: str
    """Put before the number as typed, in wsse:Username ("" or "tel:")."""
    password_type: str
    """The Type attribute of wsse:Password, whose text is the PIN."""


USERNAME_TOKEN = PinFormat("username-token", "", PASSWORD_TEXT)
TEL_URI_USERNAME_TOKEN = PinFormat("tel-uri-username-token", "tel:", PASSWORD_TEXT)
PIN_FORMATS: dict[str, PinFormat] = {f.name: f for f in (USERNAME_TOKEN, TEL_URI_USERNAME_TOKEN)}
DEFAULT_PIN_FORMAT = USERNAME_TOKEN.name


__all__ = [
    "DEFAULT_PIN_FORMAT",
    "PASSWORD_TEXT",
    "PIN_FORMATS",
    "TEL_URI_USERNAME_TOKEN",
    "USERNAME_TOKEN",
    "PinFormat",
]
