"""The smaller defects of the hardening review (D17), each as a user or a server meets it."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from pathlib import Path

import httpx
import pytest

from phonesim.cli import main
from phonesim.codec.ocauthws import ROOT_CHAIN_PATH
from phonesim.codec.sip_message import MalformedSip, split_message
from phonesim.drivers.http_transport import PhoneHttpTransport
from phonesim.profiles import available_profiles
from tests.hostile_fixtures import PIN_POST, XML, answer, web_case

FAULT_WITHOUT_DIAGNOSTICS = (
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
    b"<faultcode>s:Server</faultcode><faultstring>internal error</faultstring>"
    b"</s:Fault></s:Body></s:Envelope>"
)


@pytest.mark.parametrize("length", ["-40", "-5000", "-1"])
def test_a_negative_sip_content_length_is_malformed(length: str) -> None:
    with pytest.raises(MalformedSip, match="Content-Length"):
        split_message(f"SIP/2.0 401 x\r\nContent-Length: {length}\r\n\r\n".encode())


def test_a_soap_fault_without_ms_diagnostics_is_the_service_failing_not_a_wrong_pin() -> None:
    outcome = asyncio.run(
        web_case({("https", PIN_POST): answer(500, XML, FAULT_WITHOUT_DIAGNOSTICS)}, "--json")
    )
    assert outcome.exit_code == 5, outcome.stderr
    assert outcome.reason == "webticket.fault"
    assert "webticket.pin_rejected" not in outcome.findings


def test_the_http_transport_verifies_by_default(web_lab) -> None:
    async def scenario() -> None:
        async with (
            web_lab(trust=False) as w,
            httpx.AsyncClient(transport=PhoneHttpTransport(w.book)) as http,
        ):
            await http.get(f"https://{w.fqdn}{ROOT_CHAIN_PATH}")

    with pytest.raises(Exception) as refused:
        asyncio.run(scenario())
    chain: BaseException | None = refused.value
    while chain is not None and not isinstance(chain, ssl.SSLCertVerificationError):
        chain = chain.__cause__ or chain.__context__
    assert isinstance(chain, ssl.SSLCertVerificationError), repr(refused.value)


def test_a_registrar_slower_than_the_phone_leaves_no_traceback_at_lab_shutdown(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    profile = available_profiles()["polycom-cx600"].read_text()
    quick = re.sub(r"(?ms)(^\[sip\].*?^timeout = )[0-9.]+", r"\g<1>0.5", profile)
    assert quick != profile
    (tmp_path / "quick.toml").write_text(quick)
    (tmp_path / "slow.toml").write_text('[scenario]\nsummary = "s"\n[registrar]\ndelay = 3\n')
    code = main(
        [
            *("boot", "--lab", "--scenario", str(tmp_path / "slow.toml")),
            *("--profile", str(tmp_path / "quick.toml"), "--ext", "5551234", "--pin", "13579"),
            *("--json", "--no-cache", "--state-dir", str(tmp_path / "s")),
            *("--runs-dir", str(tmp_path / "r")),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 7
    assert "Traceback" not in err
    # asyncio reports an exception of a connection's callback through its logger.
    assert not [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]
