"""Web clients and TLS contexts shared by every phone that trusts the same root chain.

A phone's client is small only if what is costly is shared: the connection
pool, the parsed WSDLs, the SSL context with its loaded roots. Phones that
downloaded the same chain (all of a fleet's, against one pool) get the same
client; each request still goes where its own phone's DNS answer said (see
CURRENT_ADDRESS_BOOK).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING

from phonesim.drivers.trust import trust_context
from phonesim.drivers.web_bounds import DEFAULT_WEB_LIMITS, WebLimits

if TYPE_CHECKING:
    from phonesim.drivers.web_services import WebServicesClient

ChainKey = tuple[bytes, ...]


class WebClientPool:
    def __init__(self) -> None:
        self._clients: dict[tuple[ChainKey, str, float, WebLimits], WebServicesClient] = {}
        self._tls: dict[ChainKey, ssl.SSLContext] = {}
        self._chains: dict[ChainKey, ChainKey] = {}

    def shared_chain(self, chain: Sequence[bytes]) -> ChainKey:
        """`chain` as the one copy every phone that trusts it keeps: a fleet's phones each
        downloaded the same certificates, and would otherwise hold them for their hold."""
        key = tuple(chain)
        return self._chains.setdefault(key, key)

    def client(
        self,
        chain: Sequence[bytes],
        *,
        user_agent: str,
        timeout: float,
        limits: WebLimits = DEFAULT_WEB_LIMITS,
    ) -> WebServicesClient:
        """The client that trusts exactly `chain` (nothing, when empty)."""
        from phonesim.drivers.web_services import WebServicesClient

        key = (tuple(chain), user_agent, timeout, limits)
        client = self._clients.get(key)
        if client is None:
            client = WebServicesClient(
                user_agent=user_agent, timeout=timeout, chain=chain, limits=limits
            )
            self._clients[key] = client
        return client

    def tls_context(self, chain: Sequence[bytes]) -> ssl.SSLContext:
        key = tuple(chain)
        context = self._tls.get(key)
        if context is None:
            context = self._tls[key] = trust_context(chain)
        return context

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.aclose()
        self._tls.clear()
        self._chains.clear()
