"""Option 43 for MS-UC-Client: any order, end code, integer port, Cisco's truncation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonesim.codec.ms_uc_client_option import (
    TruncatedSubOption,
    decode_ms_uc_client_option,
    encode_ms_uc_client_option,
)
from phonesim.errors import MalformedOption

from .strategies import hostnames

URL = "https://pool01.contoso.com:443/CertProv/CertProvisioningService.svc"
PATH = b"/CertProv/CertProvisioningService.svc"


def sub(code: int, data: bytes) -> bytes:
    return bytes((code, len(data))) + data


def test_reverse_order_with_end_code_as_dnsmasq_sends_it() -> None:
    value = (
        sub(5, PATH)
        + sub(4, b"443")
        + sub(3, b"pool01.contoso.com")
        + sub(2, b"https")
        + sub(1, b"MS-UC-Client")
        + b"\xff"
    )
    option = decode_ms_uc_client_option(value)
    assert option.url == URL
    assert option.order == (5, 4, 3, 2, 1)
    assert option.has_end
    assert option.missing == ()


def test_pad_bytes_are_skipped_and_nothing_after_the_end_is_read() -> None:
    value = (
        b"\x00\x00"
        + sub(2, b"https")
        + b"\x00"
        + sub(3, b"pool01.contoso.com")
        + sub(4, b"443")
        + sub(5, PATH)
        + b"\xff"
        + sub(3, b"ignored.example.com")
    )
    option = decode_ms_uc_client_option(value)
    assert option.url == URL
    assert option.order == (2, 3, 4, 5)
    assert option.identifier is None


def test_port_written_as_an_integer_is_reported_and_gives_no_url() -> None:
    value = sub(2, b"https") + sub(3, b"pool01.contoso.com") + sub(4, b"\x01\xbb") + sub(5, PATH)
    option = decode_ms_uc_client_option(value)
    assert option.port_as_integer == 443
    assert option.web_server_port is None
    assert option.url is None
    assert option.missing == ()


def test_cisco_cut_at_90_bytes_reports_the_truncated_path() -> None:
    fqdn = "lyncweb01.emea.contoso-corp.ch"
    assert len(fqdn) == 30
    full = encode_ms_uc_client_option(web_server_fqdn=fqdn)
    assert len(full) == 97
    option = decode_ms_uc_client_option(full[:90])
    # 1:14 bytes, 2:7, 3:32, 4:5 -> sub-option 5 starts at byte 58, its data at 60.
    assert option.truncated == TruncatedSubOption(
        code=5, declared_length=37, present_length=30, partial_value=PATH[:30]
    )
    assert option.cert_prov_path is None
    assert option.missing == (5,)
    assert option.url is None
    assert option.web_server_fqdn == fqdn
    # What a phone that ignores the cut asks for: a path without its ending.
    assert option.partial_url == f"https://{fqdn}:443{PATH[:30].decode()}"


def test_a_cut_before_the_path_leaves_no_partial_url() -> None:
    full = encode_ms_uc_client_option(web_server_fqdn="pool01.contoso.com")
    option = decode_ms_uc_client_option(full[:30])
    assert option.truncated is not None and option.truncated.code == 3
    assert option.partial_url is None
    assert decode_ms_uc_client_option(full).partial_url is None


def test_value_ending_after_a_code_byte_counts_as_truncated() -> None:
    option = decode_ms_uc_client_option(sub(2, b"https") + b"\x03")
    assert option.truncated == TruncatedSubOption(
        code=3, declared_length=None, present_length=0, partial_value=b""
    )
    assert option.missing == (3, 4, 5)
    assert option.order == (2, 3)


def test_unknown_sub_options_are_kept() -> None:
    option = decode_ms_uc_client_option(sub(10, b"\x00\x64") + sub(2, b"https"))
    assert option.unknown == ((10, b"\x00\x64"),)
    assert option.url_scheme == "https"
    assert option.missing == (3, 4, 5)


def test_empty_value_has_everything_missing() -> None:
    option = decode_ms_uc_client_option(b"")
    assert option.missing == (2, 3, 4, 5)
    assert option.url is None
    assert option.truncated is None


def test_non_ascii_text_is_malformed_at_the_bad_byte() -> None:
    with pytest.raises(MalformedOption) as caught:
        decode_ms_uc_client_option(sub(2, b"https") + sub(3, b"pool\xe9.contoso.com"))
    assert caught.value.code == 43
    assert caught.value.offset == 7 + 2 + 4


@pytest.mark.parametrize("port", [b"", b"\x01\xbb\x00", b"4a3"])
def test_port_neither_digits_nor_short_integer_is_malformed(port: bytes) -> None:
    with pytest.raises(MalformedOption) as caught:
        decode_ms_uc_client_option(sub(4, port))
    assert caught.value.offset == 2


def test_a_url_part_sent_twice_is_malformed() -> None:
    with pytest.raises(MalformedOption) as caught:
        decode_ms_uc_client_option(sub(3, b"a.example.com") + sub(3, b"b.example.com"))
    assert caught.value.offset == 15


@pytest.mark.parametrize(
    "arguments",
    [
        {"web_server_fqdn": "pool.contoso.com", "web_server_port": "44x"},
        {"web_server_fqdn": "pool.contoso.com", "web_server_port": ""},
        {"web_server_fqdn": "pöol.contoso.com"},
        {"web_server_fqdn": "a" * 256},
    ],
)
def test_values_the_phone_could_not_read_are_refused(arguments: dict[str, str]) -> None:
    with pytest.raises(MalformedOption):
        encode_ms_uc_client_option(**arguments)


printable_paths = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=200
).map(lambda text: "/" + text)


@given(
    fqdn=hostnames,
    port=st.integers(min_value=0, max_value=65535).map(str),
    path=printable_paths,
    scheme=st.sampled_from(["https", "http"]),
)
def test_round_trip(fqdn: str, port: str, path: str, scheme: str) -> None:
    value = encode_ms_uc_client_option(
        web_server_fqdn=fqdn, web_server_port=port, url_scheme=scheme, cert_prov_path=path
    )
    option = decode_ms_uc_client_option(value)
    assert option.url == f"{scheme}://{fqdn}:{port}{path}"
    assert option.order == (1, 2, 3, 4, 5)
    assert option.identifier == "MS-UC-Client"
    assert option.truncated is None


@given(
    fqdn=hostnames,
    port=st.integers(min_value=0, max_value=65535).map(str),
    path=printable_paths,
    data=st.data(),
)
def test_any_order_pads_and_end_decode_the_same(
    fqdn: str, port: str, path: str, data: st.DataObject
) -> None:
    parts = [
        sub(1, b"MS-UC-Client"),
        sub(2, b"https"),
        sub(3, fqdn.encode()),
        sub(4, port.encode()),
        sub(5, path.encode()),
    ]
    shuffled = data.draw(st.permutations(parts))
    pads = data.draw(st.lists(st.integers(0, 3), min_size=5, max_size=5))
    end = data.draw(st.booleans())
    value = b"".join(b"\x00" * pad + part for pad, part in zip(pads, shuffled, strict=True))
    value += b"\xff" if end else b""
    option = decode_ms_uc_client_option(value)
    assert option.url == f"https://{fqdn}:{port}{path}"
    assert option.order == tuple(part[0] for part in shuffled)
    assert option.has_end == end


@given(
    fqdn=hostnames,
    path=printable_paths,
    cut=st.integers(min_value=1, max_value=400),
)
def test_any_cut_never_builds_a_url_from_partial_data(fqdn: str, path: str, cut: int) -> None:
    value = encode_ms_uc_client_option(web_server_fqdn=fqdn, cert_prov_path=path)
    option = decode_ms_uc_client_option(value[: len(value) - cut])
    assert option.url is None
    if option.truncated is not None:
        assert option.truncated.code in option.missing or option.truncated.code == 1


@given(st.binary(max_size=120))
def test_the_memo_agrees_with_the_plain_decoder(value: bytes) -> None:
    from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option_uncached
    from phonesim.errors import MalformedOption

    try:
        expected = decode_ms_uc_client_option_uncached(value)
    except MalformedOption as error:
        with pytest.raises(MalformedOption) as again:
            decode_ms_uc_client_option(value)
        assert str(again.value) == str(error)
        return
    assert decode_ms_uc_client_option(value) == expected
    assert decode_ms_uc_client_option(value) == expected  # from the memo
