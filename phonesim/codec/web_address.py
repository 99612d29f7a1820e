"""Whether a host name or URL a server handed the phone is one the phone can use.

Option 43, DNS and the web services' metadata are read from servers that may be broken or
hostile. Their text is checked here before anything builds on it, because a value that
only fails later (in urllib or httpx, at the first request) fails far from its cause, and
once it is in the discovery cache it fails every boot after. Each check returns what is
wrong in words, or None.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

SCHEMES = ("https", "http")
"""What the phone speaks to its web services; the PIN and the ticket only over the first."""
TLS_SCHEME = "https"
MAX_NAME = 253
_LABEL = re.compile(r"[A-Za-z0-9_-]{1,63}")
"""A DNS label as hosts are named in practice: lenient (underscores appear in AD-era names,
and a stray hyphen only fails to resolve), strict on what breaks a URL."""


def host_problem(host: str) -> str | None:
    """What makes `host` no DNS name or IP address literal (None when it is one)."""
    if not host:
        return "an empty host name"
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        pass
    else:
        return None
    if literal is not host:
        return f"host {host!r}: not an IPv6 address between brackets"
    name = host.removesuffix(".")
    if len(name) > MAX_NAME:
        return f"host name of {len(name)} characters (at most {MAX_NAME})"
    bad = next((label for label in name.split(".") if not _LABEL.fullmatch(label)), None)
    if bad is not None:
        return f"host {host!r}: {bad!r} is not a DNS label"
    return None


def unprintable(text: str) -> int | None:
    """The position of the first character that has no place in a URL as sent (a control
    character, a space, or anything beyond ASCII), or None."""
    return next((i for i, ch in enumerate(text) if not "\x21" <= ch <= "\x7e"), None)


def url_problem(url: str) -> str | None:
    """What makes `url` no http(s) URL the phone could request (None when it is one)."""
    position = unprintable(url)
    if position is not None:
        return f"URL {url[:80]!r}: character {url[position]!r} at position {position}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"URL {url[:80]!r}: {error}"
    if parts.scheme.lower() not in SCHEMES:
        return f"URL {url[:80]!r}: scheme {parts.scheme!r} is neither https nor http"
    host = parts.hostname or ""
    problem = host_problem(f"[{host}]" if ":" in host else host)
    if problem is not None:
        return f"URL {url[:80]!r}: {problem}"
    del port  # read for its check: urllib refuses a port out of range only when asked
    return None


def is_tls_url(url: str) -> bool:
    """Whether a request to `url` goes over TLS (and so may carry a PIN or a web ticket)."""
    return url_problem(url) is None and urlsplit(url).scheme.lower() == TLS_SCHEME


__all__ = ["host_problem", "is_tls_url", "unprintable", "url_problem"]
