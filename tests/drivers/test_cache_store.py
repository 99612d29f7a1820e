"""The phone's flash in a state folder: what a damaged file does to a boot.

A cache that fails to load or validate is ignored with a note in the trace: the phone
discovers as one without a cache, and never crashes on what its flash holds.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from phonesim.core.commands import SendDhcp, Trace
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin
from phonesim.core.phone_factory import make_phone
from phonesim.drivers.cache_store import DiscoveryCacheStore
from phonesim.profiles import load_profile
from phonesim.testing import LabPair

MAC = "00:04:f2:00:00:01"


def boot_with(store: DiscoveryCacheStore) -> list[object]:
    cache, problem = store.read(MAC)
    phone = make_phone(
        load_profile("polycom-cx600"),
        PhoneIdentity(mac=MAC, sign_in_as="5551234", pin=Pin("13579")),
        NetworkSettings(address="192.0.2.100", dns_domain="contoso.test"),
        rng=random.Random(1),
        wall_clock=0.0,
        cache=cache,
        cache_problem=problem,
    )
    return list(phone.start(0.0))


def test_a_cache_that_fails_to_load_is_ignored_with_a_trace_note(tmp_path: Path) -> None:
    store = DiscoveryCacheStore(tmp_path)
    path = store.path_for(MAC)
    path.parent.mkdir(parents=True)
    path.write_text("{ half a cache")
    commands = boot_with(store)
    notes = [c for c in commands if isinstance(c, Trace) and c.event == "cache_unusable"]
    assert notes and "is not JSON" in notes[0].fields["why"]
    assert any(isinstance(c, SendDhcp) for c in commands)  # it discovers instead


def test_a_cache_that_does_not_validate_is_ignored_with_a_trace_note(tmp_path: Path) -> None:
    store = DiscoveryCacheStore(tmp_path)
    path = store.path_for(MAC)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 1, "source": "signin", "registrars": "pool01"}))
    commands = boot_with(store)
    notes = [c for c in commands if isinstance(c, Trace) and c.event == "cache_unusable"]
    assert notes and "not a discovery cache" in notes[0].fields["why"]


def test_no_cache_file_is_no_note_and_a_signed_in_cache_round_trips(tmp_path: Path) -> None:
    store = DiscoveryCacheStore(tmp_path)
    assert store.read(MAC) == (None, None)
    pair = LabPair()
    pair.run()
    cache = pair.stored[-1]
    assert cache is not None
    store.save(MAC, cache)
    assert store.read(MAC) == (cache, None)
    assert store.read(MAC)[0].sip_domain == "phonesim.test"  # type: ignore[union-attr]


def test_the_kept_certificate_and_key_are_stored_privately_and_read_back(tmp_path: Path) -> None:
    pair = LabPair()
    pair.run()
    cache = pair.stored[-1]
    assert cache is not None and cache.credential is not None
    store = DiscoveryCacheStore(tmp_path)
    store.save(MAC, cache)
    folder = store.path_for(MAC).parent
    for name in ("key.pem", "certificate.der"):
        assert (folder / name).stat().st_mode & 0o777 == 0o600
    read, problem = store.read(MAC)
    assert problem is None and read is not None and read.credential is not None
    assert read.sip_uri == "sip:alice@phonesim.test"
    assert read.certificate_valid_at(cache.stored_at)
    store.save(MAC, None)  # a wiped phone keeps no key
    assert not (folder / "key.pem").exists()
