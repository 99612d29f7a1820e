from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.tls_dsk.credentials import Credentials, issue, rsa_key


@pytest.fixture(scope="session")
def keys():
    """RSA-2048 keys cost tens of milliseconds each: one phone key and one server key."""
    return rsa_key(), rsa_key()


@pytest.fixture(scope="session")
def lab(keys) -> Credentials:
    """Valid now by the real clock, for peers (openssl) that read it."""
    phone_key, server_key = keys
    return issue(datetime.now(UTC), phone_key=phone_key, server_key=server_key)


@pytest.fixture(scope="session")
def other_lab(keys) -> Credentials:
    """Same keys, another CA: its certificates do not chain to `lab`'s root."""
    phone_key, server_key = keys
    return issue(datetime.now(UTC), phone_key=phone_key, server_key=server_key)
