"""Who a desktop client is, at the Web Ticket service's WinNegotiate port.

A desktop client (pidgin-sipe) has no PIN path: it asks the WinNegotiate port for its
web ticket with Windows credentials. The lab has no Kerberos or NTLM, so it offers
HTTP Basic only (`tls-dsk.md` §4.3 step 5): a `Negotiate` offer would send a GSSAPI
build of SIPE to look for a KDC. The user signs in with the user@domain of its SIP
URI (or `DOMAIN\\user`) and, as the lab's one secret per user, its PIN.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import NamedTuple

from phonesim.lab.directory import LabDirectory, LabUser

BASIC_REALM = "phonesim lab"
CHALLENGE = f'Basic realm="{BASIC_REALM}"'


class BasicCredentials(NamedTuple):
    login: str
    password: str


def read_basic(authorization: str) -> BasicCredentials | None:
    """The login and password of an `Authorization: Basic` header; None for any other."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    login, colon, password = text.partition(":")
    if not colon:
        return None
    return BasicCredentials(login, password)


def desktop_user(directory: LabDirectory, credentials: BasicCredentials) -> LabUser | None:
    """The SIP-enabled user these credentials sign in, or None."""
    login = credentials.login.lower()
    if "\\" in login:
        # DOMAIN\user: the user part of the SIP URI, in any domain the lab serves.
        login = login.split("\\", 1)[1]
    for user in directory.users:
        entity = user.entity.lower()
        if login not in (entity, entity.split("@", 1)[0]) or not user.enabled:
            continue
        if hmac.compare_digest(user.pin.encode(), credentials.password.encode()):
            return user
        return None
    return None


__all__ = ["BASIC_REALM", "CHALLENGE", "BasicCredentials", "desktop_user", "read_basic"]
