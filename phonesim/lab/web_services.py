"""The pool's web services on sockets: root chain over HTTP, mex, Web Ticket and CertProv over HTTPS.

A thin aiohttp shell: every request goes whole to `LabWebCore` (`web_core.py`),
which decides the answer; this module only listens, hands requests over and writes
the answers back. Documents name the pool `https://<web fqdn>/…` on the standard
port, whatever loopback port the lab really listens on; the phone maps the port
through its AddressBook.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from aiohttp import web

from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.directory import LabDirectory
from phonesim.lab.web_core import (
    BAD_CERTIFICATE_REQUEST,
    ENTITY_MISMATCH,
    EXPIRED_TICKET,
    JOURNAL_SIZE,
    NO_TICKET,
    TICKET_LIFETIME,
    UNKNOWN_TICKET,
    IssuedTicket,
    LabWebCore,
    ReceivedRequest,
    WebFaults,
    WebRequest,
    utc_now,
)

__all__ = [
    "BAD_CERTIFICATE_REQUEST",
    "ENTITY_MISMATCH",
    "EXPIRED_TICKET",
    "NO_TICKET",
    "UNKNOWN_TICKET",
    "IssuedTicket",
    "LabWebServices",
    "ReceivedRequest",
    "WebFaults",
]

log = logging.getLogger(__name__)


class LabWebServices:
    def __init__(
        self,
        *,
        web_fqdn: str,
        ca: LabCertificateAuthority,
        directory: LabDirectory,
        server_ca: LabCertificateAuthority | None = None,
        now: Callable[[], datetime] = utc_now,
        faults: WebFaults | None = None,
        ticket_lifetime: timedelta = TICKET_LIFETIME,
        journal_size: int = JOURNAL_SIZE,
    ) -> None:
        self.core = LabWebCore(
            web_fqdn=web_fqdn,
            ca=ca,
            directory=directory,
            now=now,
            faults=faults,
            ticket_lifetime=ticket_lifetime,
            journal_size=journal_size,
        )
        # Who signs the HTTPS certificate: the lab CA, unless a scenario wants a
        # server certificate from a CA the phone never downloaded.
        self._server_ca = server_ca or ca
        self._now = now
        self._runners: list[web.AppRunner] = []
        self._ports: dict[str, int] = {}

    @property
    def web_fqdn(self) -> str:
        return self.core.web_fqdn

    @property
    def faults(self) -> WebFaults:
        return self.core.faults

    @property
    def received(self) -> deque[ReceivedRequest]:
        return self.core.received

    @property
    def tickets(self) -> dict[str, IssuedTicket]:
        return self.core.tickets

    def url(self, path: str, *, secure: bool = True) -> str:
        """The advertised URL of `path`: the web FQDN on the standard port."""
        return self.core.url(path, secure=secure)

    def tls_context(self) -> ssl.SSLContext:
        """The HTTPS server's TLS: a certificate for the web FQDN, issued now."""
        return self._server_ca.server_ssl_context([self.web_fqdn], now=self._now())

    @property
    def http_port(self) -> int:
        return self._port("http")

    @property
    def https_port(self) -> int:
        return self._port("https")

    async def start(
        self, host: str = "127.0.0.1", *, ports: Mapping[str, int] | None = None
    ) -> None:
        """Returns once both listeners accept connections: on the ports given by scheme
        (a client that takes the documents' URLs at their word needs 80 and 443), or else
        on ports the kernel picks."""
        if self._runners:
            raise RuntimeError("the lab web services are already started")
        tls = self.tls_context()
        try:
            for scheme, context in (("http", None), ("https", tls)):
                runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
                await runner.setup()
                self._runners.append(runner)
                sock = _listening_socket(host, (ports or {}).get(scheme, 0))
                try:
                    await web.SockSite(runner, sock, ssl_context=context).start()
                except BaseException:
                    sock.close()
                    raise
                self._ports[scheme] = sock.getsockname()[1]
        except BaseException:
            await self.close()
            raise
        log.info(
            "web services for %s on %s: http %d, https %d",
            self.web_fqdn,
            host,
            self._ports["http"],
            self._ports["https"],
        )

    async def close(self) -> None:
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()

    def _port(self, scheme: str) -> int:
        if scheme not in self._ports:
            raise RuntimeError("the lab web services are not started")
        return self._ports[scheme]

    def _app(self) -> web.Application:
        # One route takes every method and path: routing, like every other
        # decision, is the core's, so the in-memory lab routes alike.
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._serve)
        return app

    async def _serve(self, request: web.Request) -> web.Response:
        reply = self.core.handle(
            WebRequest(
                scheme=request.scheme,
                method=request.method,
                target=request.path_qs,
                headers=request.headers.copy(),  # names stay case-insensitive, as in HTTP
                body=await request.read() if request.can_read_body else b"",
                host=request.host,
            )
        )
        return web.Response(status=reply.status, headers=reply.headers, body=reply.body)


def _listening_socket(host: str, port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
