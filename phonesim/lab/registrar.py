"""The lab's SIP registrar over TLS: answers REGISTER with 401 and a TLS-DSK challenge.

As a Lync Front End does, the 401 offers every scheme the pool accepts, one
`WWW-Authenticate` header each, NTLM then Kerberos then TLS-DSK: a phone that
reads only the first header sees NTLM and never finds its own scheme. The
TLS-DSK challenge's `sts-uri` names the CertProvisioningService, which is how
MS-SIPAE tells a client where to get the certificate it must present.

A REGISTER that answers the challenge (`Authorization: TLS-DSK`) goes to the
pool's TLS-DSK end (`TlsDskRegistrar`), on the same connection, at the lab's
time: the handshake rounds, the signed REGISTER and the signed `200 OK`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

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
    ) -> None:
        self._make_tls_dsk = tls_dsk
        self._tls_dsk: TlsDskRegistrar | None = None
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

    def challenges(self) -> list[tuple[str, str]]:
        """The 401's `WWW-Authenticate` headers, in a Front End's order."""
        common = {"realm": REALM, "targetname": self.pool_fqdn, "version": "4"}
        kerberos = {**common, "targetname": f"sip/{self.pool_fqdn}"}
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

    def reply(self, message: bytes) -> bytes:
        """The answer to one SIP request (MalformedSip if it is not one): a REGISTER is
        challenged, anything else refused."""
        request = parse_request(message)
        authorization = request.headers.get("Authorization") or ""
        tls_dsk = self.tls_dsk
        if tls_dsk is not None and authorization.upper().startswith("TLS-DSK"):
            self.counts["tls_dsk"] += 1
            return tls_dsk.reply(message, self._clock())
        if request.method == "REGISTER":
            self.counts["challenged"] += 1
            return build_response(request, 401, "Unauthorized", [*self.challenges(), SERVER_HEADER])
        self.counts["other"] += 1
        return build_response(request, 405, "Method Not Allowed", [("Allow", "REGISTER")])

    def keep_alive(self) -> None:
        """A CRLF keep-alive from a registered phone: counted, never answered (a phone waiting
        for a SIP answer on the connection reads no stray CRLF)."""
        self.counts["keep_alives"] += 1
        self.last_keep_alive = self._clock()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffer = b""
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
                reply = self.reply(message)
                if self.delay > 0:
                    await asyncio.sleep(self.delay)
                writer.write(reply)
                await writer.drain()
        except (MalformedSip, ConnectionError, ssl.SSLError):
            self.counts["broken"] += 1
        finally:
            writer.close()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, host, port, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
