"""The root chain is asked for where option 43's CertProv URL points, as the profile derives
it, so a URL cut short or pointing elsewhere fails at the root chain, before the PIN screen."""

from __future__ import annotations

from dataclasses import replace

import pytest

from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.core.commands import FetchRootChain
from phonesim.core.profile import DeviceProfile
from phonesim.errors import ProfileError
from phonesim.profiles import load_profile

from .world import POOL, WEB, Boot


def root_chain_asked(option_43: bytes | None, profile: DeviceProfile | None = None) -> str:
    boot = Boot(profile=profile or load_profile("polycom-cx600"))
    extra = [(120, encode_sip_server_names([POOL]))]
    if option_43 is not None:
        extra.append((43, option_43))
    boot.feed(boot.ack(registrars=None, web=None, extra=extra), after=0.01)
    boot.settle()
    (fetch,) = boot.of(FetchRootChain)
    return fetch.url


def test_option_43s_host_and_path_make_the_root_chain_url() -> None:
    value = encode_ms_uc_client_option(
        web_server_fqdn=WEB,
        web_server_port="4443",
        cert_prov_path="/Pool2/CertProv/CertProvisioningService.svc",
    )
    assert root_chain_asked(value) == (
        f"http://{WEB}/Pool2/CertProv/CertProvisioningService.svc/rootchain"
    )


def test_a_profile_can_take_option_43s_scheme_and_port_too() -> None:
    profile = load_profile("polycom-cx600")
    profile = replace(
        profile,
        web=replace(profile.web, root_chain_from_option_43="{scheme}://{host}:{port}{path}/chain"),
    )
    value = encode_ms_uc_client_option(web_server_fqdn=WEB, web_server_port="4443")
    assert root_chain_asked(value, profile) == (
        f"https://{WEB}:4443/CertProv/CertProvisioningService.svc/chain"
    )


def test_without_option_43_the_root_chain_is_on_the_derived_host_at_the_profile_path() -> None:
    assert root_chain_asked(None) == (
        f"http://{POOL}/CertProv/CertProvisioningService.svc/rootchain"
    )


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("http://{host}{path}{query}", "may use only"),
        ("ftp://{host}{path}", "must make an http:// or https:// URL"),
    ],
)
def test_a_bad_template_is_named_in_the_profile(template: str, said: str) -> None:
    import tomllib

    from phonesim.profiles import available_profiles

    data = tomllib.loads(available_profiles()["polycom-cx600"].read_text())
    data["web"]["root_chain_from_option_43"] = template
    with pytest.raises(ProfileError) as raised:
        DeviceProfile.from_mapping(data, "test.toml")
    assert "web.root_chain_from_option_43" in str(raised.value) and said in str(raised.value)
