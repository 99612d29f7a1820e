"""Registrar names and web service URL parts as admins type them, refused when broken.

Admins copy values from Topology Builder and browsers: `https://pool01...`,
`pool01.contoso.com:5061`, a path without its slash. Each server would carry
such a value as it is (option 120 with a label `com:5061`, a URL
`https://web:443no-slash`), and the phone would fail far from the cause. So
every value is checked here, before any format is rendered, and a bad one is
refused in one line that names the option and the value.

Names follow the LDH rule of RFC 1123 §2.1 (letters, digits, hyphen; no hyphen
at either end of a label; labels up to 63 characters, names up to 253).
"""

from __future__ import annotations

import re

from phonesim.codec.address_text import host_name_problem, is_ipv4
from phonesim.errors import UsageError

URL_SCHEMES = ("https", "http")

_SCHEME_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.DOTALL)


def host_name(option: str, text: str, *, address_allowed: bool) -> str:
    """`text` as a host name (or an IPv4 address where allowed), trailing dot removed."""
    name = text.strip()
    scheme = _SCHEME_PREFIX.match(name)
    if scheme:
        rest = scheme.group(2).split("/", 1)[0].rsplit(":", 1)[0]
        raise UsageError(f"{option} {text!r} is a URL, not a name: give {rest or 'the name'}")
    if name.count(":") == 1:
        host, port = name.split(":")
        give = f"{host} and --web-port {port}" if option == "--web-server" else host
        holds = "" if option == "--web-server" else ": option 120 holds names only"
        raise UsageError(f"{option} {text!r} carries a port{holds}; give {give or 'the name'}")
    name = name.removesuffix(".")
    if not name:
        raise UsageError(f"{option} {text!r} is empty")
    if address_allowed and is_ipv4(name):
        return name
    if not name.isascii():
        raise UsageError(f"{option} {text!r} is not ASCII{_a_label_hint(name)}")
    labels = name.split(".")
    if all(label.isdigit() for label in labels):
        raise UsageError(f"{option} {text!r} is neither an IPv4 address nor a name")
    problem = host_name_problem(name)
    if problem is not None:
        raise UsageError(f"{option} {text!r}{problem}")
    return name


def web_port(text: str) -> str:
    """The port as the text sub-option 4 carries: digits, 1-65535, no leading zero."""
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text:
        raise UsageError(f"--web-port {text!r} is not a port number (1-65535)")
    if not 1 <= int(text) <= 65535:
        raise UsageError(f"--web-port {text!r} is outside 1-65535")
    return text


def url_scheme(text: str) -> str:
    if text not in URL_SCHEMES:
        raise UsageError(f"--url-scheme {text!r} is neither https nor http")
    return text


def cert_prov_path(text: str, *, port: str) -> str:
    """The path joined straight after the port: without its slash the URL runs together."""
    if not text.startswith("/"):
        raise UsageError(
            f"--cert-prov-path {text!r} does not start with '/' (the URL would end "
            f"':{port}{text}'); give /{text}"
        )
    if not text.isascii() or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise UsageError(
            f"--cert-prov-path {text!r} holds a space, a control or a non-ASCII character, "
            "which a URL path cannot carry as it is"
        )
    return text


def _a_label_hint(name: str) -> str:
    """The IDNA form a server needs, when Python's codec can give it."""
    try:
        a_label = name.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return f": give its ASCII form {a_label}"
