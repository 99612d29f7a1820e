"""Where the phone believes each host lives.

A phone resolves names through the DNS server its DHCP lease named, never through
the machine running phonesim, so every HTTP and TLS connection goes to the address
the phone's own DNS answer gave. In the embedded lab the servers advertise the
standard ports (80, 443, 5061, 123) in URLs and records, as a real pool does, but
listen on unprivileged ones; `port_map` says which real port stands for which.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextvars import ContextVar


class AddressBook:
    __slots__ = ("_addresses", "_port_map")

    def __init__(self, port_map: Mapping[int, int] | None = None) -> None:
        self._addresses: dict[str, str] = {}
        # Shared, not copied: every phone of a fleet reads the same map.
        self._port_map: Mapping[int, int] = port_map if port_map is not None else {}

    def learn(self, host: str, address: str) -> None:
        """A later answer for the same host replaces the earlier one, as a DNS cache would."""
        # Interned: every phone of a fleet learns the same few hosts, and a held phone keeps
        # them for its whole hold (203 bytes a phone, measured with 1,000 held).
        self._addresses[sys.intern(_key(host))] = address

    def address_of(self, host: str) -> str | None:
        return self._addresses.get(_key(host))

    def real_port(self, port: int) -> int:
        return self._port_map.get(port, port)

    def __repr__(self) -> str:
        return f"AddressBook(hosts={len(self._addresses)}, port_map={self._port_map})"


def _key(host: str) -> str:
    return host.strip().rstrip(".").lower()


CURRENT_ADDRESS_BOOK: ContextVar[AddressBook | None] = ContextVar(
    "phonesim_address_book", default=None
)
"""The address book of the phone whose request runs in this task.

Web clients are shared between the phones of a fleet (one connection pool, one
parsed WSDL); each phone's request task sets its own book here, so a shared
client still sends every request where that phone's DNS answer said."""
