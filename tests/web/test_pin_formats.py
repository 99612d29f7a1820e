"""The PIN request's wire format as named variants: the bytes each one sends, and a lab that
accepts both and says which it saw."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.endpoints import WEB_TICKET_PATH, WEB_TICKET_PIN_SUFFIX
from phonesim.codec.ocauthws.pin_credentials import (
    PIN_FORMATS,
    pin_security_header,
    read_pin_credentials,
)
from phonesim.core.outcome import Success
from phonesim.errors import ProfileError
from phonesim.profiles import available_profiles, load_profile
from phonesim.testing import LabPair

WSSE = ns.WSSE
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
EXPECTED = {
    "username-token": (
        f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        "<wsse:Username>5551234</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_TEXT}">13579</wsse:Password>'
        "</wsse:UsernameToken></wsse:Security>"
    ),
    "tel-uri-username-token": (
        f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
        "<wsse:Username>tel:5551234</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_TEXT}">13579</wsse:Password>'
        "</wsse:UsernameToken></wsse:Security>"
    ),
}


def test_every_variant_has_its_bytes_here() -> None:
    assert set(EXPECTED) == set(PIN_FORMATS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_security_header_bytes_of_each_variant(name: str) -> None:
    header = pin_security_header("5551234", "13579", name)
    assert etree.tostring(header).decode() == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_lab_reads_each_variant_back_as_the_number_typed(name: str) -> None:
    header = etree.Element("Header")
    header.append(pin_security_header("5551234", "13579", name))
    credentials = read_pin_credentials(header)
    assert credentials is not None
    assert (credentials.username, credentials.pin, credentials.pin_format) == (
        "5551234",
        "13579",
        name,
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_phone_with_each_variant_signs_in_and_the_lab_says_which_it_saw(name: str) -> None:
    profile = load_profile("polycom-cx600")
    profile = replace(profile, web=replace(profile.web, pin_format=name))
    pair = LabPair(profile=profile)
    outcome = pair.run()
    assert isinstance(outcome, Success)
    (pin_request,) = [
        r for r in pair.lab.web.received if r.path_qs == WEB_TICKET_PATH + WEB_TICKET_PIN_SUFFIX
    ]
    assert pin_request.pin_format == name
    sent = EXPECTED[name].replace(">13579<", ">****<").encode()
    assert sent in pin_request.body.replace(b"\n", b"")
    (request,) = [t for t in pair.traces if t.stage == "webticket" and t.event == "request"]
    assert request.fields["pin_format"] == name


def test_a_profile_names_an_unknown_variant_as_an_error() -> None:
    import tomllib

    from phonesim.core.profile import DeviceProfile

    data = tomllib.loads(available_profiles()["polycom-cx600"].read_text())
    data["web"]["pin_format"] = "json"
    with pytest.raises(ProfileError) as raised:
        DeviceProfile.from_mapping(data, "test.toml")
    assert "web.pin_format" in str(raised.value) and "username-token" in str(raised.value)
