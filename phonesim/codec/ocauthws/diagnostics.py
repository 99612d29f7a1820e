"""Ms-Diagnostics: the error id and reason Lync servers attach to a refusal.

They travel in an `X-Ms-diagnostics` HTTP header and/or in the
`af:Ms-Diagnostics-Fault` detail of a SOAP fault ([MS-OCAUTHWS] 2.2.4.1, 3.2.4.1).
The header is what admins paste into tickets, so the lab writes it the way real
servers do: `28000;source="pool.contoso.com";reason="User is not SIP enabled"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER = "X-Ms-diagnostics"
_ERROR_ID_DIGITS = 10

_PAIR = re.compile(r'\s*;\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


@dataclass(frozen=True, slots=True)
class MsDiagnostics:
    error_id: int
    reason: str
    source: str | None = None
    """FQDN of the server that refused, when it said."""


def format_header(diagnostics: MsDiagnostics) -> str:
    parts = [str(diagnostics.error_id)]
    if diagnostics.source:
        parts.append(f'source="{_quote(diagnostics.source)}"')
    parts.append(f'reason="{_quote(diagnostics.reason)}"')
    return ";".join(parts)


def parse_header(value: str) -> MsDiagnostics | None:
    """None when the header does not start with a numeric error id: such a header is
    noise the phone ignores, not a reason to fail the parse of a whole answer."""
    head, sep, rest = value.strip().partition(";")
    error_id = read_error_id(head)
    if error_id is None:
        return None
    fields: dict[str, str] = {}
    for match in _PAIR.finditer(sep + rest):
        quoted, bare = match.group(2), match.group(3)
        text = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare.strip()
        fields.setdefault(match.group(1).lower(), text)
    return MsDiagnostics(
        error_id=error_id, reason=fields.get("reason", ""), source=fields.get("source")
    )


def read_error_id(text: str | None) -> int | None:
    """The error id in `text`, or None when it is not one.

    `str.isdigit()` alone would let through `²` and runs of thousands of digits,
    both of which `int()` refuses. Ids are 32-bit: Ms-Diagnostics ids have five
    digits, a GetAndPublishCert ErrorId may be a negative HRESULT (-2147467259)."""
    text = (text or "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not (0 < len(digits) <= _ERROR_ID_DIGITS and digits.isascii() and digits.isdigit()):
        return None
    return int(text)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


NOT_SIP_ENABLED = 28000
INCORRECT_PIN = 28020
USER_NOT_FOUND = 28021
PIN_LOCKED = 28022

WEB_TICKET_REFUSALS = {
    NOT_SIP_ENABLED: "not_sip_enabled",
    INCORRECT_PIN: "pin_rejected",
    USER_NOT_FOUND: "user_unknown",
    PIN_LOCKED: "pin_locked",
}
"""Why the Web Ticket service refused a number and PIN, by Ms-Diagnostics id.

28000 is documented ([MS-OCAUTHWS] 3.2.4.1); the real ids of PIN refusals are
not public, so 28020-28022 are phonesim's (the lab sends them). Any other id in
a refusal reads as a rejected PIN, the cause a phone's user is told."""
