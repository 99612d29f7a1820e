"""The sign-in's TLS and timers as profile data: an optional [tls_dsk] table."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

from phonesim.codec.tls_dsk.handshake import LYNC_2010_CIPHERS, TLS_VERSIONS
from phonesim.core.profile import TLS_DSK_VERSIONS, DeviceProfile, TlsDskBehaviour
from phonesim.core.tls_dsk.messages import Fault, Registered, SessionFailed
from phonesim.errors import ProfileError
from phonesim.profiles import available_profiles
from tests.tls_dsk.credentials import issue
from tests.tls_dsk.registration_pair import EPOCH, PROFILE, make_pair


def shipped(name: str) -> dict:
    return tomllib.loads(available_profiles()[name].read_text(encoding="utf-8"))


def test_a_profile_without_the_table_gets_pidgin_sipes_defaults():
    for name in available_profiles():
        profile = DeviceProfile.from_mapping(shipped(name), name)
        assert profile.tls_dsk == TlsDskBehaviour()
    assert TlsDskBehaviour().ciphers == LYNC_2010_CIPHERS
    assert set(TLS_DSK_VERSIONS) == set(TLS_VERSIONS)


def test_the_table_sets_each_field_and_keeps_the_rest():
    data = shipped("polycom-cx600")
    data["tls_dsk"] = {
        "versions": ["1.0", "1.2"],
        "register_expires": 7200,
        "keep_alive": 30,
        "max_redirects": 1,
    }
    profile = DeviceProfile.from_mapping(data, "test")
    assert profile.tls_dsk == replace(
        TlsDskBehaviour(),
        versions=("1.0", "1.2"),
        register_expires=7200,
        keep_alive=30.0,
        max_redirects=1,
    )


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"versions": ["1.3"]}, "tls_dsk.versions"),
        ({"keep_alive": 0}, "tls_dsk.keep_alive"),
        ({"register_expires": 10}, "tls_dsk.register_expires"),
        ({"cipher": "AES128-SHA"}, "tls_dsk.cipher"),
        ({"max_redirects": -1}, "tls_dsk.max_redirects"),
    ],
)
def test_a_wrong_field_is_named(table, field):
    data = shipped("polycom-cx600")
    data["tls_dsk"] = table
    with pytest.raises(ProfileError) as raised:
        DeviceProfile.from_mapping(data, "test")
    assert field in str(raised.value)


@pytest.fixture(scope="module")
def creds(keys):
    phone_key, server_key = keys
    return issue(EPOCH, phone_key=phone_key, server_key=server_key)


def test_the_profiles_tls_version_is_what_the_phone_offers(creds):
    modern = replace(PROFILE, tls_dsk=replace(PROFILE.tls_dsk, versions=("1.2",)))
    failed = make_pair(creds, profile=modern).start()
    assert isinstance(failed, SessionFailed)
    # The lab (TLS 1.0 only) answers in 1.0; the phone, asked for 1.2 only, stops.
    assert failed.fault is Fault.HANDSHAKE_FAILED
    assert failed.evidence["what"] == "no TLS version both ends allow"


def test_the_profiles_expires_is_what_the_register_asks_and_signs(creds):
    short = replace(PROFILE, tls_dsk=replace(PROFILE.tls_dsk, register_expires=600))
    pair = make_pair(creds, profile=short)
    registered = pair.start()
    assert isinstance(registered, Registered)
    assert registered.expires == 600 and registered.refresh_at == 600 - 30
    assert b"Expires: 600\r\n" in pair.requests[-1]
