"""The lab's SIP registrar over TLS: answers REGISTER with 401 and a TLS-DSK challenge.

As a Lync Front End does, the 401 offers every scheme the pool accepts, one
`WWW-Authenticate` header each, NTLM then Kerberos then TLS-DSK: a phone that
reads only the first header sees NTLM and never finds its own scheme. The
TLS-DSK challenge's `sts-uri` names the CertProvisioningService, which is how
MS-SIPAE tells a client where to get the certificate it must present.

A REGISTER that answers the challenge (`Authorization: TLS-DSK`) goes to the
pool's TLS-DSK end (`TlsDskRegistrar`), on the same connection, at the lab's
time: the handshake rounds, the signed REGISTER and the signed `200 OK`.

A scenario may give the lab more than one registrar role at the one address: a
Director and its home pool, each its own name in the lab DNS and its own
TLS-DSK end (its own server certificate and associations). The lab tells them
apart by the name the phone connected to: the TLS server name (SNI) on a
socket, the target host in memory. Any other name reaches the pool.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, format_header
from phonesim.codec.sip_message import (
    MalformedSip,
    build_response,
    format_challenge,
    parse_request,
    split_message,
)
from phonesim.lab.registrar_security import TlsDskRegistrar

REALM = "SIP Communications Service"
KEEP_ALIVE = b"\r\n\r\n"
SERVER_HEADER = ("Server", "RTC/4.0")
SERVER_OVERLOADED = MsDiagnostics(17000, "Server overloaded.")
"""`tls-dsk.md` §3.6's table ([OCER]); which id a Lync pool sends with its 503 is not
published (SIPE shows "Service unavailable: <reason>")."""


@dataclass(frozen=True, slots=True)
class Busy:
    """A registrar that turns every REGISTER away with a 503 and asks for a wait."""

    retry_after: int


class LabRegistrar:
    def __init__(
        self,
        *,
        pool_fqdn: str,
        sts_uri: str,
        ssl_context: ssl.SSLContext,
        tls_dsk: Callable[[], TlsDskRegistrar] | None = None,
        clock: Callable[[], datetime] | None = None,
        delay: float = 0.0,
        roles: Mapping[str, Callable[[], TlsDskRegistrar]] | None = None,
        busy: Busy | None = None,
    ) -> None:
        self._make_tls_dsk = tls_dsk
        self._tls_dsk: TlsDskRegistrar | None = None
        self._make_role = dict(roles or {})
        """Registrars of their own at this address (a Director, its home pool), by FQDN."""
        self._roles: dict[str, TlsDskRegistrar] = {}
        self.busy = busy
        self._server_names: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.pool_fqdn = pool_fqdn
        self.sts_uri = sts_uri
        self.delay = delay
        """Seconds before each answer: a registrar under load."""
        self._ssl = ssl_context
        self._server: asyncio.Server | None = None
        self.port = 0
        self.counts: Counter[str] = Counter()
        self.last_keep_alive: datetime | None = None

    @property
    def tls_dsk(self) -> TlsDskRegistrar | None:
        """The pool's TLS-DSK end (made when first needed); without one, every REGISTER
        is challenged."""
        if self._tls_dsk is None and self._make_tls_dsk is not None:
            self._tls_dsk = self._make_tls_dsk()
        return self._tls_dsk

    def role(self, host: str | None) -> str:
        """The registrar a phone that connected to `host` reaches: a role of its own, or
        the pool."""
        name = (host or "").lower()
        return name if name in self._make_role else self.pool_fqdn

    def tls_dsk_of(self, host: str | None) -> TlsDskRegistrar | None:
        """The TLS-DSK end of the registrar at `host` (made when first needed)."""
        role = self.role(host)
        if role not in self._make_role:
            return self.tls_dsk
        if role not in self._roles:
            self._roles[role] = self._make_role[role]()
        return self._roles[role]

    def challenges(self, host: str | None = None) -> list[tuple[str, str]]:
        """The 401's `WWW-Authenticate` headers, in a Front End's order."""
        target = self.role(host)
        common = {"realm": REALM, "targetname": target, "version": "4"}
        kerberos = {**common, "targetname": f"sip/{target}"}
        tls_dsk = {**common, "sts-uri": self.sts_uri}
        return [
            ("WWW-Authenticate", format_challenge("NTLM", common)),
            ("WWW-Authenticate", format_challenge("Kerberos", kerberos)),
            ("WWW-Authenticate", format_challenge("TLS-DSK", tls_dsk)),
        ]

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS the registrar presents: its certificate names every name a phone may use."""
        return self._ssl

    def reply(self, message: bytes, host: str | None = None) -> bytes:
        """The answer to one SIP request (MalformedSip if it is not one) from a phone that
        connected to `host`: a REGISTER is challenged, anything else refused."""
        request = parse_request(message)
        if self.busy is not None and request.method == "REGISTER":
            self.counts["busy"] += 1
            diagnostics = MsDiagnostics(
                SERVER_OVERLOADED.error_id, SERVER_OVERLOADED.reason, self.role(host)
            )
            return build_response(
                request,
                503,
                "Service Unavailable",
                [
                    ("Retry-After", str(self.busy.retry_after)),
                    ("ms-diagnostics", format_header(diagnostics)),
                    SERVER_HEADER,
                ],
            )
        authorization = request.headers.get("Authorization") or ""
        tls_dsk = self.tls_dsk_of(host)
        if tls_dsk is not None and authorization.upper().startswith("TLS-DSK"):
            self.counts["tls_dsk"] += 1
            return tls_dsk.reply(message, self._clock())
        if request.method == "REGISTER":
            self.counts["challenged"] += 1
            return build_response(
                request, 401, "Unauthorized", [*self.challenges(host), SERVER_HEADER]
            )
        self.counts["other"] += 1
        return build_response(request, 405, "Method Not Allowed", [("Allow", "REGISTER")])

    def keep_alive(self) -> None:
        """A CRLF keep-alive from a registered phone: counted, never answered (a phone waiting
        for a SIP answer on the connection reads no stray CRLF)."""
        self.counts["keep_alives"] += 1
        self.last_keep_alive = self._clock()

    def _server_name(self, ssl_object: object, server_name: str | None, _: object) -> None:
        """SNI: which registrar the phone meant, for a lab whose roles share an address."""
        if server_name:
            self._server_names[ssl_object] = server_name

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffer = b""
        host = self._server_names.get(writer.get_extra_info("ssl_object"))
        try:
            while True:
                while buffer.startswith(KEEP_ALIVE):
                    buffer = buffer[len(KEEP_ALIVE) :]
                    self.keep_alive()
                # A keep-alive cut short waits for its rest; anything else is a message.
                partial = buffer in (b"\r", b"\r\n", b"\r\n\r")
                found = None if partial else split_message(buffer)
                if found is None:
                    chunk = await reader.read(4096)
                    if not chunk:
                        return
                    buffer += chunk
                    continue
                message, buffer = found
                reply = self.reply(message, host)
                if self.delay > 0:
                    await asyncio.sleep(self.delay)
                writer.write(reply)
                await writer.drain()
        except (MalformedSip, ConnectionError, ssl.SSLError):
            self.counts["broken"] += 1
        except asyncio.CancelledError:
            # The lab closes while a slow registrar still waits to answer: the connection
            # ends here, not as a traceback from asyncio's stream callback.
            pass
        finally:
            writer.close()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._make_role:
            self._ssl.sni_callback = self._server_name
        self._server = await asyncio.start_server(self._serve, host, port, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
