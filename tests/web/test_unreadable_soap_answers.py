"""A SOAP answer a library cannot read ends the step as `malformed`, never as a traceback
(hardening review D7: a `multipart/related` answer raised AttributeError inside zeep's
multipart decoder and crashed `phonesim boot`)."""

from __future__ import annotations

import asyncio

import pytest

from tests.hostile_fixtures import CERT_POST, PIN_POST, answer, web_case


@pytest.mark.parametrize(
    ("path", "exit_code", "reason"),
    [(PIN_POST, 5, "webticket.malformed"), (CERT_POST, 6, "certprov.malformed")],
    ids=["web-ticket", "certificate"],
)
@pytest.mark.parametrize(
    "body",
    [b"garbage", b"--x\r\nContent-Type: text/xml\r\n\r\n<a/>\r\n--x--\r\n"],
    ids=["no-parts", "no-boundary-parameter"],
)
def test_a_multipart_answer_is_a_malformed_answer(
    path: str, exit_code: int, reason: str, body: bytes
) -> None:
    outcome = asyncio.run(
        web_case(
            {("https", path): answer(200, {"Content-Type": "multipart/related"}, body)}, "--json"
        )
    )
    assert "Traceback" not in outcome.stderr
    assert outcome.exit_code == exit_code, outcome.stderr
    assert outcome.reason == reason
