"""`dhcp-config` refuses values a server would carry broken: one line naming option and value, exit 2.

Each of these was written into every format and exited 0: option 120 with a
label `com:5061`, a URL `https://pool01...:443no-leading-slash`, a scheme
`ht tp`. Admins paste such values from Topology Builder and browsers.
"""

from __future__ import annotations

import pytest

from phonesim.cli import main
from phonesim.dhcp_config import FORMATS

POOL = "pool01.contoso.com"

BAD_NAMES = {
    "a scheme": ("https://pool01.contoso.com", "is a URL, not a name: give pool01.contoso.com"),
    "a scheme and path": (
        "https://pool01.contoso.com/CertProv",
        "is a URL, not a name: give pool01.contoso.com",
    ),
    "a port": ("pool01.contoso.com:5061", "carries a port"),
    "a space and !": ("not a host!", "label 'not a host!' is not letters, digits and hyphens"),
    "an underscore": ("pool_01.contoso.com", "label 'pool_01' is not letters, digits"),
    "a leading hyphen": ("-pool.contoso.com", "label '-pool' is not letters, digits"),
    "a trailing hyphen": ("pool-.contoso.com", "label 'pool-' is not letters, digits"),
    "an empty label": ("pool01..contoso.com", "has an empty label"),
    "a 64-character label": ("p" * 64 + ".contoso.com", "is 64 characters; a label holds 63"),
    "a 258-character name": (
        ".".join(["a" * 50] * 5) + ".com",
        "is 258 characters; a name holds 253",
    ),
    "not ASCII": ("pööl.contoso.com", "is not ASCII: give its ASCII form xn--pl-fkaa.contoso.com"),
    "a broken address": ("192.0.2.300", "is neither an IPv4 address nor a name"),
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dhcp-config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("phonesim: error: "), err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize("kind", list(BAD_NAMES))
@pytest.mark.parametrize("option", ["--sip-server", "--web-server"])
def test_every_name_argument_must_be_a_name(
    option: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, reason = BAD_NAMES[kind]
    argv = [option, bad] if option == "--sip-server" else ["--sip-server", POOL, option, bad]
    # `=` so that a leading hyphen is a value, as a user would have to write it too.
    argv = [f"{argv[i]}={argv[i + 1]}" for i in range(0, len(argv), 2)]
    assert_refused(run(capsys, *argv), f"{option} {bad!r}", reason)


def test_a_second_registrar_is_checked_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(
        run(capsys, "--sip-server", POOL, "--sip-server", "pool02.contoso.com:5061"),
        "--sip-server 'pool02.contoso.com:5061' carries a port",
    )


def test_a_web_server_port_points_to_web_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(
        run(capsys, "--sip-server", POOL, "--web-server", "web01.contoso.com:4443"),
        "give web01.contoso.com and --web-port 4443",
    )


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--web-port", "99999"], ["--web-port '99999'", "1-65535"]),
        (["--web-port", "0"], ["--web-port '0'", "1-65535"]),
        (["--web-port", "https"], ["--web-port 'https'", "not a port number"]),
        (["--web-port", "0443"], ["--web-port '0443'", "not a port number"]),
        (["--url-scheme", "ht tp"], ["--url-scheme 'ht tp'", "neither https nor http"]),
        (["--url-scheme", "ftp"], ["--url-scheme 'ftp'", "neither https nor http"]),
        (
            ["--cert-prov-path", "no-leading-slash"],
            ["--cert-prov-path 'no-leading-slash'", "':443no-leading-slash'", "give /no-leading"],
        ),
        (["--cert-prov-path", "/Cert Prov/x.svc"], ["--cert-prov-path '/Cert Prov/x.svc'"]),
    ],
)
def test_url_parts_are_checked_in_every_format(
    format_name: str, argv: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(
        run(
            capsys, "--sip-server", POOL, "--format", format_name, *argv, "--subnet", "10.0.0.0/24"
        ),
        *words,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--sip-server", "POOL01.Contoso.com."],
        ["--sip-server", "lync", "--web-server", "web-01.contoso.com"],
        ["--sip-server", "192.0.2.10", "--web-server", "192.0.2.11"],
        ["--sip-server", POOL, "--web-port", "65535", "--url-scheme", "http"],
        ["--sip-server", POOL, "--web-server", ".".join(["a" * 63] * 3) + ".contoso.com"],
    ],
)
def test_good_values_are_accepted(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 0 and out and err == ""
