"""The fleet's key pool: a phone takes a key from a full pool without generating one."""

from __future__ import annotations

import phonesim.drivers.certificate_request as certificate_request
from phonesim.drivers.certificate_request import KeyPool


def test_a_pool_is_full_once_it_made_its_keys_and_then_only_hands_them_out(monkeypatch):
    made = []
    real = certificate_request._generate

    def counted(key_type):
        made.append(key_type)
        return real(key_type)

    monkeypatch.setattr(certificate_request, "_generate", counted)
    pool = KeyPool("ec-p256", size=2)
    assert not pool.full
    first = pool.take()
    assert not pool.full
    second = pool.take()
    assert pool.full
    assert [pool.take() for _ in range(4)] == [first, second, first, second]
    assert made == ["ec-p256", "ec-p256"]
