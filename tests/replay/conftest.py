"""Guards for the replay tests, which build many frames with scapy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def no_address_resolution(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that builds a frame without MAC addresses.

    scapy fills a missing Ethernet destination by ARPing for it on the host's
    own interfaces; a test must never put a packet on a real network.
    """
    import scapy.layers.l2  # noqa: F401  (sets up conf.neighbor)
    from scapy.config import conf

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a frame was built without MAC addresses: give Ether(src=, dst=)")

    monkeypatch.setattr(conf.neighbor, "resolve", refuse)
    yield
