"""The few SIP messages a sign-in needs: REGISTER, and the registrar's 401 TLS-DSK challenge.

Only what MS-SIPAE's first round trip uses; no dialogs, no transactions. The
phone stops at the challenge (the TLS-DSK handshake itself is a later step).
A Lync registrar offers every scheme it accepts, one `WWW-Authenticate` header
each (NTLM, Kerberos, then TLS-DSK): the phone reads them all and picks TLS-DSK.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from phonesim.errors import PhonesimError

MAX_MESSAGE = 64 * 1024
_STATUS_LINE = re.compile(r"^SIP/2\.0 (\d{3}) ?(.*)$")
_REQUEST_LINE = re.compile(r"^([A-Z]+) (\S+) SIP/2\.0$")
_AUTH_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]*")


class MalformedSip(PhonesimError):
    """A SIP message phonesim cannot read."""


@dataclass(frozen=True, slots=True)
class SipLimits:
    """The most of one registrar message the phone reads: the registrar decides every byte
    of it, so each bound is a profile value (`sip.max_*`) and going over one fails the
    message with the bound named."""

    max_message: int = MAX_MESSAGE
    """Headers and body together, in bytes."""
    max_headers: int = 64
    max_header_line: int = 8192
    """One header line, in bytes (folded lines count apiece)."""


DEFAULT_SIP_LIMITS = SipLimits()


def check_limits(message: bytes, limits: SipLimits) -> None:
    """Refuse a whole message (from `split_message`) over `limits`' header bounds."""
    head = message.partition(b"\r\n\r\n")[0]
    lines = head.split(b"\r\n")[1:]
    if len(lines) > limits.max_headers:
        raise MalformedSip(
            f"{len(lines)} header lines, over the limit of {limits.max_headers} (sip.max_headers)"
        )
    longest = max((len(line) for line in lines), default=0)
    if longest > limits.max_header_line:
        raise MalformedSip(
            f"a header line of {longest} bytes, over the limit of "
            f"{limits.max_header_line} (sip.max_header_line)"
        )


@dataclass(frozen=True, slots=True)
class SipHeaders:
    items: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.items:
            if key.lower() == wanted:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.items if key.lower() == wanted]


@dataclass(frozen=True, slots=True)
class SipResponse:
    status: int
    reason: str
    headers: SipHeaders = field(default_factory=SipHeaders)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class SipRequest:
    method: str
    uri: str
    headers: SipHeaders = field(default_factory=SipHeaders)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class AuthChallenge:
    scheme: str
    params: dict[str, str]


def build_register(
    *,
    registrar_host: str,
    sip_uri: str,
    local_host: str,
    local_port: int,
    call_id: str,
    tag: str,
    branch: str,
    user_agent: str,
    transport: str = "TLS",
    cseq: int = 1,
    expires: int = 3600,
) -> bytes:
    aor = sip_uri if sip_uri.startswith("sip:") else f"sip:{sip_uri}"
    domain = aor.partition("@")[2] or registrar_host
    lines = [
        f"REGISTER sip:{domain} SIP/2.0",
        f"Via: SIP/2.0/{transport} {local_host}:{local_port};branch={branch}",
        "Max-Forwards: 70",
        f"From: <{aor}>;tag={tag}",
        f"To: <{aor}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{local_host}:{local_port};transport={transport.lower()}>;"
        '+sip.instance="<urn:uuid:' + call_id[:8] + '>"',
        f"User-Agent: {user_agent}",
        "Supported: gruu-10, adhoclist, msrtc-event-categories, ms-forking",
        "ms-keep-alive: UAC;hop-hop=yes",
        f"Expires: {expires}",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def build_response(
    request: SipRequest, status: int, reason: str, extra: list[tuple[str, str]] | None = None
) -> bytes:
    """A response echoing the headers RFC 3261 §8.2.6.2 says must be copied."""
    lines = [f"SIP/2.0 {status} {reason}"]
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        lines += [f"{name}: {value}" for value in request.headers.get_all(name)]
    for name, value in extra or []:
        lines.append(f"{name}: {value}")
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def split_message(buffer: bytes, max_message: int = MAX_MESSAGE) -> tuple[bytes, bytes] | None:
    """One complete message from a stream buffer and the rest, or None if more bytes are needed."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        if len(buffer) > max_message:
            raise MalformedSip(f"no end of headers within {max_message} bytes (sip.max_message)")
        return None
    head = buffer[:head_end].decode("utf-8", "replace")
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in ("content-length", "l"):
            try:
                length = int(value.strip())
            except ValueError:
                raise MalformedSip(f"bad Content-Length {value.strip()!r}") from None
            if length < 0:
                # A negative length would cut the message inside its own headers.
                raise MalformedSip(f"bad Content-Length {value.strip()!r}")
    end = head_end + 4 + length
    if end > max_message:
        raise MalformedSip(
            f"a message of {end} bytes (Content-Length {length}), over the limit of "
            f"{max_message} (sip.max_message)"
        )
    if len(buffer) < end:
        return None
    return buffer[:end], buffer[end:]


def _parse_head(data: bytes) -> tuple[str, SipHeaders, bytes]:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise MalformedSip("no blank line after the headers")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedSip(f"headers are not UTF-8 at byte {error.start}") from None
    lines = text.split("\r\n")
    items: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and items:
            name, value = items[-1]
            items[-1] = (name, value + " " + line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise MalformedSip(f"header line without a name: {line[:60]!r}")
        items.append((name.strip(), value.strip()))
    return lines[0], SipHeaders(tuple(items)), body


def parse_response(data: bytes) -> SipResponse:
    first, headers, body = _parse_head(data)
    match = _STATUS_LINE.match(first)
    if match is None:
        raise MalformedSip(f"not a SIP response status line: {first[:60]!r}")
    return SipResponse(int(match.group(1)), match.group(2), headers, body)


def parse_request(data: bytes) -> SipRequest:
    first, headers, body = _parse_head(data)
    match = _REQUEST_LINE.match(first)
    if match is None:
        raise MalformedSip(f"not a SIP request line: {first[:60]!r}")
    return SipRequest(match.group(1), match.group(2), headers, body)


def parse_challenge(value: str) -> AuthChallenge:
    """`TLS-DSK realm="SIP Communications Service", sts-uri="https://..."` into its parts."""
    scheme, _, rest = value.strip().partition(" ")
    if not scheme:
        raise MalformedSip("empty WWW-Authenticate header")
    params: dict[str, str] = {}
    for match in _auth_params(rest):
        raw = match.group(2)
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = raw[1:-1].replace('\\"', '"')
        params[match.group(1).lower()] = raw
    return AuthChallenge(scheme, params)


def _auth_params(text: str) -> Iterator[re.Match[str]]:
    """Each `name=value` of a challenge, in time linear in its length.

    A search from every position would try each suffix of a long token again (a
    registrar's 60 KB header then costs seconds); a token that is not followed by
    `=` is skipped whole instead, which finds the same parameters.
    """
    position = 0
    while position < len(text):
        match = _AUTH_PARAM.match(text, position)
        if match is not None:
            yield match
            position = match.end()
            continue
        run = _TOKEN_RUN.match(text, position)
        position = max(run.end() if run else position, position + 1)


def parse_challenges(headers: SipHeaders) -> list[AuthChallenge]:
    """Every `WWW-Authenticate` header of a response, in the order the server sent them."""
    return [parse_challenge(value) for value in headers.get_all("WWW-Authenticate")]


def pick_challenge(challenges: list[AuthChallenge], scheme: str) -> AuthChallenge | None:
    """The challenge of `scheme` (case-insensitive), wherever the server listed it."""
    wanted = scheme.upper()
    return next((c for c in challenges if c.scheme.upper() == wanted), None)


_UNQUOTED_PARAMS = frozenset({"version"})
"""Written bare, as a Lync server writes them (`version=4`)."""


def format_challenge(scheme: str, params: dict[str, str]) -> str:
    return (
        scheme
        + " "
        + ", ".join(
            f"{name}={value}" if name in _UNQUOTED_PARAMS else f'{name}="{value}"'
            for name, value in params.items()
        )
    )
